// MapReservation against the simulated target: which command goes through which path, what is retried,
// and what the admin is told.
#include "reservation/map_reservation.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "sim/pr_target.hpp"

using namespace pathkeeper;
using core::PrType;
using core::ScsiOutcome;
using reservation::MapReservation;
using reservation::PathTarget;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::vector<std::string> devnodes(const reservation::CommandResult& result) {
    std::vector<std::string> out;
    for (const auto& path : result.paths) {
        out.push_back(path.devnode);
    }
    return out;
}

// Two hosts share logical unit "lu": host A through sda and sdb, host B through sdc and sdd.
class MapReservationTest : public ::testing::Test {
protected:
    MapReservationTest() {
        for (const char* dev : {"sda", "sdb", "sdc", "sdd"}) {
            target.add_path(std::string("/dev/") + dev, "lu");
        }
    }

    sim::SimPrTarget target;
    MapReservation host_a{target, {{"sda", "/dev/sda"}, {"sdb", "/dev/sdb"}}};
    MapReservation host_b{target, {{"sdc", "/dev/sdc"}, {"sdd", "/dev/sdd"}}};
};

TEST_F(MapReservationTest, RegisterGoesThroughEveryPath) {
    auto result = host_a.register_key(0, 0x1a, false, false, false);
    EXPECT_TRUE(result.ok) << result.message;
    EXPECT_EQ(result.outcome, ScsiOutcome::Good);
    EXPECT_EQ(devnodes(result), (std::vector<std::string>{"sda", "sdb"}));
    EXPECT_EQ(target.key_of("/dev/sda"), 0x1aULL);
    EXPECT_EQ(target.key_of("/dev/sdb"), 0x1aULL);
    EXPECT_EQ(target.key_of("/dev/sdc"), std::nullopt);

    auto keys = host_b.read_keys();
    ASSERT_TRUE(keys.command.ok) << keys.command.message;
    ASSERT_TRUE(keys.value.has_value());
    EXPECT_EQ(keys.value->keys, (std::vector<core::PrKey>{0x1a, 0x1a}));
    // A read goes through one path only.
    EXPECT_EQ(devnodes(keys.command), (std::vector<std::string>{"sdc"}));
    EXPECT_EQ(target.command_count("/dev/sdd"), 0u);
}

TEST_F(MapReservationTest, RegisterWithAFailedPathIsNotOkAndNamesIt) {
    target.set_path_failed("/dev/sdb", true);
    auto result = host_a.register_key(0, 0x1a, false, false, false);
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.outcome, ScsiOutcome::Failed);
    EXPECT_EQ(devnodes(result), (std::vector<std::string>{"sda", "sdb"}));
    EXPECT_EQ(result.paths[0].completion.outcome, ScsiOutcome::Good);
    EXPECT_TRUE(contains(result.message, "1 of 2 paths")) << result.message;
    EXPECT_TRUE(contains(result.message, "sdb: ")) << result.message;
    EXPECT_TRUE(contains(result.message, "DID_NO_CONNECT")) << result.message;
    EXPECT_FALSE(contains(result.message, "sda:")) << result.message;
    EXPECT_EQ(target.key_of("/dev/sda"), 0x1aULL);
}

TEST_F(MapReservationTest, UnitAttentionIsRetriedOnTheSamePath) {
    target.queue_unit_attention("/dev/sda");
    target.queue_unit_attention("/dev/sda");
    auto result = host_a.register_key(0, 0x1a, false, false, false);
    EXPECT_TRUE(result.ok) << result.message;
    EXPECT_EQ(target.command_count("/dev/sda"), 3u);
    EXPECT_EQ(target.command_count("/dev/sdb"), 1u);

    target.queue_unit_attention("/dev/sda");
    auto reserved = host_a.reserve(0x1a, PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_TRUE(reserved.ok) << reserved.message;
    EXPECT_EQ(devnodes(reserved), (std::vector<std::string>{"sda"}));
    EXPECT_EQ(target.command_count("/dev/sda"), 5u);
    EXPECT_EQ(target.reservation("lu")->holder, "/dev/sda");
}

TEST_F(MapReservationTest, EndlessUnitAttentionsMoveOnToTheNextPath) {
    for (int i = 0; i <= MapReservation::kUnitAttentionRetries; ++i) {
        target.queue_unit_attention("/dev/sda");
    }
    auto result = host_a.read_reservation();
    EXPECT_TRUE(result.command.ok) << result.command.message;
    EXPECT_EQ(devnodes(result.command), (std::vector<std::string>{"sda", "sdb"}));
    EXPECT_EQ(result.command.paths[0].completion.outcome, ScsiOutcome::UnitAttention);
    EXPECT_EQ(target.command_count("/dev/sda"), 1u + MapReservation::kUnitAttentionRetries);
}

TEST_F(MapReservationTest, OnePathCommandsSkipFailedPaths) {
    host_a.register_key(0, 0x1a, false, false, false);
    target.set_path_failed("/dev/sda", true);
    auto result = host_a.reserve(0x1a, PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_TRUE(result.ok) << result.message;
    EXPECT_EQ(devnodes(result), (std::vector<std::string>{"sda", "sdb"}));
    EXPECT_TRUE(contains(result.message, "through sdb: done")) << result.message;
    EXPECT_TRUE(contains(result.message, "not delivered through sda")) << result.message;
    EXPECT_EQ(target.reservation("lu")->holder, "/dev/sdb");

    target.set_path_failed("/dev/sdb", true);
    auto nowhere = host_a.release(0x1a, PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_FALSE(nowhere.ok);
    EXPECT_EQ(nowhere.outcome, ScsiOutcome::Failed);
    EXPECT_TRUE(contains(nowhere.message, "failed on every path")) << nowhere.message;
    EXPECT_TRUE(target.reservation("lu").has_value());
}

TEST_F(MapReservationTest, PreemptAndAbortFencesEveryNexusOfTheOtherHost) {
    ASSERT_TRUE(host_a.register_key(0, 0xa, false, false, false).ok);
    ASSERT_TRUE(host_b.register_key(0, 0xb, false, false, false).ok);
    ASSERT_TRUE(host_a.reserve(0xa, PrType::WriteExclusiveRegistrantsOnly).ok);

    auto fenced = host_b.preempt(0xb, 0xa, PrType::WriteExclusiveRegistrantsOnly, true);
    EXPECT_TRUE(fenced.ok) << fenced.message;
    EXPECT_EQ(devnodes(fenced), (std::vector<std::string>{"sdc"}));
    EXPECT_EQ(target.key_of("/dev/sda"), std::nullopt);
    EXPECT_EQ(target.key_of("/dev/sdb"), std::nullopt);
    EXPECT_EQ(target.reservation("lu")->holder, "/dev/sdc");

    // The fenced host reads the new state after its unit attention, and cannot take the unit back.
    auto seen = host_a.read_reservation();
    ASSERT_TRUE(seen.command.ok) << seen.command.message;
    ASSERT_TRUE(seen.value->holder.has_value());
    EXPECT_EQ(seen.value->holder->key, 0xbu);
    auto retake = host_a.reserve(0xa, PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_FALSE(retake.ok);
    EXPECT_EQ(retake.outcome, ScsiOutcome::ReservationConflict);
    EXPECT_EQ(devnodes(retake), (std::vector<std::string>{"sda"}));  // the target's answer is final
}

TEST_F(MapReservationTest, ConflictWhenNotRegisteredIsFinal) {
    auto result = host_a.reserve(0xa, PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.outcome, ScsiOutcome::ReservationConflict);
    EXPECT_EQ(devnodes(result), (std::vector<std::string>{"sda"}));
    EXPECT_EQ(target.command_count("/dev/sdb"), 0u);
    EXPECT_TRUE(contains(result.message, "reserve write-exclusive-registrants-only with key 0xa through sda"))
        << result.message;
    EXPECT_TRUE(contains(result.message, "key 0xa is not registered")) << result.message;
}

TEST_F(MapReservationTest, WrongCurrentKeyOnRegisterIsAConflictOnEveryPath) {
    ASSERT_TRUE(host_a.register_key(0, 0xa, false, false, false).ok);
    auto result = host_a.register_key(0x5, 0xc, false, false, false);
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.outcome, ScsiOutcome::ReservationConflict);
    EXPECT_TRUE(contains(result.message, "2 of 2 paths")) << result.message;
    EXPECT_TRUE(contains(result.message, "is not 0x5")) << result.message;
    EXPECT_EQ(target.key_of("/dev/sda"), 0xaULL);

    auto forced = host_a.register_key(0, 0xc, true, false, false);
    EXPECT_TRUE(forced.ok) << forced.message;
    EXPECT_EQ(target.key_of("/dev/sdb"), 0xcULL);
}

TEST_F(MapReservationTest, NotSupportedTargetIsFinalAndSaysSo) {
    target.set_supported("lu", false);
    auto result = host_a.report_capabilities();
    EXPECT_FALSE(result.command.ok);
    EXPECT_FALSE(result.value.has_value());
    EXPECT_EQ(result.command.outcome, ScsiOutcome::NotSupported);
    EXPECT_EQ(devnodes(result.command), (std::vector<std::string>{"sda"}));
    EXPECT_TRUE(contains(result.command.message, "does not support persistent reservations"))
        << result.command.message;
    EXPECT_TRUE(contains(result.command.message, "invalid command operation code")) << result.command.message;
}

TEST_F(MapReservationTest, PreemptWithKeyZeroIsAnIllegalRequest) {
    ASSERT_TRUE(host_a.register_key(0, 0xa, false, false, false).ok);
    auto result = host_a.preempt(0xa, 0, PrType::WriteExclusive, false);
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.outcome, ScsiOutcome::IllegalRequest);
    EXPECT_EQ(devnodes(result), (std::vector<std::string>{"sda"}));
    EXPECT_TRUE(contains(result.message, "invalid field in parameter list")) << result.message;
}

TEST_F(MapReservationTest, ClearAndReleaseGoThroughOnePath) {
    ASSERT_TRUE(host_a.register_key(0, 0xa, false, false, false).ok);
    ASSERT_TRUE(host_b.register_key(0, 0xb, false, false, false).ok);
    ASSERT_TRUE(host_a.reserve(0xa, PrType::ExclusiveAccess).ok);
    auto released = host_a.release(0xa, PrType::ExclusiveAccess);
    EXPECT_TRUE(released.ok) << released.message;
    EXPECT_FALSE(target.reservation("lu").has_value());
    auto cleared = host_b.clear(0xb);
    EXPECT_TRUE(cleared.ok) << cleared.message;
    EXPECT_EQ(devnodes(cleared), (std::vector<std::string>{"sdc"}));
    EXPECT_EQ(target.key_of("/dev/sda"), std::nullopt);
    EXPECT_EQ(target.key_of("/dev/sdd"), std::nullopt);
}

TEST_F(MapReservationTest, AllTargetPortsRegistersOncePerInitiator) {
    sim::SimPrTarget shared;
    shared.add_path("/dev/sda", "lu", "host1");
    shared.add_path("/dev/sdb", "lu", "host1");
    shared.add_path("/dev/sdc", "lu", "host2");
    MapReservation map(
        shared, {{"sda", "/dev/sda", "host1"}, {"sdb", "/dev/sdb", "host1"}, {"sdc", "/dev/sdc", "host2"}});
    auto result = map.register_key(0, 0x7, false, false, true);
    EXPECT_TRUE(result.ok) << result.message;
    EXPECT_EQ(devnodes(result), (std::vector<std::string>{"sda", "sdc"}));
    EXPECT_EQ(shared.key_of("/dev/sdb"), 0x7ULL);

    // When the first path of an initiator cannot deliver, another path of it registers the port.
    sim::SimPrTarget second;
    second.add_path("/dev/sda", "lu", "host1");
    second.add_path("/dev/sdb", "lu", "host1");
    second.set_path_failed("/dev/sda", true);
    MapReservation fallback(second, {{"sda", "/dev/sda", "host1"}, {"sdb", "/dev/sdb", "host1"}});
    auto covered = fallback.register_key(0, 0x7, false, false, true);
    EXPECT_TRUE(covered.ok) << covered.message;
    EXPECT_EQ(devnodes(covered), (std::vector<std::string>{"sda", "sdb"}));
    EXPECT_EQ(second.key_of("/dev/sda"), 0x7ULL);
}

TEST(MapReservationNoPaths, EveryCommandFailsSayingSo) {
    sim::SimPrTarget target;
    MapReservation map(target, {});
    auto registered = map.register_key(0, 0x1, false, false, false);
    EXPECT_FALSE(registered.ok);
    EXPECT_EQ(registered.outcome, ScsiOutcome::Failed);
    EXPECT_TRUE(registered.paths.empty());
    EXPECT_EQ(registered.message, "no path to send register key 0x1 through");
    auto keys = map.read_keys();
    EXPECT_FALSE(keys.command.ok);
    EXPECT_FALSE(keys.value.has_value());
    EXPECT_EQ(keys.command.message, "no path to send read-keys through");
    EXPECT_FALSE(map.preempt(0x1, 0x2, PrType::WriteExclusive, true).ok);
}

// A transport that answers READ KEYS with a list cut to the allocation length, as a target does.
class ManyKeys : public ports::PersistentReservations {
public:
    explicit ManyKeys(std::size_t count) : count_(count) {}
    std::vector<std::uint16_t> allocation_lengths;

    ports::PrInReply pr_in(const std::string&, core::PrInAction, std::uint16_t allocation_length,
                           std::chrono::milliseconds) override {
        allocation_lengths.push_back(allocation_length);
        std::vector<std::uint8_t> full{0, 0, 0, 9};
        const auto additional = static_cast<std::uint32_t>(8 * count_);
        for (int shift = 24; shift >= 0; shift -= 8) {
            full.push_back(static_cast<std::uint8_t>(additional >> shift));
        }
        for (std::size_t i = 0; i < count_; ++i) {
            for (int shift = 56; shift >= 0; shift -= 8) {
                full.push_back(static_cast<std::uint8_t>((i + 1) >> shift));
            }
        }
        full.resize(std::min<std::size_t>(full.size(), allocation_length));
        return {core::classify_scsi_completion(core::kScsiStatusGood, {}), full};
    }
    core::ScsiCompletion pr_out(const std::string&, core::PrOutAction, std::optional<core::PrType>,
                                const core::PrOutParameters&, std::chrono::milliseconds) override {
        return core::classify_scsi_completion(core::kScsiStatusGood, {});
    }

private:
    std::size_t count_;
};

TEST(MapReservationReadKeys, GrowsTheAllocationLengthOnceWhenTheListWasCut) {
    ManyKeys transport(1000);  // 8008 bytes
    MapReservation map(transport, {{"sda", "/dev/sda"}});
    auto result = map.read_keys();
    ASSERT_TRUE(result.command.ok) << result.command.message;
    EXPECT_EQ(transport.allocation_lengths,
              (std::vector<std::uint16_t>{MapReservation::kReadKeysAllocationLength, 8008}));
    ASSERT_TRUE(result.value.has_value());
    EXPECT_FALSE(result.value->truncated);
    ASSERT_EQ(result.value->keys.size(), 1000u);
    EXPECT_EQ(result.value->keys.back(), 1000u);
    EXPECT_EQ(result.value->generation, 9u);
    EXPECT_EQ(result.command.paths.size(), 2u);
}

TEST(MapReservationReadKeys, SaysSoWhenEvenTheLargestReplyIsCut) {
    ManyKeys transport(9000);  // more than 64 KiB of keys
    MapReservation map(transport, {{"sda", "/dev/sda"}});
    auto result = map.read_keys();
    ASSERT_TRUE(result.command.ok) << result.command.message;
    EXPECT_EQ(transport.allocation_lengths.back(), core::kPrInMaxAllocationLength);
    EXPECT_EQ(transport.allocation_lengths.size(), 2u);
    ASSERT_TRUE(result.value.has_value());
    EXPECT_TRUE(result.value->truncated);
    EXPECT_EQ(result.value->keys.size(), (core::kPrInMaxAllocationLength - 8u) / 8u);
    EXPECT_TRUE(contains(result.command.message, "the target holds more")) << result.command.message;
}

TEST(MapReservationReadKeys, UnreadableReplyFailsTheCommand) {
    struct Short : ManyKeys {
        Short() : ManyKeys(0) {}
        ports::PrInReply pr_in(const std::string&, core::PrInAction, std::uint16_t,
                               std::chrono::milliseconds) override {
            return {core::classify_scsi_completion(core::kScsiStatusGood, {}), {0, 0, 0}};
        }
    } short_reply;
    MapReservation map(short_reply, {{"sda", "/dev/sda"}});
    auto result = map.read_keys();
    EXPECT_FALSE(result.command.ok);
    EXPECT_EQ(result.command.outcome, ScsiOutcome::Failed);
    EXPECT_FALSE(result.value.has_value());
    EXPECT_TRUE(contains(result.command.message, "unreadable")) << result.command.message;
}

}  // namespace
