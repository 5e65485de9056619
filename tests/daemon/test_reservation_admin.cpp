// pathctl reservation's commands (lib/reservation/admin_command) against the simulated PR target: which
// command is which PR service action, that register is idempotent, and what status reads.
#include <gtest/gtest.h>

#include "reservation/admin_command.hpp"
#include "sim/pr_target.hpp"

namespace pathkeeper::reservation {
namespace {

using core::PrType;
using core::ScsiOutcome;

// One LU reached through sdb and sdc (host2, host3); another host registers through sdx.
struct TwoPaths {
    sim::SimPrTarget target;
    std::vector<PathTarget> paths{{"sdb", "/dev/sdb", "host2"}, {"sdc", "/dev/sdc", "host3"}};
    TwoPaths() {
        target.add_path("/dev/sdb", "lu", "host2");
        target.add_path("/dev/sdc", "lu", "host3");
        target.add_path("/dev/sdx", "lu", "other");
    }
    AdminPrResult run(AdminCommand command, core::PrKey key, core::PrKey victim = 0,
                      PrType type = kDefaultAdminType) {
        AdminPrRequest request;
        request.command = command;
        request.key = key;
        request.victim = victim;
        request.type = type;
        return run_admin_command(target, paths, request);
    }
    AdminPrResult run_other(AdminCommand command, core::PrKey key) {
        AdminPrRequest request;
        request.command = command;
        request.key = key;
        return run_admin_command(target, {{"sdx", "/dev/sdx", "other"}}, request);
    }
};

TEST(ReservationAdminCommands, ParseTheirNamesAndRefuseOthers) {
    for (const char* name :
         {"status", "register", "unregister", "reserve", "release", "clear", "preempt", "preempt-abort"}) {
        auto parsed = parse_admin_command(name);
        ASSERT_TRUE(parsed.ok()) << name;
        EXPECT_STREQ(to_string(*parsed), name);
    }
    auto bad = parse_admin_command("fence");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("\"fence\""), std::string::npos);
    EXPECT_TRUE(changes_registrations(AdminCommand::Preempt));
    EXPECT_FALSE(changes_registrations(AdminCommand::Reserve));
    EXPECT_TRUE(takes_type(AdminCommand::Release));
    EXPECT_FALSE(takes_type(AdminCommand::Clear));
    EXPECT_TRUE(takes_victim(AdminCommand::PreemptAbort));
}

TEST(ReservationAdminCommands, RegisterGoesThroughEveryPathAndIsIdempotent) {
    TwoPaths s;
    auto first = s.run(AdminCommand::Register, 0xabc);
    ASSERT_TRUE(first.command.ok) << first.command.message;
    EXPECT_EQ(first.command.paths.size(), 2U);
    EXPECT_EQ(s.target.key_of("/dev/sdb"), 0xabcU);
    EXPECT_EQ(s.target.key_of("/dev/sdc"), 0xabcU);
    auto again = s.run(AdminCommand::Register, 0xabc);
    EXPECT_TRUE(again.command.ok) << again.command.message;
    auto unregistered = s.run(AdminCommand::Unregister, 0xabc);
    ASSERT_TRUE(unregistered.command.ok) << unregistered.command.message;
    EXPECT_FALSE(s.target.key_of("/dev/sdb"));
    EXPECT_FALSE(s.target.key_of("/dev/sdc"));
}

TEST(ReservationAdminCommands, StatusReadsKeysAndTheHolder) {
    TwoPaths s;
    ASSERT_TRUE(s.run(AdminCommand::Register, 0xabc).command.ok);
    ASSERT_TRUE(s.run_other(AdminCommand::Register, 0x999).command.ok);
    ASSERT_TRUE(s.run(AdminCommand::Reserve, 0xabc).command.ok);
    auto status = s.run(AdminCommand::Status, 0xabc);
    ASSERT_TRUE(status.command.ok) << status.command.message;
    ASSERT_TRUE(status.status);
    EXPECT_TRUE(status.status->registered);
    EXPECT_EQ(std::count(status.status->keys.begin(), status.status->keys.end(), 0xabcU), 2);
    EXPECT_EQ(std::count(status.status->keys.begin(), status.status->keys.end(), 0x999U), 1);
    ASSERT_TRUE(status.status->holder);
    EXPECT_EQ(status.status->holder->key, 0xabcU);
    EXPECT_EQ(status.status->holder->type, PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_FALSE(s.run(AdminCommand::Status, 0x123).status->registered);
}

TEST(ReservationAdminCommands, AnotherHostsReservationIsAConflictAndPreemptTakesItOver) {
    TwoPaths s;
    ASSERT_TRUE(s.run(AdminCommand::Register, 0xabc).command.ok);
    ASSERT_TRUE(s.run_other(AdminCommand::Register, 0x999).command.ok);
    ASSERT_TRUE(s.run_other(AdminCommand::Reserve, 0x999).command.ok);
    auto refused = s.run(AdminCommand::Reserve, 0xabc, 0, PrType::WriteExclusive);
    EXPECT_FALSE(refused.command.ok);
    EXPECT_EQ(refused.command.outcome, ScsiOutcome::ReservationConflict) << refused.command.message;
    auto preempted = s.run(AdminCommand::PreemptAbort, 0xabc, 0x999);
    ASSERT_TRUE(preempted.command.ok) << preempted.command.message;
    EXPECT_FALSE(s.target.key_of("/dev/sdx"));
    auto status = s.run(AdminCommand::Status, 0xabc);
    ASSERT_TRUE(status.status);
    ASSERT_TRUE(status.status->holder);
    EXPECT_EQ(status.status->holder->key, 0xabcU);
}

TEST(ReservationAdminCommands, AnUnregisteredKeyCannotReserveAndAnUnsupportedTargetSaysSo) {
    TwoPaths s;
    auto refused = s.run(AdminCommand::Reserve, 0xabc);
    EXPECT_EQ(refused.command.outcome, ScsiOutcome::ReservationConflict) << refused.command.message;
    s.target.set_supported("lu", false);
    auto unsupported = s.run(AdminCommand::Status, 0xabc);
    EXPECT_FALSE(unsupported.status);
    EXPECT_EQ(unsupported.command.outcome, ScsiOutcome::NotSupported);
    EXPECT_NE(unsupported.command.message.find("does not support persistent reservations"), std::string::npos)
        << unsupported.command.message;
}

TEST(ReservationAdminCommands, NoPathIsAnError) {
    sim::SimPrTarget target;
    auto result = run_admin_command(target, {}, AdminPrRequest{AdminCommand::Register, 0xabc});
    EXPECT_FALSE(result.command.ok);
    EXPECT_NE(result.command.message.find("no path"), std::string::npos);
}

TEST(ReservationAdminCommands, TakeTheInitiatorFromTheHctl) {
    EXPECT_EQ(initiator_of_hctl("3:0:0:1"), "host3");
    EXPECT_EQ(initiator_of_hctl(""), "");
    EXPECT_EQ(initiator_of_hctl(":0"), "");
}

}  // namespace
}  // namespace pathkeeper::reservation
