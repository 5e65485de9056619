// Who holds a map open, read from fake /sys and /proc trees laid out like the kernel's: partition maps as
// kpartx names them, mounts, LVM volumes, md arrays, other dm devices, processes with the node open.
#include "os/block_holders.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace pathkeeper::os {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;
using Lines = std::vector<std::string>;

const core::DevT kMap{253, 0};
const std::string kWwid = "3600a";

class FakeTrees {
public:
    FakeTrees() {
        fs::create_directories(sys() / "dev/block");
        fs::create_directories(proc() / "self");
        write_file(proc() / "self/mountinfo", "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n");
        add_block("dm-0", kMap, "mpatha", "mpath-" + kWwid);
    }
    fs::path sys() const { return dir_.path() / "sys"; }
    fs::path proc() const { return dir_.path() / "proc"; }
    fs::path dev() const { return dir_.path() / "dev"; }
    BlockHolderScan scan() const { return BlockHolderScan(sys(), proc(), dev()); }

    // /sys/block/NAME with dev (and dm/name, dm/uuid for a dm device), and /sys/dev/block/M:m -> it.
    void add_block(const std::string& name, core::DevT devt, const std::string& dm_name = {},
                   const std::string& dm_uuid = {}) {
        const fs::path dir = sys() / "devices/virtual/block" / name;
        write_file(dir / "dev", devt.to_string() + "\n");
        fs::create_directories(dir / "holders");
        if (!dm_name.empty()) {
            write_file(dir / "dm/name", dm_name + "\n");
            write_file(dir / "dm/uuid", dm_uuid + "\n");
        }
        fs::create_directories(sys() / "block");
        fs::create_directory_symlink(fs::relative(dir, sys() / "block"), sys() / "block" / name);
        fs::create_directory_symlink(fs::relative(dir, sys() / "dev/block"),
                                     sys() / "dev/block" / devt.to_string());
    }
    // `holder` is stacked on `lower`: /sys/block/LOWER/holders/HOLDER.
    void stack(const std::string& holder, const std::string& lower) {
        const fs::path link = sys() / "devices/virtual/block" / lower / "holders" / holder;
        fs::create_directory_symlink(
            fs::relative(sys() / "devices/virtual/block" / holder, link.parent_path()), link);
    }
    void mount(core::DevT devt, const std::string& escaped_mount_point) {
        std::string text = testing::read_file(proc() / "self/mountinfo");
        text += "40 22 " + devt.to_string() + " / " + escaped_mount_point + " rw,relatime - xfs /dev/x rw\n";
        write_file(proc() / "self/mountinfo", text);
    }
    void open_by(const std::string& pid, const std::string& comm, const std::string& target) {
        write_file(proc() / pid / "comm", comm + "\n");
        fs::create_directories(proc() / pid / "fd");
        fs::create_symlink("/dev/null", proc() / pid / "fd/0");
        fs::create_symlink(target, proc() / pid / "fd/3");
    }

private:
    TempDir dir_;
};

TEST(BlockHolderScan, AnUnusedMapHasNoHoldersAndNoPartitions) {
    FakeTrees t;
    t.open_by("100", "bash", "/dev/pts/0");
    EXPECT_TRUE(t.scan().partitions(kMap, kWwid).empty());
    EXPECT_EQ(t.scan().holders(kMap, {}), Lines{});
}

TEST(BlockHolderScan, FindsKpartxPartitionsOfTheMapOnly) {
    FakeTrees t;
    t.add_block("dm-1", {253, 1}, "mpatha1", "part1-mpath-" + kWwid);
    t.add_block("dm-2", {253, 2}, "mpatha2", "part2-mpath-" + kWwid);
    t.add_block("dm-3", {253, 3}, "vg0-lv0", "LVM-abcdef");
    t.add_block("dm-4", {253, 4}, "other1", "part1-mpath-3600b");  // another WWID's partition
    for (const char* holder : {"dm-1", "dm-2", "dm-3", "dm-4"}) {
        t.stack(holder, "dm-0");
    }
    auto parts = t.scan().partitions(kMap, kWwid);
    ASSERT_EQ(parts.size(), 2U);
    EXPECT_EQ(parts[0].name, "mpatha1");
    EXPECT_EQ(parts[0].devt, (core::DevT{253, 1}));
    EXPECT_EQ(parts[1].name, "mpatha2");
    // The partitions removed with the map are not holders; what else is stacked on it is.
    EXPECT_EQ(t.scan().holders(kMap, parts), (Lines{"LVM volume vg0-lv0", "dm device other1"}));
}

TEST(BlockHolderScan, NamesMountPointsByDeviceNumber) {
    FakeTrees t;
    t.mount(kMap, "/srv/data\\040disk");
    t.mount({253, 7}, "/elsewhere");
    EXPECT_EQ(t.scan().holders(kMap, {}), Lines{"mounted on /srv/data disk"});
}

TEST(BlockHolderScan, NamesLvmMdAndOtherDmHolders) {
    FakeTrees t;
    t.add_block("dm-5", {253, 5}, "vg1-home", "LVM-xyz");
    t.add_block("md0", {9, 0});
    t.add_block("dm-6", {253, 6}, "crypt1", "CRYPT-LUKS2-1234");
    t.stack("dm-5", "dm-0");
    t.stack("md0", "dm-0");
    t.stack("dm-6", "dm-0");
    EXPECT_EQ(t.scan().holders(kMap, {}), (Lines{"LVM volume vg1-home", "dm device crypt1", "md array md0"}));
}

TEST(BlockHolderScan, NamesProcessesThatHoldTheNodeOpen) {
    FakeTrees t;
    t.open_by("4242", "qemu-system-x86", (t.dev() / "dm-0").string());
    t.open_by("77", "dd", (t.dev() / "dm-9").string());
    t.open_by("self", "not-a-pid", (t.dev() / "dm-0").string());
    EXPECT_EQ(t.scan().holders(kMap, {}), Lines{"pid 4242 (qemu-system-x86)"});
}

TEST(BlockHolderScan, APartitionsHoldersAreItsOwn) {
    FakeTrees t;
    t.add_block("dm-1", {253, 1}, "mpatha1", "part1-mpath-" + kWwid);
    t.stack("dm-1", "dm-0");
    t.mount({253, 1}, "/boot/efi");
    auto parts = t.scan().partitions(kMap, kWwid);
    ASSERT_EQ(parts.size(), 1U);
    EXPECT_EQ(t.scan().holders(kMap, parts), Lines{});
    EXPECT_EQ(t.scan().holders(parts[0].devt, {}), Lines{"mounted on /boot/efi"});
}

}  // namespace
}  // namespace pathkeeper::os
