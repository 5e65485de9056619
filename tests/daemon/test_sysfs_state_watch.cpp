// SysfsStateWatch: which attributes the once-a-second sweep and each finished check read, and what changes
// they report. A fake sysfs holds the states and counts the reads.
#include "daemon/sysfs_state_watch.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace pathkeeper::daemon {
namespace {

using ports::ScsiDeviceState;

class FakeSysfs final : public ports::Sysfs {
public:
    std::map<std::string, ScsiDeviceState> states;
    std::map<std::string, core::AluaState> alua;
    std::map<std::string, int> state_reads;
    std::map<std::string, int> alua_reads;

    int total_reads() const {
        int n = 0;
        for (const auto& [dev, count] : state_reads) {
            n += count;
        }
        for (const auto& [dev, count] : alua_reads) {
            n += count;
        }
        return n;
    }
    void reset_counts() {
        state_reads.clear();
        alua_reads.clear();
    }

    core::Result<ScsiDeviceState> scsi_device_state(const std::string& devnode) override {
        ++state_reads[devnode];
        auto it = states.find(devnode);
        if (it == states.end()) {
            return core::make_error(core::ErrorCode::NotFound, devnode + ": gone");
        }
        return it->second;
    }
    core::Result<core::AluaState> alua_access_state(const std::string& devnode) override {
        ++alua_reads[devnode];
        auto it = alua.find(devnode);
        if (it == alua.end()) {
            return core::make_error(core::ErrorCode::NotFound, devnode + ": no ALUA port group");
        }
        return it->second;
    }
    core::Result<unsigned> scsi_timeout_s(const std::string&) override { return 30U; }
    core::Result<unsigned> iscsi_session_of(const std::string& devnode) override {
        return core::make_error(core::ErrorCode::NotFound, devnode + ": not iSCSI");
    }
    core::Result<ports::IscsiSessionInfo> iscsi_session(unsigned) override {
        return core::make_error(core::ErrorCode::NotFound, "no session");
    }
    core::Result<std::vector<ports::IscsiSessionInfo>> iscsi_sessions() override {
        return std::vector<ports::IscsiSessionInfo>{};
    }
    core::Result<std::string> iscsi_session_state(unsigned) override {
        return core::make_error(core::ErrorCode::NotFound, "no session");
    }
    core::Result<unsigned> iscsi_recovery_tmo(unsigned) override {
        return core::make_error(core::ErrorCode::NotFound, "no session");
    }
    core::Result<void> set_iscsi_recovery_tmo(unsigned, unsigned) override {
        return core::make_error(core::ErrorCode::NotFound, "no session");
    }
    core::Result<void> trigger_change_uevent(const std::string&) override { return {}; }
};

// Two SCSI targets (host 1 and host 2) with three LUNs each; LUN n is reachable through both hosts, and the
// LUNs 0 and 1 report ALUA.
class ASysfsStateWatch : public ::testing::Test {
protected:
    FakeSysfs sysfs;
    SysfsStateWatch watch{sysfs};

    static std::string dev(unsigned host, unsigned lun) {
        return std::string("sd") + static_cast<char>('a' + (host - 1) * 3 + lun);
    }
    static std::string wwid(unsigned lun) { return "3600140500000000000000000000000" + std::to_string(lun); }

    void SetUp() override {
        for (unsigned host : {1U, 2U}) {
            for (unsigned lun = 0; lun < 3; ++lun) {
                core::PathInfo path;
                path.devnode = dev(host, lun);
                path.wwid = wwid(lun);
                path.hctl = core::ScsiAddress{host, 0, 0, lun};
                path.tpgs = lun < 2;
                path.alua_state =
                    host == 1 ? core::AluaState::ActiveOptimized : core::AluaState::ActiveNonOptimized;
                sysfs.states[path.devnode] = ScsiDeviceState::Running;
                if (path.tpgs) {
                    sysfs.alua[path.devnode] = path.alua_state;
                }
                watch.track(path);
            }
        }
    }
};

TEST_F(ASysfsStateWatch, ReadsOneDevicePerTargetAndOnePathPerAluaLuWhileNothingChanges) {
    auto changes = watch.sweep();
    EXPECT_TRUE(changes.empty());
    // 2 targets + 2 ALUA LUs, instead of 6 device states + 4 ALUA states.
    EXPECT_EQ(sysfs.total_reads(), 4);
    int state_reads = 0;
    for (const auto& [devnode, count] : sysfs.state_reads) {
        EXPECT_EQ(count, 1) << devnode;
        state_reads += count;
    }
    EXPECT_EQ(state_reads, 2);
    EXPECT_EQ(sysfs.alua_reads.size(), 2U);
}

TEST_F(ASysfsStateWatch, ReportsEveryDeviceOfATargetTheTransportOfflined) {
    for (unsigned lun = 0; lun < 3; ++lun) {
        sysfs.states[dev(1, lun)] = ScsiDeviceState::TransportOffline;
    }
    auto changes = watch.sweep();
    ASSERT_EQ(changes.devices.size(), 3U);
    for (unsigned lun = 0; lun < 3; ++lun) {
        EXPECT_EQ(changes.devices[lun].devnode, dev(1, lun));
        EXPECT_EQ(changes.devices[lun].from, ScsiDeviceState::Running);
        EXPECT_EQ(changes.devices[lun].to, ScsiDeviceState::TransportOffline);
    }
    // The other target's devices are not touched beyond its one sample.
    EXPECT_EQ(sysfs.state_reads[dev(2, 1)] + sysfs.state_reads[dev(2, 2)], 0);

    // Not running: each is read every second, and reported as soon as it runs again.
    sysfs.reset_counts();
    EXPECT_TRUE(watch.sweep().empty());
    for (unsigned lun = 0; lun < 3; ++lun) {
        EXPECT_EQ(sysfs.state_reads[dev(1, lun)], 1) << dev(1, lun);
    }
    sysfs.states[dev(1, 2)] = ScsiDeviceState::Running;
    changes = watch.sweep();
    ASSERT_EQ(changes.devices.size(), 1U);
    EXPECT_EQ(changes.devices[0].devnode, dev(1, 2));
    EXPECT_EQ(changes.devices[0].to, ScsiDeviceState::Running);
}

TEST_F(ASysfsStateWatch, SamplesARunningMemberWhenTheFirstOfATargetIsOffline) {
    // One device offlined alone (an admin): found through its failed check, then read every second.
    sysfs.states[dev(1, 0)] = ScsiDeviceState::Offline;
    auto changes = watch.after_check(dev(1, 0), false);
    ASSERT_EQ(changes.devices.size(), 1U);
    EXPECT_EQ(changes.devices[0].to, ScsiDeviceState::Offline);
    // The target's sample must now be another member: the offline one's unchanged state would hide the rest.
    for (unsigned lun = 1; lun < 3; ++lun) {
        sysfs.states[dev(1, lun)] = ScsiDeviceState::TransportOffline;
    }
    changes = watch.sweep();
    ASSERT_EQ(changes.devices.size(), 2U);
    EXPECT_EQ(changes.devices[0].devnode, dev(1, 1));
    EXPECT_EQ(changes.devices[1].devnode, dev(1, 2));
}

TEST_F(ASysfsStateWatch, ReadsTheDeviceStateOnlyAfterAFailedCheck) {
    watch.after_check(dev(2, 2), true);
    EXPECT_EQ(sysfs.state_reads[dev(2, 2)], 0);  // a TUR just went through: the device runs
    EXPECT_EQ(sysfs.alua_reads[dev(2, 2)], 0);   // LUN 2 has no ALUA
    watch.after_check(dev(2, 2), false);
    EXPECT_EQ(sysfs.state_reads[dev(2, 2)], 1);
}

TEST_F(ASysfsStateWatch, ReportsAnAluaSwapOfTheWholeLuFromItsSample) {
    sysfs.alua[dev(1, 0)] = core::AluaState::ActiveNonOptimized;
    sysfs.alua[dev(2, 0)] = core::AluaState::ActiveOptimized;
    auto changes = watch.sweep();
    ASSERT_EQ(changes.alua.changes.size(), 2U);  // one batch: the map is regrouped once
    EXPECT_EQ(changes.alua.changes[0].devnode, dev(1, 0));
    EXPECT_EQ(changes.alua.changes[0].state, core::AluaState::ActiveNonOptimized);
    EXPECT_EQ(changes.alua.changes[1].devnode, dev(2, 0));
    EXPECT_EQ(changes.alua.changes[1].state, core::AluaState::ActiveOptimized);
    EXPECT_EQ(watch.alua_state(dev(2, 0)), core::AluaState::ActiveOptimized);
    EXPECT_TRUE(watch.sweep().empty());
}

TEST_F(ASysfsStateWatch, FindsAChangeOfTheUnsampledPortGroupWithThatPathsCheck) {
    // Only the second path's port group goes standby: the LU's sample (the first path) shows nothing.
    sysfs.alua[dev(2, 1)] = core::AluaState::Standby;
    EXPECT_TRUE(watch.sweep().empty());
    auto changes = watch.after_check(dev(2, 1), true);
    ASSERT_EQ(changes.alua.changes.size(), 1U);
    EXPECT_EQ(changes.alua.changes[0].devnode, dev(2, 1));
    EXPECT_EQ(changes.alua.changes[0].state, core::AluaState::Standby);
}

TEST_F(ASysfsStateWatch, ReadsTheWholeLuWhenAPathsCheckFindsItsPortGroupChanged) {
    sysfs.alua[dev(1, 1)] = core::AluaState::Standby;
    sysfs.alua[dev(2, 1)] = core::AluaState::ActiveOptimized;
    auto changes = watch.after_check(dev(2, 1), true);
    ASSERT_EQ(changes.alua.changes.size(), 2U);
    EXPECT_EQ(watch.alua_state(dev(1, 1)), core::AluaState::Standby);
    EXPECT_EQ(watch.alua_state(dev(2, 1)), core::AluaState::ActiveOptimized);
}

TEST_F(ASysfsStateWatch, ReadLuReadsOnlyThatLusAluaPaths) {
    sysfs.alua[dev(1, 0)] = core::AluaState::Standby;
    sysfs.alua[dev(1, 1)] = core::AluaState::Standby;
    auto changes = watch.read_lu(wwid(0));
    ASSERT_EQ(changes.alua.changes.size(), 1U);
    EXPECT_EQ(changes.alua.changes[0].devnode, dev(1, 0));
    EXPECT_EQ(sysfs.alua_reads[dev(1, 1)], 0);
    EXPECT_EQ(watch.alua_state(dev(2, 2)), std::nullopt);  // no ALUA
}

TEST_F(ASysfsStateWatch, ForgetsARemovedDeviceAndKeepsSamplingItsTarget) {
    watch.forget(dev(1, 0));
    sysfs.states.erase(dev(1, 0));
    sysfs.states[dev(1, 1)] = ScsiDeviceState::Offline;
    sysfs.states[dev(1, 2)] = ScsiDeviceState::Offline;
    auto changes = watch.sweep();
    ASSERT_EQ(changes.devices.size(), 2U);
    EXPECT_EQ(sysfs.state_reads[dev(1, 0)], 0);
    EXPECT_TRUE(watch.after_check(dev(1, 0), false).empty());
    EXPECT_EQ(watch.alua_state(dev(1, 0)), std::nullopt);
}

TEST_F(ASysfsStateWatch, KeepsTheDeviceStateAcrossAUdevChange) {
    sysfs.states[dev(1, 0)] = ScsiDeviceState::Offline;
    watch.after_check(dev(1, 0), false);
    core::PathInfo again;
    again.devnode = dev(1, 0);
    again.wwid = wwid(0);
    again.hctl = core::ScsiAddress{1, 0, 0, 0};
    again.tpgs = true;
    again.alua_state = core::AluaState::ActiveOptimized;
    watch.track(again);
    // Still known offline: read every second, and its coming back is reported.
    sysfs.states[dev(1, 0)] = ScsiDeviceState::Running;
    auto changes = watch.sweep();
    ASSERT_EQ(changes.devices.size(), 1U);
    EXPECT_EQ(changes.devices[0].to, ScsiDeviceState::Running);
}

}  // namespace
}  // namespace pathkeeper::daemon
