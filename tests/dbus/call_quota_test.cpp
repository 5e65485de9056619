#include "daemon/dbus/call_quota.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pathkeeper::dbus
