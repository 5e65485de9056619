#include "daemon/dbus/call_quota.hpp"

#include <gtest/gtest.h>

#include "api/views.hpp"
#include "daemon/dbus/read_scheduler.hpp"

namespace pathkeeper::dbus {
namespace {

TEST(ACallQuota, GivesEachUnprivilegedUserItsShareOfATurn) {
    CallQuota quota;
    for (unsigned i = 0; i < CallQuota::kReadsPerTurn; ++i) {
        EXPECT_TRUE(quota.admit(1000));
    }
    EXPECT_FALSE(quota.admit(1000));
    EXPECT_TRUE(quota.admit(1001));  // another user's share is its own
}

TEST(ACallQuota, CountsACostlyReadAsSeveral) {
    CallQuota quota;
    EXPECT_TRUE(quota.admit(1000, CallQuota::kReadsPerTurn));  // a whole share at once
    EXPECT_FALSE(quota.admit(1000));
    quota.new_turn();
    EXPECT_TRUE(quota.admit(1000));
    EXPECT_FALSE(quota.admit(1000, CallQuota::kReadsPerTurn));  // does not fit in what is left
    EXPECT_FALSE(quota.admit(1000));                            // nor does anything after a refusal
    EXPECT_TRUE(quota.admit(0, 100));
}

TEST(ACallQuota, NeverRefusesRoot) {
    CallQuota quota;
    for (unsigned i = 0; i < 10 * CallQuota::kReadsPerTurn; ++i) {
        EXPECT_TRUE(quota.admit(0));
    }
}

TEST(ACallQuota, StartsEveryShareAfreshOnANewTurn) {
    CallQuota quota;
    for (unsigned i = 0; i <= CallQuota::kReadsPerTurn; ++i) {
        (void)quota.admit(1000);
    }
    EXPECT_FALSE(quota.admit(1000));
    quota.new_turn();
    EXPECT_TRUE(quota.admit(1000));
}

TEST(AReadScheduler, HoldsTheReadsAndNothingElse) {
    for (const char* member :
         {"GetTopology", "GetMaps", "GetPaths", "GetConfig", "ExplainConfig", "GetKnownWwids"}) {
        EXPECT_TRUE(ReadScheduler::is_read(api::kManagerInterface, member)) << member;
    }
    for (const char* member : {"FailPath", "Reconfigure", "RemoveMap", "AddKnownWwid", "Reservation"}) {
        EXPECT_FALSE(ReadScheduler::is_read(api::kManagerInterface, member)) << member;
    }
    EXPECT_TRUE(ReadScheduler::is_read("org.freedesktop.DBus.Properties", "GetAll"));
    EXPECT_TRUE(ReadScheduler::is_read("org.freedesktop.DBus.ObjectManager", "GetManagedObjects"));
    EXPECT_TRUE(ReadScheduler::is_read("org.freedesktop.DBus.Introspectable", "Introspect"));
    EXPECT_FALSE(ReadScheduler::is_read("org.freedesktop.DBus.Peer", "Ping"));
    EXPECT_FALSE(ReadScheduler::is_read("org.example.Other", "GetTopology"));
}

TEST(AReadScheduler, CountsTheWholeTreeAsAWholeShare) {
    EXPECT_EQ(ReadScheduler::cost_of("GetManagedObjects"), CallQuota::kReadsPerTurn);
    EXPECT_EQ(ReadScheduler::cost_of("GetTopology"), 1U);
    EXPECT_EQ(ReadScheduler::cost_of("GetAll"), 1U);
}

}  // namespace
}  // namespace pathkeeper::dbus
