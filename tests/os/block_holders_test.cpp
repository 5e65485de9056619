// Who holds a map open, read from fake /sys and /proc trees laid out like the kernel's: partition maps as
// kpartx names them, mounts, LVM volumes, md arrays, other dm devices, processes with the node open.
#include "os/block_holders.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
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
    // An md array NAME of `level` over the members (kernel name -> md/dev-<name>/state), stacked on them.
    void add_md(const std::string& name, core::DevT devt, const std::string& level,
                const std::map<std::string, std::string>& members, unsigned degraded = 0,
                const std::string& array_state = "clean") {
        add_block(name, devt);
        const fs::path md = sys() / "devices/virtual/block" / name / "md";
        write_file(md / "level", level + "\n");
        write_file(md / "raid_disks", std::to_string(members.size()) + "\n");
        write_file(md / "degraded", std::to_string(degraded) + "\n");
        write_file(md / "array_state", array_state + "\n");
        for (const auto& [member, state] : members) {
            write_file(md / ("dev-" + member) / "state", state + "\n");
            if (fs::exists(sys() / "devices/virtual/block" / member)) {
                stack(name, member);
            }
        }
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

// ---- what holds a map, for its queueing (core/holder_policy.hpp)

TEST(MapHolderScan, NothingStackedOnTheMapIsNoHolder) {
    FakeTrees t;
    EXPECT_FALSE(t.scan().map_holder(kMap));
    EXPECT_FALSE(t.scan().map_holder({253, 42}));  // no such device
}

TEST(MapHolderScan, AnMdRaid1OverTheMapWithItsTwinInSync) {
    FakeTrees t;
    t.add_block("dm-1", {253, 1}, "mpathb", "mpath-3600b");
    t.add_md("md0", {9, 0}, "raid1", {{"dm-0", "in_sync"}, {"dm-1", "in_sync"}});
    auto h = t.scan().map_holder(kMap);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->device, "md0");
    EXPECT_EQ(h->kind, "md raid1");
    EXPECT_TRUE(h->redundant);
    EXPECT_TRUE(h->running);
    EXPECT_EQ(h->level, "raid1");
    EXPECT_EQ(h->members, 2U);
    EXPECT_EQ(h->degraded, 0U);
    EXPECT_EQ(h->leg, core::LegState::InSync);
    EXPECT_EQ(h->other_in_sync, 1U);
    EXPECT_TRUE(core::decide_holder_verdict(*h)->fail_fast);
}

TEST(MapHolderScan, AnMdRaid1WhoseTwinFailedOrWhoseOwnLegFailed) {
    FakeTrees t;
    t.add_block("dm-1", {253, 1}, "mpathb", "mpath-3600b");
    t.add_md("md0", {9, 0}, "raid1", {{"dm-0", "in_sync"}, {"dm-1", "faulty"}}, 1);
    auto h = t.scan().map_holder(kMap);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->degraded, 1U);
    EXPECT_EQ(h->other_in_sync, 0U);
    EXPECT_FALSE(core::decide_holder_verdict(*h)->fail_fast);
    auto twin = t.scan().map_holder({253, 1});
    ASSERT_TRUE(twin);
    EXPECT_EQ(twin->leg, core::LegState::Faulty);
    EXPECT_TRUE(core::decide_holder_verdict(*twin)->fail_fast);
}

TEST(MapHolderScan, AnMdArrayOverAPartitionMapOfTheMap) {
    FakeTrees t;
    t.add_block("dm-1", {253, 1}, "mpatha1", "part1-mpath-" + kWwid);
    t.stack("dm-1", "dm-0");
    t.add_block("dm-2", {253, 2}, "mpathb1", "part1-mpath-3600b");
    t.add_md("md127", {9, 127}, "raid5", {{"dm-1", "in_sync"}, {"dm-2", "spare"}, {"sdz", "in_sync"}}, 1);
    auto h = t.scan().map_holder(kMap);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->device, "md127");
    EXPECT_EQ(h->kind, "md raid5");
    EXPECT_EQ(h->leg, core::LegState::InSync);
    EXPECT_EQ(h->other_in_sync, 1U);  // the spare is rebuilding, not in sync
    EXPECT_EQ(h->degraded, 1U);
}

TEST(MapHolderScan, AnMdRaid0IsNotRedundantButWhatIsAboveItMayBe) {
    FakeTrees t;
    t.add_md("md1", {9, 1}, "raid0", {{"dm-0", "in_sync"}});
    EXPECT_EQ(t.scan().map_holder(kMap),
              (core::MapHolder{"md1", "md raid0", false, "raid0", true, 0, 0, 0, core::LegState::Unknown}));
    t.add_md("md2", {9, 2}, "raid10", {{"md1", "in_sync"}, {"sdq", "in_sync"}}, 0, "active");
    auto h = t.scan().map_holder(kMap);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->device, "md2");
    EXPECT_EQ(h->leg, core::LegState::InSync);  // md1, the device this map is part of
}

TEST(MapHolderScan, AnInactiveArrayIsNotRunning) {
    FakeTrees t;
    t.add_md("md0", {9, 0}, "raid1", {{"dm-0", "in_sync"}}, 0, "inactive");
    auto h = t.scan().map_holder(kMap);
    ASSERT_TRUE(h);
    EXPECT_FALSE(h->running);
}

TEST(MapHolderScan, AnLvmRaid1VolumeThroughItsRimage) {
    FakeTrees t;
    // The LV's sub-LVs on this map (a PV): rmeta_0 and rimage_0, under the raid LV.
    t.add_block("dm-3", {253, 3}, "vg0-data_rmeta_0", "LVM-x-rmeta");
    t.add_block("dm-4", {253, 4}, "vg0-data_rimage_0", "LVM-x-rimage");
    t.add_block("dm-7", {253, 7}, "vg0-data", "LVM-x");
    t.stack("dm-3", "dm-0");
    t.stack("dm-4", "dm-0");
    t.stack("dm-7", "dm-3");
    t.stack("dm-7", "dm-4");
    std::map<std::string, std::string> status{{"vg0-data", "raid raid1 2 AA 2048/2048 idle 0 0 -"},
                                              {"vg0-data_rimage_0", "linear "},
                                              {"vg0-data_rmeta_0", "linear "}};
    BlockHolderScan scan = t.scan();
    scan.read_dm_status_with([&](const std::string& name) -> std::optional<std::string> {
        auto it = status.find(name);
        return it == status.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
    auto h = scan.map_holder(kMap);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->device, "vg0-data");
    EXPECT_EQ(h->kind, "LVM raid1");
    EXPECT_TRUE(h->redundant);
    EXPECT_EQ(h->leg, core::LegState::InSync);
    EXPECT_EQ(h->other_in_sync, 1U);
    EXPECT_TRUE(core::decide_holder_verdict(*h)->fail_fast);

    status["vg0-data"] = "raid raid1 2 AD 2048/2048 idle 0 0 -";  // the other leg is dead
    h = scan.map_holder(kMap);
    EXPECT_EQ(h->other_in_sync, 0U);
    EXPECT_EQ(h->degraded, 1U);
    EXPECT_FALSE(core::decide_holder_verdict(*h)->fail_fast);

    status["vg0-data"] = "raid raid1 2 DA 2048/2048 idle 0 0 -";  // this leg is dead
    EXPECT_EQ(scan.map_holder(kMap)->leg, core::LegState::Faulty);
}

TEST(MapHolderScan, AnOldLvmMirrorFindsItsLegByDeviceNumber) {
    FakeTrees t;
    t.add_block("dm-4", {253, 4}, "vg0-m_mimage_1", "LVM-x-mimage");
    t.add_block("dm-7", {253, 7}, "vg0-m", "LVM-x");
    t.stack("dm-4", "dm-0");
    t.stack("dm-7", "dm-4");
    BlockHolderScan scan = t.scan();
    scan.read_dm_status_with([](const std::string& name) -> std::optional<std::string> {
        if (name == "vg0-m") {
            return "mirror 2 253:3 253:4 2048/2048 1 DA 3 disk 253:2 A";
        }
        return "linear ";
    });
    auto h = scan.map_holder(kMap);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->kind, "LVM mirror");
    EXPECT_EQ(h->leg, core::LegState::InSync);
    EXPECT_EQ(h->other_in_sync, 0U);
    EXPECT_FALSE(core::decide_holder_verdict(*h)->fail_fast);
}

TEST(MapHolderScan, APlainVolumeIsTheHolderAndNotRedundant) {
    FakeTrees t;
    t.add_block("dm-5", {253, 5}, "vg1-home", "LVM-xyz");
    t.stack("dm-5", "dm-0");
    BlockHolderScan scan = t.scan();
    scan.read_dm_status_with(
        [](const std::string&) -> std::optional<std::string> { return "linear 253:0 2048"; });
    auto h = scan.map_holder(kMap);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->device, "vg1-home");
    EXPECT_EQ(h->kind, "LVM volume");
    EXPECT_FALSE(h->redundant);
    EXPECT_FALSE(core::decide_holder_verdict(*h));
}

}  // namespace
}  // namespace pathkeeper::os
