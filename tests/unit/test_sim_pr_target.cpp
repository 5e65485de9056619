// The simulated PR target's SPC-4 semantics, checked through its replies as the parsers read them: the sim
// backend and the MapReservation tests rely on it behaving like a disk.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/persistent_reservation.hpp"
#include "sim/pr_target.hpp"

using namespace pathkeeper;
using core::PrOutAction;
using core::PrType;
using core::ScsiOutcome;

namespace {

constexpr std::chrono::milliseconds kTimeout{1000};

class SimPrTargetTest : public ::testing::Test {
protected:
    SimPrTargetTest() {
        target.add_path("/dev/sda", "lu1", "host1");
        target.add_path("/dev/sdb", "lu1", "host2");
        target.add_path("/dev/sdc", "lu1", "host3");
    }

    core::ScsiCompletion out(const std::string& path, PrOutAction action, core::PrKey key,
                             core::PrKey sa_key = 0, std::optional<PrType> type = std::nullopt,
                             bool all_tg_pt = false) {
        core::PrOutParameters parameters;
        parameters.reservation_key = key;
        parameters.service_action_key = sa_key;
        parameters.all_tg_pt = all_tg_pt;
        return target.pr_out(path, action, type, parameters, kTimeout);
    }

    core::PrKeyList keys(const std::string& path = "/dev/sda", std::uint16_t allocation = 4096) {
        auto reply = target.pr_in(path, core::PrInAction::ReadKeys, allocation, kTimeout);
        EXPECT_EQ(reply.completion.outcome, ScsiOutcome::Good) << reply.completion.detail;
        auto parsed = core::parse_read_keys(reply.data);
        EXPECT_TRUE(parsed) << parsed.error().message;
        return parsed ? *parsed : core::PrKeyList{};
    }

    core::PrReservation reservation(const std::string& path = "/dev/sda") {
        auto reply = target.pr_in(path, core::PrInAction::ReadReservation, 4096, kTimeout);
        EXPECT_EQ(reply.completion.outcome, ScsiOutcome::Good) << reply.completion.detail;
        auto parsed = core::parse_read_reservation(reply.data);
        EXPECT_TRUE(parsed) << parsed.error().message;
        return parsed ? *parsed : core::PrReservation{};
    }

    sim::SimPrTarget target;
};

TEST_F(SimPrTargetTest, RegisterFollowsTheKeyRules) {
    // An unregistered nexus must send key 0.
    EXPECT_EQ(out("/dev/sda", PrOutAction::Register, 0x5, 0xa).outcome, ScsiOutcome::ReservationConflict);
    EXPECT_EQ(target.key_of("/dev/sda"), std::nullopt);
    // Unregistering an unregistered nexus is a no-op that does not bump the generation.
    EXPECT_EQ(out("/dev/sda", PrOutAction::Register, 0, 0).outcome, ScsiOutcome::Good);
    EXPECT_EQ(target.generation("lu1"), 0u);

    EXPECT_EQ(out("/dev/sda", PrOutAction::Register, 0, 0xa).outcome, ScsiOutcome::Good);
    EXPECT_EQ(target.key_of("/dev/sda"), 0xaULL);
    EXPECT_EQ(target.generation("lu1"), 1u);
    // A registered nexus must send its own key; the wrong one changes nothing.
    EXPECT_EQ(out("/dev/sda", PrOutAction::Register, 0xb, 0xc).outcome, ScsiOutcome::ReservationConflict);
    EXPECT_EQ(target.key_of("/dev/sda"), 0xaULL);
    EXPECT_EQ(target.generation("lu1"), 1u);
    EXPECT_EQ(out("/dev/sda", PrOutAction::Register, 0xa, 0xc).outcome, ScsiOutcome::Good);
    EXPECT_EQ(target.key_of("/dev/sda"), 0xcULL);
    // REGISTER AND IGNORE EXISTING KEY does not check the key.
    EXPECT_EQ(out("/dev/sda", PrOutAction::RegisterAndIgnoreExistingKey, 0x999, 0xd).outcome,
              ScsiOutcome::Good);
    EXPECT_EQ(target.key_of("/dev/sda"), 0xdULL);
    EXPECT_EQ(out("/dev/sda", PrOutAction::Register, 0xd, 0).outcome, ScsiOutcome::Good);
    EXPECT_EQ(target.key_of("/dev/sda"), std::nullopt);
    EXPECT_EQ(target.generation("lu1"), 4u);
}

TEST_F(SimPrTargetTest, ReadKeysListsOneKeyPerNexusAndHonoursTheAllocationLength) {
    out("/dev/sda", PrOutAction::Register, 0, 0x1);
    out("/dev/sdb", PrOutAction::Register, 0, 0x1);
    out("/dev/sdc", PrOutAction::Register, 0, 0x2);
    auto list = keys();
    EXPECT_EQ(list.generation, 3u);
    EXPECT_EQ(list.keys, (std::vector<core::PrKey>{0x1, 0x1, 0x2}));
    EXPECT_FALSE(list.truncated);

    auto cut = keys("/dev/sdb", 16);
    EXPECT_TRUE(cut.truncated);
    EXPECT_EQ(cut.keys, (std::vector<core::PrKey>{0x1}));
    EXPECT_EQ(cut.required_length, 32u);
}

TEST_F(SimPrTargetTest, AllTargetPortsRegistersEveryPathOfTheInitiator) {
    sim::SimPrTarget shared;
    shared.add_path("/dev/sda", "lu1", "host1");
    shared.add_path("/dev/sdb", "lu1", "host1");
    shared.add_path("/dev/sdc", "lu1", "host2");
    core::PrOutParameters parameters;
    parameters.service_action_key = 0x7;
    parameters.all_tg_pt = true;
    EXPECT_EQ(shared.pr_out("/dev/sda", PrOutAction::Register, std::nullopt, parameters, kTimeout).outcome,
              ScsiOutcome::Good);
    EXPECT_EQ(shared.key_of("/dev/sdb"), 0x7ULL);
    EXPECT_EQ(shared.key_of("/dev/sdc"), std::nullopt);
    // The second path of the same initiator is now registered: a fresh REGISTER with key 0 conflicts.
    EXPECT_EQ(shared.pr_out("/dev/sdb", PrOutAction::Register, std::nullopt, parameters, kTimeout).outcome,
              ScsiOutcome::ReservationConflict);
}

TEST_F(SimPrTargetTest, ReserveNeedsTheRegisteredKeyAndConflictsWithAnotherHolder) {
    EXPECT_EQ(out("/dev/sda", PrOutAction::Reserve, 0x1, 0, PrType::WriteExclusiveRegistrantsOnly).outcome,
              ScsiOutcome::ReservationConflict);
    out("/dev/sda", PrOutAction::Register, 0, 0x1);
    out("/dev/sdb", PrOutAction::Register, 0, 0x2);
    EXPECT_EQ(out("/dev/sda", PrOutAction::Reserve, 0x2, 0, PrType::WriteExclusiveRegistrantsOnly).outcome,
              ScsiOutcome::ReservationConflict);
    EXPECT_EQ(out("/dev/sda", PrOutAction::Reserve, 0x1, 0, PrType::WriteExclusiveRegistrantsOnly).outcome,
              ScsiOutcome::Good);
    // Reserving again with the same type is fine, with another type or from another nexus a conflict.
    EXPECT_EQ(out("/dev/sda", PrOutAction::Reserve, 0x1, 0, PrType::WriteExclusiveRegistrantsOnly).outcome,
              ScsiOutcome::Good);
    EXPECT_EQ(out("/dev/sda", PrOutAction::Reserve, 0x1, 0, PrType::ExclusiveAccess).outcome,
              ScsiOutcome::ReservationConflict);
    EXPECT_EQ(out("/dev/sdb", PrOutAction::Reserve, 0x2, 0, PrType::WriteExclusiveRegistrantsOnly).outcome,
              ScsiOutcome::ReservationConflict);

    auto held = reservation("/dev/sdc");
    ASSERT_TRUE(held.holder.has_value());
    EXPECT_EQ(held.holder->key, 0x1u);
    EXPECT_EQ(held.holder->type, PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(held.generation, 2u);  // RESERVE does not bump it
    ASSERT_TRUE(target.reservation("lu1").has_value());
    EXPECT_EQ(target.reservation("lu1")->holder, "/dev/sda");
}

TEST_F(SimPrTargetTest, ReleaseChecksTheTypeAndTheHolderUnregisteringReleases) {
    out("/dev/sda", PrOutAction::Register, 0, 0x1);
    out("/dev/sdb", PrOutAction::Register, 0, 0x2);
    out("/dev/sda", PrOutAction::Reserve, 0x1, 0, PrType::WriteExclusiveRegistrantsOnly);
    // Another registrant's RELEASE is a no-op; the holder's with the wrong type is an illegal request.
    EXPECT_EQ(out("/dev/sdb", PrOutAction::Release, 0x2, 0, PrType::WriteExclusiveRegistrantsOnly).outcome,
              ScsiOutcome::Good);
    EXPECT_TRUE(target.reservation("lu1").has_value());
    EXPECT_EQ(out("/dev/sda", PrOutAction::Release, 0x1, 0, PrType::ExclusiveAccess).outcome,
              ScsiOutcome::IllegalRequest);
    EXPECT_TRUE(target.reservation("lu1").has_value());

    // The holder unregistering ends its reservation, and the other registrant hears of it.
    EXPECT_EQ(out("/dev/sda", PrOutAction::Register, 0x1, 0).outcome, ScsiOutcome::Good);
    EXPECT_FALSE(target.reservation("lu1").has_value());
    auto attention = target.pr_in("/dev/sdb", core::PrInAction::ReadKeys, 4096, kTimeout);
    EXPECT_EQ(attention.completion.outcome, ScsiOutcome::UnitAttention);
    EXPECT_NE(attention.completion.detail.find("reservations released"), std::string::npos)
        << attention.completion.detail;
    EXPECT_FALSE(reservation("/dev/sdb").holder.has_value());
}

TEST_F(SimPrTargetTest, PreemptTakesOverTheVictimsReservationAndRegistrations) {
    out("/dev/sda", PrOutAction::Register, 0, 0xa);
    out("/dev/sdb", PrOutAction::Register, 0, 0xa);
    out("/dev/sdc", PrOutAction::Register, 0, 0xb);
    out("/dev/sda", PrOutAction::Reserve, 0xa, 0, PrType::WriteExclusiveRegistrantsOnly);
    const auto before = target.generation("lu1");

    EXPECT_EQ(out("/dev/sdc", PrOutAction::PreemptAndAbort, 0xb, 0xa, PrType::ExclusiveAccess).outcome,
              ScsiOutcome::Good);
    EXPECT_EQ(target.key_of("/dev/sda"), std::nullopt);
    EXPECT_EQ(target.key_of("/dev/sdb"), std::nullopt);
    EXPECT_EQ(target.key_of("/dev/sdc"), 0xbULL);
    ASSERT_TRUE(target.reservation("lu1").has_value());
    EXPECT_EQ(target.reservation("lu1")->holder, "/dev/sdc");
    EXPECT_EQ(target.reservation("lu1")->type, PrType::ExclusiveAccess);
    EXPECT_EQ(target.generation("lu1"), before + 1);

    // Each preempted nexus reports registrations preempted once, then answers normally.
    auto attention = target.pr_in("/dev/sda", core::PrInAction::ReadKeys, 4096, kTimeout);
    EXPECT_EQ(attention.completion.outcome, ScsiOutcome::UnitAttention);
    EXPECT_NE(attention.completion.detail.find("registrations preempted"), std::string::npos);
    EXPECT_EQ(keys("/dev/sda").keys, (std::vector<core::PrKey>{0xb}));
}

TEST_F(SimPrTargetTest, PreemptRejectsKeyZeroAndUnknownVictims) {
    out("/dev/sda", PrOutAction::Register, 0, 0xa);
    out("/dev/sda", PrOutAction::Reserve, 0xa, 0, PrType::WriteExclusive);
    auto zero = out("/dev/sda", PrOutAction::Preempt, 0xa, 0, PrType::WriteExclusive);
    EXPECT_EQ(zero.outcome, ScsiOutcome::IllegalRequest);
    ASSERT_TRUE(zero.sense.has_value());
    EXPECT_EQ(zero.sense->asc, 0x26);
    EXPECT_EQ(out("/dev/sda", PrOutAction::Preempt, 0xa, 0x77, PrType::WriteExclusive).outcome,
              ScsiOutcome::ReservationConflict);
    // An unregistered nexus cannot preempt.
    EXPECT_EQ(out("/dev/sdb", PrOutAction::Preempt, 0, 0xa, PrType::WriteExclusive).outcome,
              ScsiOutcome::ReservationConflict);
}

TEST_F(SimPrTargetTest, ClearRemovesEverything) {
    out("/dev/sda", PrOutAction::Register, 0, 0xa);
    out("/dev/sdb", PrOutAction::Register, 0, 0xb);
    out("/dev/sda", PrOutAction::Reserve, 0xa, 0, PrType::WriteExclusive);
    EXPECT_EQ(out("/dev/sdc", PrOutAction::Clear, 0xc).outcome, ScsiOutcome::ReservationConflict);
    EXPECT_EQ(out("/dev/sdb", PrOutAction::Clear, 0xb).outcome, ScsiOutcome::Good);
    EXPECT_EQ(target.generation("lu1"), 3u);
    EXPECT_FALSE(target.reservation("lu1").has_value());
    EXPECT_EQ(target.key_of("/dev/sda"), std::nullopt);
    EXPECT_EQ(target.pr_in("/dev/sda", core::PrInAction::ReadKeys, 4096, kTimeout).completion.outcome,
              ScsiOutcome::UnitAttention);
    EXPECT_TRUE(keys("/dev/sda").keys.empty());
}

TEST_F(SimPrTargetTest, AllRegistrantsReservationIsHeldByEveryRegistrant) {
    out("/dev/sda", PrOutAction::Register, 0, 0xa);
    out("/dev/sdb", PrOutAction::Register, 0, 0xb);
    EXPECT_EQ(out("/dev/sda", PrOutAction::Reserve, 0xa, 0, PrType::WriteExclusiveAllRegistrants).outcome,
              ScsiOutcome::Good);
    auto held = reservation();
    ASSERT_TRUE(held.holder.has_value());
    EXPECT_EQ(held.holder->key, 0u);  // all-registrants types report key 0
    EXPECT_EQ(held.holder->type, PrType::WriteExclusiveAllRegistrants);
    // The reserving nexus leaving does not end it; the last registrant leaving does.
    out("/dev/sda", PrOutAction::Register, 0xa, 0);
    EXPECT_TRUE(target.reservation("lu1").has_value());
    out("/dev/sdb", PrOutAction::Register, 0xb, 0);
    EXPECT_FALSE(target.reservation("lu1").has_value());
}

TEST_F(SimPrTargetTest, FaultKnobsLookLikeTheRealFailures) {
    target.set_path_failed("/dev/sdb", true);
    auto pulled = out("/dev/sdb", PrOutAction::Register, 0, 0x1);
    EXPECT_EQ(pulled.outcome, ScsiOutcome::Failed);
    EXPECT_NE(pulled.detail.find("/dev/sdb"), std::string::npos);
    EXPECT_NE(pulled.detail.find("DID_NO_CONNECT"), std::string::npos);
    EXPECT_EQ(target.key_of("/dev/sdb"), std::nullopt);
    EXPECT_EQ(target.command_count("/dev/sdb"), 1u);

    target.queue_unit_attention("/dev/sda");
    auto attention = out("/dev/sda", PrOutAction::Register, 0, 0x1);
    EXPECT_EQ(attention.outcome, ScsiOutcome::UnitAttention);
    ASSERT_TRUE(attention.sense.has_value());
    EXPECT_EQ(attention.sense->asc, 0x29);
    EXPECT_EQ(target.key_of("/dev/sda"), std::nullopt);  // the command did not run
    EXPECT_EQ(out("/dev/sda", PrOutAction::Register, 0, 0x1).outcome, ScsiOutcome::Good);
    EXPECT_EQ(target.command_count("/dev/sda"), 2u);

    target.set_supported("lu1", false);
    auto unsupported = target.pr_in("/dev/sdc", core::PrInAction::ReportCapabilities, 4096, kTimeout);
    EXPECT_EQ(unsupported.completion.outcome, ScsiOutcome::NotSupported);
    ASSERT_TRUE(unsupported.completion.sense.has_value());
    EXPECT_EQ(unsupported.completion.sense->asc, 0x20);
    EXPECT_TRUE(unsupported.data.empty());
}

TEST_F(SimPrTargetTest, ReportCapabilitiesParses) {
    auto reply = target.pr_in("/dev/sda", core::PrInAction::ReportCapabilities, 4096, kTimeout);
    ASSERT_EQ(reply.completion.outcome, ScsiOutcome::Good);
    auto caps = core::parse_report_capabilities(reply.data);
    ASSERT_TRUE(caps) << caps.error().message;
    EXPECT_TRUE(caps->atp_c);
    EXPECT_EQ(caps->supports(PrType::WriteExclusiveRegistrantsOnly), true);
    EXPECT_EQ(caps->supports(PrType::ExclusiveAccessAllRegistrants), true);
}

}  // namespace
