// One path's registration sync against a simulated SPC-4 target: the host's key is registered on the path
// only while the LU lists it.
#include <gtest/gtest.h>

#include "reservation/path_registration_sync.hpp"
#include "sim/pr_target.hpp"

namespace pathkeeper::reservation {
namespace {

using core::RegistrationVerdict;
const auto timeout = std::chrono::milliseconds(1000);

struct TwoPaths {
    sim::SimPrTarget target;
    TwoPaths() {
        target.add_path("/dev/sdb", "lu");
        target.add_path("/dev/sdc", "lu");
    }
    void register_through(const std::string& path, core::PrKey key) {
        core::PrOutParameters p;
        p.service_action_key = key;
        ASSERT_EQ(target.pr_out(path, core::PrOutAction::Register, std::nullopt, p, timeout).outcome,
                  core::ScsiOutcome::Good);
    }
    RegistrationSyncResult sync(const std::string& dev, core::PrKey key) {
        return sync_path_registration(target, {dev, "/dev/" + dev, {}}, key, false, false, timeout);
    }
};

TEST(ARegistrationSync, RegistersTheHostsKeyOnAPathThatLacksIt) {
    TwoPaths t;
    t.register_through("/dev/sdb", 0xa1);
    const RegistrationSyncResult r = t.sync("sdc", 0xa1);
    EXPECT_EQ(r.verdict, RegistrationVerdict::Registered) << r.detail;
    EXPECT_EQ(t.target.key_of("/dev/sdc"), 0xa1U);
    EXPECT_EQ(t.sync("sdc", 0xa1).verdict, RegistrationVerdict::Registered) << "again: nothing changes";
    EXPECT_EQ(t.target.key_of("/dev/sdc"), 0xa1U);
}

TEST(ARegistrationSync, ThatOnlyConfirmsRegistersNothing) {
    TwoPaths t;
    t.register_through("/dev/sdb", 0xa1);
    const std::uint32_t generation = t.target.generation("lu");
    const RegistrationSyncResult r =
        sync_path_registration(t.target, {"sdc", "/dev/sdc", {}}, 0xa1, false, false, timeout, true);
    EXPECT_EQ(r.verdict, RegistrationVerdict::Registered) << r.detail;
    EXPECT_EQ(t.target.key_of("/dev/sdc"), std::nullopt);
    EXPECT_EQ(t.target.generation("lu"), generation);
}

TEST(ARegistrationSync, LeavesAFencedHostUnregistered) {
    TwoPaths t;
    t.register_through("/dev/sdb", 0xa1);
    t.register_through("/dev/sdc", 0xb1);
    core::PrOutParameters p;
    p.reservation_key = 0xb1;
    p.service_action_key = 0xa1;
    ASSERT_EQ(t.target
                  .pr_out("/dev/sdc", core::PrOutAction::PreemptAndAbort,
                          core::PrType::WriteExclusiveRegistrantsOnly, p, timeout)
                  .outcome,
              core::ScsiOutcome::Good);
    const RegistrationSyncResult r = t.sync("sdb", 0xa1);
    EXPECT_EQ(r.verdict, RegistrationVerdict::HostUnregistered);
    EXPECT_NE(r.detail.find("0xa1"), std::string::npos) << r.detail;
    EXPECT_EQ(t.target.key_of("/dev/sdb"), std::nullopt);
}

TEST(ARegistrationSync, SaysUnsupportedForATargetWithoutReservations) {
    TwoPaths t;
    t.target.set_supported("lu", false);
    EXPECT_EQ(t.sync("sdb", 0xa1).verdict, RegistrationVerdict::Unsupported);
}

TEST(ARegistrationSync, FailsThroughAPathThatDeliversNothing) {
    TwoPaths t;
    t.register_through("/dev/sdb", 0xa1);
    t.target.set_path_failed("/dev/sdc", true);
    const RegistrationSyncResult r = t.sync("sdc", 0xa1);
    EXPECT_EQ(r.verdict, RegistrationVerdict::Failed);
    EXPECT_NE(r.detail.find("sdc"), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace pathkeeper::reservation
