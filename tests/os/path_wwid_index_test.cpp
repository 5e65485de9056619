#include "os/path_wwid_index.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "fake_sysfs.hpp"
#include "os/sysfs_tree.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::os {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr const char* lun_a = "36001405aaaa";
constexpr const char* lun_b = "36001405bbbb";

class AWwidIndex : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* disk : {"sdb", "sdc", "sdd"}) {
            fs::create_directories(dir_.path() / "sys/block" / disk);
        }
        ASSERT_FALSE(index_.exists());
        ASSERT_TRUE(index_.create({{"sdb", lun_a}, {"sdc", lun_a}, {"sdd", lun_b}}).ok());
        ASSERT_TRUE(index_.exists());
    }
    TempDir dir_;
    PathWwidIndex index_{dir_.path() / "run/index", dir_.path() / "sys"};
};

TEST_F(AWwidIndex, AnswersFromItsEntriesNeverCountingTheAskingDisk) {
    EXPECT_TRUE(index_.another_disk_has(lun_a, "sdb"));
    EXPECT_TRUE(index_.another_disk_has(lun_a, "sdc"));
    EXPECT_FALSE(index_.another_disk_has(lun_b, "sdd"));
    EXPECT_FALSE(index_.another_disk_has("36001405cccc", "sde"));
}

TEST_F(AWwidIndex, IsBuiltOnceAndASecondBuildKeepsTheFirst) {
    EXPECT_TRUE(index_.create({{"sdd", lun_a}}).ok());
    EXPECT_FALSE(fs::exists(dir_.path() / "run/index/by-wwid" / lun_a / "sdd"));
    EXPECT_TRUE(index_.another_disk_has(lun_b, "sde"));  // sdd, as the first build recorded it
    for (const auto& entry : fs::directory_iterator(dir_.path() / "run")) {
        EXPECT_EQ(entry.path().filename(), "index");  // no temporary directory left behind
    }
}

TEST_F(AWwidIndex, MovesADiskThatReportsAnotherWwidAndForgetsARemovedOne) {
    ASSERT_TRUE(index_.record("sdc", lun_b).ok());
    EXPECT_FALSE(index_.another_disk_has(lun_a, "sdb"));
    EXPECT_TRUE(index_.another_disk_has(lun_b, "sdd"));
    EXPECT_FALSE(fs::exists(dir_.path() / "run/index/by-wwid" / lun_a / "sdc"));
    ASSERT_TRUE(index_.forget("sdc").ok());
    EXPECT_FALSE(index_.another_disk_has(lun_b, "sdd"));
    EXPECT_TRUE(index_.forget("sdc").ok());  // twice is harmless
}

TEST_F(AWwidIndex, IgnoresAnEntryWhoseDiskIsGoneFromSysfs) {
    fs::remove(dir_.path() / "sys/block/sdc");
    EXPECT_FALSE(index_.another_disk_has(lun_a, "sdb"));
}

TEST_F(AWwidIndex, RefusesWwidsAndDiskNamesThatAreNotPlainFileNames) {
    EXPECT_FALSE(index_.record("sde", "../../etc").ok());
    EXPECT_FALSE(index_.record("sde", "..").ok());
    EXPECT_FALSE(index_.record("../sde", lun_a).ok());
    EXPECT_FALSE(index_.forget("..").ok());
    EXPECT_FALSE(index_.another_disk_has("..", "sde"));
    EXPECT_FALSE(fs::exists(dir_.path() / "run/etc"));
}

// Two paths of one LU whose VPD page 0x83 carries one NAA designator.
class TwoPathsOfALu : public ::testing::Test {
protected:
    void SetUp() override {
        for (const auto& [devnode, devt, hctl] :
             {std::tuple{"sdb", "8:16", "2:0:0:1"}, {"sdc", "8:32", "3:0:0:1"}}) {
            auto disk = testing::iscsi_disk();
            disk.devnode = devnode;
            disk.devt = devt;
            disk.device_dir = std::string("platform/host0/session1/target") + hctl[0] + ":0:0/" + hctl;
            disk.vpd_pg83 = {0x00, 0x83, 0x00, 0x14, 0x01, 0x03, 0x00, 0x10, 0x60, 0x01, 0x40, 0x5a,
                             0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
            fake_.add_disk(disk);
        }
    }
    static constexpr const char* kVpdWwid = "36001405aaabbccddeeff001122334455";
    testing::FakeSysfs fake_;
    SysfsTree sysfs_{fake_.root()};
    TempDir run_;
    PathWwidIndex index_{run_.path() / "index", fake_.root()};
};

// The index is built from sysfs, while the asking disk's udev ID_SERIAL may spell its LU otherwise (here
// scsi_id's fallback to the unit serial): both are filed under the one key form, so the sibling is found.
TEST_F(TwoPathsOfALu, IsFoundWhenTheAskingDiskKnowsItsWwidInAnotherForm) {
    const std::string udev_form = "SLIO-ORG_disk1_a8f3c1d2-7e55-4b1a-9c1e-2f0d3b4a5c6d";
    EXPECT_EQ(indexed_wwid(sysfs_, "sdb", udev_form), kVpdWwid);
    EXPECT_EQ(indexed_wwid(sysfs_, "sdc", ""), kVpdWwid);
    ASSERT_TRUE(
        index_.create({{"sdb", indexed_wwid(sysfs_, "sdb", {})}, {"sdc", indexed_wwid(sysfs_, "sdc", {})}})
            .ok());
    ASSERT_TRUE(index_.record("sdb", indexed_wwid(sysfs_, "sdb", udev_form)).ok());
    EXPECT_TRUE(index_.another_disk_has(indexed_wwid(sysfs_, "sdb", udev_form), "sdb"));
    EXPECT_FALSE(index_.another_disk_has(udev_form, "sdb"));  // the form the index does not use
}

TEST_F(TwoPathsOfALu, FilesADiskWithoutASysfsWwidUnderItsUdevWwid) {
    std::filesystem::remove(fake_.root() / "devices/platform/host0/session1/target2:0:0/2:0:0:1/vpd_pg83");
    EXPECT_EQ(indexed_wwid(sysfs_, "sdb", "SLIO-ORG_disk1_x"), "SLIO-ORG_disk1_x");
    EXPECT_EQ(indexed_wwid(sysfs_, "sdb", ""), "");
    EXPECT_EQ(indexed_wwid(sysfs_, "sdq", "3600a0b8"), "3600a0b8");  // no such disk in sysfs
}

}  // namespace
}  // namespace pathkeeper::os
