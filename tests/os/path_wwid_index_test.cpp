#include "os/path_wwid_index.hpp"

#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace
}  // namespace pathkeeper::os
