#include "os/udev_filter.hpp"

#include <gtest/gtest.h>

namespace pathkeeper::os {
namespace {

BlockDeviceFacts disk(const std::string& name,
                      const std::string& devpath = "/devices/platform/host3/session1/x") {
    return {name, "block", "disk", devpath + "/block/" + name};
}

TEST(UdevFiltering, AcceptsWholeScsiDisks) {
    EXPECT_FALSE(why_not_a_path(disk("sdb")).has_value());
    EXPECT_FALSE(why_not_a_path(disk("sdaa")).has_value());
}

TEST(UdevFiltering, IgnoresPartitions) {
    auto reason = why_not_a_path({"sdb1", "block", "partition", "/devices/x/block/sdb/sdb1"});
    ASSERT_TRUE(reason.has_value());
    EXPECT_NE(reason->find("partition"), std::string::npos);
}

TEST(UdevFiltering, IgnoresDmLoopRamNvmeAndOtherDisks) {
    for (const char* name :
         {"dm-0", "loop3", "ram0", "zram0", "nvme0n1", "md127", "sr0", "vda", "nbd0", "mmcblk0"}) {
        EXPECT_TRUE(why_not_a_path(disk(name)).has_value()) << name;
    }
}

TEST(UdevFiltering, IgnoresNamesThatOnlyLookLikeScsiDisks) {
    for (const char* name : {"sd", "sdB", "sd1", "sdb-x", ""}) {
        EXPECT_TRUE(why_not_a_path(disk(name)).has_value()) << name;
    }
}

TEST(UdevFiltering, IgnoresNonBlockSubsystemsAndVirtualDevices) {
    EXPECT_TRUE(why_not_a_path({"sdb", "scsi_disk", "disk", "/devices/x"}).has_value());
    EXPECT_TRUE(why_not_a_path(disk("sdb", "/devices/virtual")).has_value());
}

}  // namespace
}  // namespace pathkeeper::os
