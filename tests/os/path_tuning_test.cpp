// SysfsTree::tune_path and set_map_max_sectors_kb on fake trees laid out like the kernel's: an FC disk below
// host2/rport-2:0-1, a SAS disk below host4/port-4:0/end_device-4:0, an iSCSI disk below host3/session1 and a
// scsi_debug disk below a host without a transport class.

#include <gtest/gtest.h>

#include "core/config.hpp"
#include "fake_sysfs.hpp"
#include "os/sysfs_tree.hpp"

namespace pathkeeper::os {
namespace {

using namespace std::chrono_literals;
using testing::FakeSysfs;
using testing::read_file;

constexpr const char* kFcHost = "pci0000:00/0000:00:03.0/host2";
constexpr const char* kFcRport = "pci0000:00/0000:00:03.0/host2/rport-2:0-1";

class AnFcDisk : public ::testing::Test {
protected:
    void SetUp() override {
        sysfs_.add_disk(testing::fc_disk());
        sysfs_.add_scsi_host(kFcHost, "off");
        sysfs_.add_fc_rport(kFcRport, "30", "off");
    }
    std::string rport(const char* attribute) const {
        return read_file(sysfs_.root() / "class/fc_remote_ports/rport-2:0-1" / attribute);
    }
    FakeSysfs sysfs_;
    SysfsTree tree_{sysfs_.root()};
};

TEST_F(AnFcDisk, GetsItsRemotePortsTimeoutsHostDeadlineAndQueueSize) {
    core::PathTuning t;
    t.fc_fast_io_fail_tmo = 5s;
    t.fc_dev_loss_tmo_s = 600;
    t.eh_deadline = core::EhDeadline::after(10s);
    t.max_sectors_kb = 1024;
    auto done = tree_.tune_path("sdd", t);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(*done, "");
    EXPECT_EQ(rport("fast_io_fail_tmo"), "5\n");
    EXPECT_EQ(rport("dev_loss_tmo"), "600\n");
    EXPECT_EQ(read_file(sysfs_.root() / "class/scsi_host/host2/eh_deadline"), "10\n");
    EXPECT_EQ(read_file(sysfs_.root() / "block/sdd/queue/max_sectors_kb"), "1024\n");
}

TEST_F(AnFcDisk, RefusesFastIoFailNotShorterThanThePortsOwnDevLossTmo) {
    core::PathTuning t;
    t.fc_fast_io_fail_tmo = 40s;  // the port's dev_loss_tmo is 30 s, and dev_loss_tmo is left to the kernel
    auto done = tree_.tune_path("sdd", t);
    ASSERT_FALSE(done);
    EXPECT_NE(
        done.error().message.find("rport-2:0-1: fast_io_fail 40s is not shorter than its dev_loss_tmo 30s"),
        std::string::npos)
        << done.error().message;
    EXPECT_EQ(rport("fast_io_fail_tmo"), "off\n");
}

TEST_F(AnFcDisk, RaisesDevLossTmoPast600sOnlyOnceFastIoFailIsOn) {
    // The kernel caps dev_loss_tmo at 600 s while fast_io_fail_tmo is off, and takes fast_io_fail_tmo only
    // below dev_loss_tmo: with the port at 30 s / off, 40 s / 900 s must go 600, 40, 900.
    core::PathTuning t;
    t.fc_fast_io_fail_tmo = 40s;
    t.fc_dev_loss_tmo_s = 900;
    auto done = tree_.tune_path("sdd", t);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(rport("fast_io_fail_tmo"), "40\n");
    EXPECT_EQ(rport("dev_loss_tmo"), "900\n");
}

TEST_F(AnFcDisk, TurnsFastIoFailOffAfterLoweringDevLossTmo) {
    core::PathTuning t;
    t.fc_fast_io_fail_tmo = core::kFastIoFailOff;
    t.fc_dev_loss_tmo_s = 60;
    ASSERT_TRUE(tree_.tune_path("sdd", t));
    EXPECT_EQ(rport("fast_io_fail_tmo"), "off\n");
    EXPECT_EQ(rport("dev_loss_tmo"), "60\n");
}

TEST_F(AnFcDisk, ClampsMaxSectorsKbToTheQueuesHardwareLimit) {
    testing::write_file(sysfs_.root() / "block/sdd/queue/max_hw_sectors_kb", "256\n");
    core::PathTuning t;
    t.max_sectors_kb = 1024;
    auto done = tree_.tune_path("sdd", t);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(*done, "max_sectors_kb 1024 is more than sdd's max_hw_sectors_kb 256: set to 256");
    EXPECT_EQ(read_file(sysfs_.root() / "block/sdd/queue/max_sectors_kb"), "256\n");
}

TEST_F(AnFcDisk, ReportsEachFailedSettingAndStillWritesTheOthers) {
    std::filesystem::remove_all(sysfs_.root() / "class/scsi_host");
    core::PathTuning t;
    t.eh_deadline = core::EhDeadline::off();
    t.max_sectors_kb = 128;
    auto done = tree_.tune_path("sdd", t);
    ASSERT_FALSE(done);
    EXPECT_NE(done.error().message.find("host2 eh_deadline off"), std::string::npos) << done.error().message;
    EXPECT_EQ(read_file(sysfs_.root() / "block/sdd/queue/max_sectors_kb"), "128\n");
}

TEST(AnIscsiDiskTuning, NeverReachesForAnFcRemotePort) {
    FakeSysfs sysfs;
    sysfs.add_disk(testing::iscsi_disk());
    sysfs.add_scsi_host("platform/host3", "off");
    SysfsTree tree(sysfs.root());
    core::PathTuning t;
    t.fc_dev_loss_tmo_s = 600;
    auto done = tree.tune_path("sdc", t);
    ASSERT_FALSE(done);
    EXPECT_NE(done.error().message.find("no FC remote port above"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(sysfs.root() / "class/fc_remote_ports"));
}

TEST(ASasDiskTuning, SetsItsHostAndQueueAndLeavesTheEndDeviceAlone) {
    FakeSysfs sysfs;
    sysfs.add_disk(testing::sas_disk());
    sysfs.add_scsi_host("pci0000:00/0000:00:04.0/host4", "off");
    sysfs.add_sas_end_device("pci0000:00/0000:00:04.0/host4/port-4:0/end_device-4:0");
    SysfsTree tree(sysfs.root());
    core::PathTuning t;
    t.eh_deadline = core::EhDeadline::after(30s);
    t.max_sectors_kb = 512;
    ASSERT_TRUE(tree.tune_path("sde", t));
    EXPECT_EQ(read_file(sysfs.root() / "class/scsi_host/host4/eh_deadline"), "30\n");
    EXPECT_EQ(read_file(sysfs.root() / "block/sde/queue/max_sectors_kb"), "512\n");
    EXPECT_EQ(read_file(sysfs.root() / "class/sas_end_device/end_device-4:0/I_T_nexus_loss_timeout"),
              "2000\n");
}

TEST(ADeviceComponent, NamesTheRemotePortEndDeviceAndHost) {
    const std::filesystem::path fc =
        "/sys/devices/pci0000:00/0000:00:03.0/host2/rport-2:0-1/target2:0:0/2:0:0:1";
    EXPECT_EQ(device_path_component(fc, "rport-"), "rport-2:0-1");
    EXPECT_EQ(scsi_host_from_device_path(fc), 2u);
    const std::filesystem::path sas =
        "/sys/devices/pci0000:00/0000:00:04.0/host4/port-4:0/end_device-4:0/target4:0:0/4:0:0:0";
    EXPECT_EQ(device_path_component(sas, "end_device-"), "end_device-4:0");
    EXPECT_EQ(device_path_component(sas, "rport-"), std::nullopt);
    EXPECT_EQ(scsi_host_from_device_path("/sys/devices/pseudo_0/adapter0/target2:0:0/2:0:0:0"), std::nullopt);
}

TEST(AMapDevice, GetsMaxSectorsKbByNameClampedToItsHardwareLimit) {
    FakeSysfs sysfs;
    sysfs.add_dm_device("dm-3", "mpatha", "512");
    SysfsTree tree(sysfs.root());
    auto done = tree.set_map_max_sectors_kb("mpatha", 1024);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(*done, "max_sectors_kb 1024 is more than dm-3's max_hw_sectors_kb 512: set to 512");
    EXPECT_EQ(read_file(sysfs.root() / "block/dm-3/queue/max_sectors_kb"), "512\n");
    auto missing = tree.set_map_max_sectors_kb("mpathb", 256);
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("no dm device named mpathb"), std::string::npos);
}

}  // namespace
}  // namespace pathkeeper::os
