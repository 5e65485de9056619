#include "os/sysfs_tree.hpp"

#include <gtest/gtest.h>

#include "core/wwid.hpp"
#include "fake_sysfs.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::os {
namespace {

using testing::FakeSysfs;
using testing::iscsi_disk;
using testing::read_file;
using testing::scsi_debug_disk;

const UdevProperties kIscsiUdev{{"ID_SERIAL", "36001405a8f3c1d27e554b1a9c1e2f0d3"},
                                {"ID_VENDOR", "LIO-ORG"},
                                {"ID_MODEL", "disk1"},
                                {"DEVTYPE", "disk"}};

class AnIscsiDisk : public ::testing::Test {
protected:
    void SetUp() override {
        sysfs_.add_disk(iscsi_disk());
        sysfs_.add_iscsi_session("platform/host3", 1, "iqn.2003-01.org.linux-iscsi.target:sn.1234",
                                 "LOGGED_IN", "10.77.1.1", "3260", "120");
    }
    FakeSysfs sysfs_;
};

TEST_F(AnIscsiDisk, TakesItsWwidFromThePropertyTheConfigurationNames) {
    SysfsTree tree(sysfs_.root());
    std::string asked_for;
    tree.set_wwid_property_rule([&](const std::string& devnode, const core::PathInfo& inquiry) {
        asked_for = devnode + " " + inquiry.vendor;
        return std::string("ID_WWN");
    });
    UdevProperties udev = kIscsiUdev;
    udev["ID_WWN"] = "36001405bbbbbbbbbbbbbbbbbbbbbbbb2";
    auto disk = tree.describe_disk("sdc", udev);
    ASSERT_TRUE(disk.path.has_value()) << disk.skip_reason;
    EXPECT_EQ(disk.path->wwid, "36001405bbbbbbbbbbbbbbbbbbbbbbbb2");
    EXPECT_EQ(asked_for, "sdc LIO-ORG");

    udev["ID_WWN"] = "3600 bad";
    auto refused = tree.describe_disk("sdc", udev);
    EXPECT_FALSE(refused.path.has_value());
    EXPECT_NE(refused.skip_reason.find("ID_WWN refused"), std::string::npos) << refused.skip_reason;
}

TEST_F(AnIscsiDisk, IsDescribedWithUdevWwidSysfsIdentityAndItsSession) {
    SysfsTree tree(sysfs_.root());
    auto disk = tree.describe_disk("sdc", kIscsiUdev);
    ASSERT_TRUE(disk.path.has_value()) << disk.skip_reason;
    const core::PathInfo& path = *disk.path;
    EXPECT_EQ(path.devnode, "sdc");
    EXPECT_EQ(path.devt, (core::DevT{8, 32}));
    EXPECT_EQ(path.wwid, "36001405a8f3c1d27e554b1a9c1e2f0d3");
    EXPECT_EQ(path.vendor, "LIO-ORG");
    EXPECT_EQ(path.product, "disk1");
    EXPECT_EQ(path.revision, "4.0");
    EXPECT_EQ(path.serial, "a8f3c1d2-7e55-4b1a-9c1e-2f0d3b4a5c6d");
    EXPECT_EQ(path.size_sectors, 2097152u);
    EXPECT_EQ(path.transport, core::Transport::Iscsi);
    ASSERT_TRUE(path.hctl.has_value());
    EXPECT_EQ(*path.hctl, (core::ScsiAddress{3, 0, 0, 1}));
    ASSERT_TRUE(path.iscsi.has_value());
    EXPECT_EQ(path.iscsi->session_id, 1u);
    EXPECT_EQ(path.iscsi->target_iqn, "iqn.2003-01.org.linux-iscsi.target:sn.1234");
    EXPECT_EQ(path.iscsi->portal, "10.77.1.1:3260");
    EXPECT_EQ(path.iscsi->session_state, "LOGGED_IN");
    EXPECT_EQ(path.iscsi->recovery_tmo_s, 120u);
    EXPECT_EQ(path.node_name, "iqn.2003-01.org.linux-iscsi.target:sn.1234");
    EXPECT_TRUE(path.tpgs);
    EXPECT_EQ(path.alua_state, core::AluaState::ActiveOptimized);
    // Names only, sorted (the blacklist's property rules match names).
    ASSERT_TRUE(path.udev_property_names);
    EXPECT_EQ(*path.udev_property_names,
              (std::vector<std::string>{"DEVTYPE", "ID_MODEL", "ID_SERIAL", "ID_VENDOR"}));
}

TEST_F(AnIscsiDisk, CarriesItsConnectionsSourceAndTargetAddresses) {
    sysfs_.add_iscsi_host("platform/host3", "10.77.1.2");
    SysfsTree tree(sysfs_.root());
    auto disk = tree.describe_disk("sdc", kIscsiUdev);
    ASSERT_TRUE(disk.path && disk.path->iscsi) << disk.skip_reason;
    EXPECT_EQ(disk.path->iscsi->local_address, "10.77.1.2");
    EXPECT_EQ(disk.path->iscsi->remote_address, "10.77.1.1");
    EXPECT_EQ(disk.path->iscsi->remote_port, 3260u);
}

TEST_F(AnIscsiDisk, HasNoSourceAddressWhileItsHostShowsNone) {
    SysfsTree tree(sysfs_.root());
    auto disk = tree.describe_disk("sdc", kIscsiUdev);
    ASSERT_TRUE(disk.path && disk.path->iscsi) << disk.skip_reason;
    EXPECT_EQ(disk.path->iscsi->local_address, "");
}

TEST_F(AnIscsiDisk, DescribedForMembershipHasItsIdentityAndNothingElse) {
    SysfsTree tree(sysfs_.root());
    auto disk = tree.describe_disk("sdc", kIscsiUdev, SysfsTree::Detail::Membership);
    ASSERT_TRUE(disk.path.has_value()) << disk.skip_reason;
    const core::PathInfo& path = *disk.path;
    EXPECT_EQ(path.devt, (core::DevT{8, 32}));
    EXPECT_EQ(path.wwid, "36001405a8f3c1d27e554b1a9c1e2f0d3");
    EXPECT_EQ(path.vendor, "LIO-ORG");
    EXPECT_EQ(path.product, "disk1");
    EXPECT_EQ(path.revision, "4.0");
    EXPECT_EQ(path.transport, core::Transport::Iscsi);
    ASSERT_TRUE(path.udev_property_names);
    EXPECT_EQ(path.udev_property_names->size(), 4U);
    // Not read: nothing of it decides membership.
    EXPECT_EQ(path.serial, "");
    EXPECT_EQ(path.size_sectors, 0U);
    EXPECT_FALSE(path.hctl.has_value());
    EXPECT_FALSE(path.iscsi.has_value());
    EXPECT_EQ(path.node_name, "");
    EXPECT_FALSE(path.tpgs);
}

TEST_F(AnIscsiDisk, CarriesTheReplacementTimeoutOfItsSessionsNodeRecord) {
    testing::TempDir nodes;
    testing::write_file(nodes.path() / "iqn.2003-01.org.linux-iscsi.target:sn.1234/10.77.1.1,3260,1/default",
                        "node.session.timeo.replacement_timeout = 5\n");
    // sysfs shows the daemon's own 0 s; the record says what the admin configured.
    testing::write_file(sysfs_.root() / "class/iscsi_session/session1/recovery_tmo", "0\n");
    SysfsTree tree(sysfs_.root(), nodes.path());
    auto disk = tree.describe_disk("sdc", kIscsiUdev);
    ASSERT_TRUE(disk.path && disk.path->iscsi) << disk.skip_reason;
    EXPECT_EQ(disk.path->iscsi->recovery_tmo_s, 0u);
    EXPECT_EQ(disk.path->iscsi->replacement_timeout_s, 5u);
    EXPECT_EQ(tree.iscsi_session(1)->replacement_timeout_s, 5u);

    SysfsTree without_records(sysfs_.root(), nodes.path() / "missing");
    auto bare = without_records.describe_disk("sdc", kIscsiUdev);
    ASSERT_TRUE(bare.path && bare.path->iscsi);
    EXPECT_EQ(bare.path->iscsi->replacement_timeout_s, std::nullopt);
}

TEST_F(AnIscsiDisk, ReportsItsSessionStateAndRecoveryTimeout) {
    SysfsTree tree(sysfs_.root());
    EXPECT_EQ(*tree.iscsi_session_of("sdc"), 1u);
    EXPECT_EQ(*tree.iscsi_session_state(1), "LOGGED_IN");
    EXPECT_EQ(*tree.iscsi_recovery_tmo(1), 120u);
    auto sessions = tree.iscsi_sessions();
    ASSERT_TRUE(sessions.ok());
    ASSERT_EQ(sessions->size(), 1u);
    EXPECT_EQ((*sessions)[0].portal, "10.77.1.1:3260");
}

TEST_F(AnIscsiDisk, HasItsRecoveryTimeoutWrittenAndReadBack) {
    SysfsTree tree(sysfs_.root());
    ASSERT_TRUE(tree.set_iscsi_recovery_tmo(1, 2).ok());
    EXPECT_EQ(*tree.iscsi_recovery_tmo(1), 2u);
    EXPECT_EQ(read_file(sysfs_.root() / "class/iscsi_session/session1/recovery_tmo"), "2\n");
}

TEST_F(AnIscsiDisk, HasAChangeUeventTriggeredThroughItsUeventFile) {
    SysfsTree tree(sysfs_.root());
    testing::write_file(sysfs_.root() / "block/sdc/uevent", "MAJOR=8\nMINOR=32\nDEVNAME=sdc\nDEVTYPE=disk\n");
    ASSERT_TRUE(tree.trigger_change_uevent("sdc").ok());
    EXPECT_EQ(read_file(sysfs_.root() / "block/sdc/uevent"), "change\n");
    EXPECT_FALSE(tree.trigger_change_uevent("sdz").ok());  // no such disk: nothing is created
    EXPECT_FALSE(std::filesystem::exists(sysfs_.root() / "block/sdz"));
    EXPECT_FALSE(tree.trigger_change_uevent("../sdc").ok());
    EXPECT_FALSE(tree.trigger_change_uevent("..").ok());
}

TEST_F(AnIscsiDisk, IsDescribedAsClaimedOnlyWhenUdevSaysSo) {
    SysfsTree tree(sysfs_.root());
    UdevProperties claimed = kIscsiUdev;
    claimed["DM_MULTIPATH_DEVICE_PATH"] = "1";
    const auto claimed_disk = tree.describe_disk("sdc", claimed);
    UdevProperties unclaimed = kIscsiUdev;
    unclaimed["DM_MULTIPATH_DEVICE_PATH"] = "0";
    const auto unclaimed_disk = tree.describe_disk("sdc", unclaimed);
    ASSERT_TRUE(claimed_disk.path && unclaimed_disk.path);
    EXPECT_EQ(claimed_disk.path->udev_claim, core::UdevClaim::Claimed);
    EXPECT_EQ(unclaimed_disk.path->udev_claim, core::UdevClaim::NotClaimed);
    EXPECT_EQ(tree.describe_disk("sdc", kIscsiUdev).path->udev_claim, core::UdevClaim::Unknown);
}

TEST_F(AnIscsiDisk, ReportsItsScsiDeviceStateAluaStateAndTimeout) {
    SysfsTree tree(sysfs_.root());
    EXPECT_EQ(*tree.scsi_device_state("sdc"), ports::ScsiDeviceState::Running);
    EXPECT_EQ(*tree.alua_access_state("sdc"), core::AluaState::ActiveOptimized);
    EXPECT_EQ(*tree.scsi_timeout_s("sdc"), 30u);
    testing::write_file(sysfs_.root() / "devices/platform/host3/session1/target3:0:0/3:0:0:1/state",
                        "transport-offline\n");
    EXPECT_EQ(*tree.scsi_device_state("sdc"), ports::ScsiDeviceState::TransportOffline);
}

TEST_F(AnIscsiDisk, WhoseDevnodeIsReusedByAnotherDeviceIsReadAtItsNewPlace) {
    namespace fs = std::filesystem;
    SysfsTree tree(sysfs_.root());
    EXPECT_EQ(*tree.scsi_device_state("sdc"), ports::ScsiDeviceState::Running);  // resolved and kept open
    // The LUN goes away and the kernel gives sdc to a disk on another session (another H:C:T:L). On real
    // sysfs the kept file then fails with ENODEV; a plain file tree cannot, so the udev remove event's
    // forget_device (the daemon calls it) stands for both here.
    fs::remove_all(sysfs_.root() / "devices/platform/host3/session1/target3:0:0/3:0:0:1");
    fs::remove(sysfs_.root() / "block/sdc");
    tree.forget_device("sdc");
    testing::FakeDisk other = iscsi_disk();
    other.device_dir = "platform/host4/session2/target4:0:0/4:0:0:7";
    other.state = "offline";
    other.access_state = "standby";
    sysfs_.add_disk(other);
    EXPECT_EQ(*tree.scsi_device_state("sdc"), ports::ScsiDeviceState::Offline);
    EXPECT_EQ(*tree.alua_access_state("sdc"), core::AluaState::Standby);
    // Gone for good: an error, not the remembered directory's last value.
    tree.forget_device("sdc");
    fs::remove_all(sysfs_.root() / "devices/platform/host4");
    EXPECT_FALSE(static_cast<bool>(tree.scsi_device_state("sdc")));
}

TEST_F(AnIscsiDisk, KeepsItsPolledAttributesOpenAndReadsThemFreshUntilForgotten) {
    SysfsTree tree(sysfs_.root());
    EXPECT_EQ(tree.open_attribute_files(), 0u);
    EXPECT_EQ(*tree.scsi_device_state("sdc"), ports::ScsiDeviceState::Running);
    EXPECT_EQ(*tree.alua_access_state("sdc"), core::AluaState::ActiveOptimized);
    EXPECT_EQ(tree.open_attribute_files(), 2u);
    // The kernel rewrites the attribute in place; the next poll reads it through the same file.
    const auto dir = sysfs_.root() / "devices/platform/host3/session1/target3:0:0/3:0:0:1";
    testing::write_file(dir / "state", "offline\n");
    testing::write_file(dir / "access_state", "standby\n");
    EXPECT_EQ(*tree.scsi_device_state("sdc"), ports::ScsiDeviceState::Offline);
    EXPECT_EQ(*tree.alua_access_state("sdc"), core::AluaState::Standby);
    EXPECT_EQ(tree.open_attribute_files(), 2u);
    tree.forget_device("sdc");
    EXPECT_EQ(tree.open_attribute_files(), 0u);
    tree.forget_device("sdc");  // twice, or for a disk never polled: nothing to do
    tree.forget_device("sdz");
    EXPECT_EQ(*tree.scsi_device_state("sdc"), ports::ScsiDeviceState::Offline);
}

TEST_F(AnIscsiDisk, WithAMissingAttributeKeepsNoFileForIt) {
    SysfsTree tree(sysfs_.root());
    std::filesystem::remove(sysfs_.root() /
                            "devices/platform/host3/session1/target3:0:0/3:0:0:1/access_state");
    EXPECT_FALSE(static_cast<bool>(tree.alua_access_state("sdc")));
    EXPECT_EQ(tree.open_attribute_files(), 0u);
    EXPECT_EQ(*tree.scsi_device_state("sdc"), ports::ScsiDeviceState::Running);
    EXPECT_FALSE(static_cast<bool>(tree.alua_access_state("sdc")));
    EXPECT_EQ(tree.open_attribute_files(), 1u);
}

TEST_F(AnIscsiDisk, WhoseSessionFailedShowsTheFailedState) {
    testing::write_file(sysfs_.root() / "devices/platform/host3/session1/iscsi_session/session1/state",
                        "FAILED\n");
    SysfsTree tree(sysfs_.root());
    EXPECT_EQ(*tree.iscsi_session_state(1), "FAILED");
    auto disk = tree.describe_disk("sdc", kIscsiUdev);
    ASSERT_TRUE(disk.path.has_value());
    EXPECT_EQ(disk.path->iscsi->session_state, "FAILED");
}

TEST(AnIscsiSessionOverIpv6, HasItsPortalAddressBracketed) {
    FakeSysfs sysfs;
    sysfs.add_iscsi_session("platform/host4", 7, "iqn.x", "LOGGED_IN", "fd00::1", "3260", "5");
    SysfsTree tree(sysfs.root());
    auto session = tree.iscsi_session(7);
    ASSERT_TRUE(session.ok());
    EXPECT_EQ(session->portal, "[fd00::1]:3260");
}

TEST(ASysfsTreeWithoutIscsi, ListsNoSessionsAndNoSuchSessionIsNotFound) {
    FakeSysfs sysfs;
    SysfsTree tree(sysfs.root());
    auto sessions = tree.iscsi_sessions();
    ASSERT_TRUE(sessions.ok());
    EXPECT_TRUE(sessions->empty());
    auto state = tree.iscsi_session_state(3);
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().code, core::ErrorCode::NotFound);
    EXPECT_FALSE(tree.set_iscsi_recovery_tmo(3, 5).ok());
}

TEST(AScsiDebugDisk, IsDescribedAsOtherTransportWithoutAlua) {
    FakeSysfs sysfs;
    sysfs.add_disk(scsi_debug_disk());
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk("sdb", {{"ID_SERIAL", "333333330000007d0"}});
    ASSERT_TRUE(disk.path.has_value()) << disk.skip_reason;
    EXPECT_EQ(disk.path->transport, core::Transport::Other);
    EXPECT_EQ(disk.path->vendor, "Linux");
    EXPECT_EQ(disk.path->product, "scsi_debug");
    EXPECT_EQ(disk.path->size_sectors, 16384u);
    EXPECT_FALSE(disk.path->iscsi.has_value());
    EXPECT_FALSE(disk.path->tpgs);
    EXPECT_EQ(disk.path->alua_state, core::AluaState::Unknown);
    EXPECT_EQ(*disk.path->hctl, (core::ScsiAddress{2, 0, 0, 0}));
    auto session = tree.iscsi_session_of("sdb");
    ASSERT_FALSE(session.ok());
    EXPECT_EQ(session.error().code, core::ErrorCode::NotFound);
    auto alua = tree.alua_access_state("sdb");
    ASSERT_FALSE(alua.ok());
    EXPECT_EQ(alua.error().code, core::ErrorCode::NotFound);
}

TEST(ADiskWithoutAnyIdentifier, IsSkippedWithAReasonNamingTheMissingWwid) {
    FakeSysfs sysfs;
    sysfs.add_disk(scsi_debug_disk());
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk("sdb", {});
    EXPECT_FALSE(disk.path.has_value());
    EXPECT_EQ(disk.devt, (core::DevT{8, 16}));
    EXPECT_NE(disk.skip_reason.find("no usable WWID"), std::string::npos) << disk.skip_reason;
}

TEST(ADiskWithoutSysfsIdentity, FallsBackToUdevVendorAndModel) {
    FakeSysfs sysfs;
    auto fake = scsi_debug_disk();
    fake.vendor = "";
    fake.model = "";
    sysfs.add_disk(fake);
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk(
        "sdb", {{"ID_SERIAL", "3333"}, {"ID_VENDOR", "Linux"}, {"ID_MODEL", "scsi_debug"}});
    ASSERT_TRUE(disk.path.has_value());
    EXPECT_EQ(disk.path->vendor, "Linux");
    EXPECT_EQ(disk.path->product, "scsi_debug");
}

TEST(ADeviceNameFromOutside, CannotEscapeTheSysfsRoot) {
    FakeSysfs sysfs;
    SysfsTree tree(sysfs.root());
    auto state = tree.scsi_device_state("../etc");
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().code, core::ErrorCode::InvalidArgument);
    auto gone = tree.scsi_device_state("sdz");
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.error().code, core::ErrorCode::NotFound);
    EXPECT_FALSE(tree.describe_disk("sdz", {{"ID_SERIAL", "3600"}}).path.has_value());
}

TEST(TransportDetection, RecognisesIscsiFcSasAndOtherFromTheDevicePath) {
    EXPECT_EQ(transport_from_device_path("/sys/devices/platform/host3/session1/target3:0:0/3:0:0:1"),
              core::Transport::Iscsi);
    EXPECT_EQ(transport_from_device_path(
                  "/sys/devices/pci0000:00/0000:00:03.0/0000:08:00.0/host5/rport-5:0-2/target5:0:1/5:0:1:3"),
              core::Transport::Fc);
    EXPECT_EQ(transport_from_device_path("/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/host0/port-0:0/"
                                         "end_device-0:0/target0:0:0/0:0:0:0"),
              core::Transport::Sas);
    EXPECT_EQ(transport_from_device_path("/sys/devices/pseudo_0/adapter0/host2/target2:0:0/2:0:0:0"),
              core::Transport::Other);
    EXPECT_EQ(transport_from_device_path("/sys/devices/pci0000:00/virtio1/host0/target0:0:0/0:0:0:0"),
              core::Transport::Other);
    // "sessions" or "session" without a number is not an iSCSI session directory.
    EXPECT_EQ(transport_from_device_path("/sys/devices/sessions/host1/target1:0:0/1:0:0:0"),
              core::Transport::Other);
    EXPECT_EQ(iscsi_session_from_device_path("/sys/devices/platform/host3/session12/target3:0:0/3:0:0:1"),
              12u);
    EXPECT_FALSE(iscsi_session_from_device_path("/sys/devices/pseudo_0/adapter0/host2").has_value());
}

TEST(ScsiDeviceStateText, ParsesEveryKernelSpellingAndRejectsOthers) {
    EXPECT_EQ(parse_scsi_device_state("running\n"), ports::ScsiDeviceState::Running);
    EXPECT_EQ(parse_scsi_device_state("offline"), ports::ScsiDeviceState::Offline);
    EXPECT_EQ(parse_scsi_device_state("blocked"), ports::ScsiDeviceState::Blocked);
    EXPECT_EQ(parse_scsi_device_state("transport-offline"), ports::ScsiDeviceState::TransportOffline);
    EXPECT_EQ(parse_scsi_device_state("created-blocked"), ports::ScsiDeviceState::CreatedBlock);
    EXPECT_EQ(parse_scsi_device_state(""), ports::ScsiDeviceState::Unknown);
    EXPECT_EQ(parse_scsi_device_state("runningX"), ports::ScsiDeviceState::Unknown);
}

TEST(InquiryTpgsField, IsReadFromByteFiveAndShortDataIsRejected) {
    EXPECT_EQ(tpgs_from_inquiry(testing::inquiry_with_tpgs(1)), 1u);
    EXPECT_EQ(tpgs_from_inquiry(testing::inquiry_with_tpgs(3)), 3u);
    EXPECT_EQ(tpgs_from_inquiry(testing::inquiry_with_tpgs(0)), 0u);
    EXPECT_FALSE(tpgs_from_inquiry({0, 0, 5}).has_value());
}

TEST(UnitSerialPage, YieldsTheTrimmedSerialAndRejectsTruncatedOrGarbagePages) {
    EXPECT_EQ(serial_from_vpd_pg80(testing::unit_serial_page("  ABC123  ")), "ABC123");
    auto truncated = testing::unit_serial_page("ABC123");
    truncated.resize(7);
    EXPECT_FALSE(serial_from_vpd_pg80(truncated).has_value());
    EXPECT_FALSE(serial_from_vpd_pg80({0x00, 0x83, 0x00, 0x00}).has_value());
    EXPECT_FALSE(serial_from_vpd_pg80({0x00}).has_value());
    EXPECT_FALSE(serial_from_vpd_pg80({0x00, 0x80, 0x00, 0x02, 0x01, 0x02}).has_value());
    std::vector<std::uint8_t> oversized{0x00, 0x80, 0xff, 0xff};
    oversized.resize(4 + 0xffff, 'A');
    EXPECT_EQ(serial_from_vpd_pg80(oversized)->size(), 0xffffu);
}

}  // namespace
}  // namespace pathkeeper::os

namespace pathkeeper::os {
namespace {}  // namespace
}  // namespace pathkeeper::os

namespace pathkeeper::os {
namespace {

// VPD page 0x83 with one binary NAA designator of the logical unit, as a LIO target reports it.
std::vector<std::uint8_t> naa_page(const std::vector<std::uint8_t>& naa) {
    std::vector<std::uint8_t> page{0x00, 0x83, 0x00, static_cast<std::uint8_t>(4 + naa.size())};
    page.insert(page.end(), {0x01, 0x03, 0x00, static_cast<std::uint8_t>(naa.size())});
    page.insert(page.end(), naa.begin(), naa.end());
    return page;
}

const std::vector<std::uint8_t> kLioNaa{0x60, 0x01, 0x40, 0x5a, 0x8f, 0x3c, 0x1d, 0x27,
                                        0xe5, 0x54, 0xb1, 0xa9, 0xc1, 0xe2, 0xf0, 0xd3};

TEST(ADiskWithoutIdSerial, GetsTheSameWwidFromVpdPage83AsUdevWouldGive) {
    testing::FakeSysfs sysfs;
    auto fake = testing::iscsi_disk();
    fake.vpd_pg83 = naa_page(kLioNaa);
    fake.wwid_attribute = "naa.ffffffffffffffffffffffffffffffff";  // must not win over vpd_pg83
    sysfs.add_disk(fake);
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk("sdc", {});
    ASSERT_TRUE(disk.path.has_value()) << disk.skip_reason;
    EXPECT_EQ(disk.path->wwid, kIscsiUdev.at("ID_SERIAL"));
}

TEST(ADiskWithoutIdSerialOrVpdPage, FallsBackToTheKernelWwidAttribute) {
    testing::FakeSysfs sysfs;
    auto fake = testing::iscsi_disk();
    fake.wwid_attribute = "naa.6001405a8f3c1d27e554b1a9c1e2f0d3";
    sysfs.add_disk(fake);
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk("sdc", {});
    ASSERT_TRUE(disk.path.has_value()) << disk.skip_reason;
    EXPECT_EQ(disk.path->wwid, "36001405a8f3c1d27e554b1a9c1e2f0d3");
}

TEST(ADiskWithAGarbageVpdPageAndNoWwid, IsSkippedAndTheReasonSaysWhy) {
    testing::FakeSysfs sysfs;
    auto fake = testing::iscsi_disk();
    fake.vpd_pg83 = {0x00, 0x83, 0x00, 0x40, 0x01};  // declares 64 bytes, has 1
    sysfs.add_disk(fake);
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk("sdc", {});
    ASSERT_FALSE(disk.path.has_value());
    EXPECT_NE(disk.skip_reason.find("no usable WWID"), std::string::npos);
    EXPECT_NE(disk.skip_reason.find("vpd_pg83"), std::string::npos) << disk.skip_reason;
}

TEST(ADiskWhoseIdSerialBreaksTheWwidRule, IsSkippedNamingTheBadSerialEvenWithAGoodSysfsWwid) {
    testing::FakeSysfs sysfs;
    auto fake = testing::iscsi_disk();
    fake.wwid_attribute = "naa.6001405a8f3c1d27e554b1a9c1e2f0d3";
    sysfs.add_disk(fake);
    SysfsTree tree(sysfs.root());
    const std::vector<std::pair<std::string, std::string>> cases{
        {"3600\nDM_MULTIPATH_DEVICE_PATH=1", "'3600\\x0aDM_MULTIPATH"},
        {"3600 a0b8", "'3600 a0b8' contains whitespace"},
        {"3600/a0b8", "'3600/a0b8' contains '/'"},
        {std::string(core::wwid_max_chars + 1, '3'), "is longer than the limit"},
    };
    for (const auto& [serial, named] : cases) {
        auto disk = tree.describe_disk("sdc", {{"ID_SERIAL", serial}});
        EXPECT_FALSE(disk.path.has_value()) << serial;
        EXPECT_NE(disk.skip_reason.find("ID_SERIAL refused: WWID "), std::string::npos) << disk.skip_reason;
        EXPECT_NE(disk.skip_reason.find(named), std::string::npos) << disk.skip_reason;
    }
}

TEST(ADiskWithoutIdSerialWhoseVpdPageGivesABadWwid, IsSkippedAndTheReasonNamesTheRule) {
    testing::FakeSysfs sysfs;
    auto fake = testing::iscsi_disk();
    const std::string name = "iqn.2003-01.org.example/lun1";
    const std::string page = std::string("\x00\x83\x00", 3) + static_cast<char>(4 + name.size()) +
                             std::string("\x03\x08\x00", 3) + static_cast<char>(name.size()) + name;
    fake.vpd_pg83.assign(page.begin(), page.end());
    sysfs.add_disk(fake);
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk("sdc", {});
    ASSERT_FALSE(disk.path.has_value());
    EXPECT_NE(disk.skip_reason.find("contains '/'"), std::string::npos) << disk.skip_reason;
}

TEST(ADiskWithAnEmptyIdSerial, IsNotGroupedUnderAnEmptyWwid) {
    testing::FakeSysfs sysfs;
    sysfs.add_disk(testing::scsi_debug_disk());
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk("sdb", {{"ID_SERIAL", ""}});
    EXPECT_FALSE(disk.path.has_value());
}

}  // namespace
}  // namespace pathkeeper::os

namespace pathkeeper::os {
namespace {

TEST(AFibreChannelDisk, TakesItsNodeNameFromTheFcTransportTarget) {
    testing::FakeSysfs sysfs;
    auto fake = testing::scsi_debug_disk();
    fake.devnode = "sdf";
    fake.devt = "8:80";
    fake.device_dir = "pci0000:00/0000:00:03.0/0000:08:00.0/host5/rport-5:0-2/target5:0:1/5:0:1:3";
    sysfs.add_disk(fake);
    testing::write_file(sysfs.root() / "class/fc_transport/target5:0:1/node_name", "0x20000025b5000001\n");
    SysfsTree tree(sysfs.root());
    auto disk = tree.describe_disk("sdf", {{"ID_SERIAL", "3600a098038303053"}});
    ASSERT_TRUE(disk.path.has_value()) << disk.skip_reason;
    EXPECT_EQ(disk.path->transport, core::Transport::Fc);
    EXPECT_EQ(disk.path->node_name, "0x20000025b5000001");
    EXPECT_EQ(*disk.path->hctl, (core::ScsiAddress{5, 0, 1, 3}));
}

}  // namespace
}  // namespace pathkeeper::os
