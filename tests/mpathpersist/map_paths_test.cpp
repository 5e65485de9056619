#include "cli/mpathpersist/map_paths.hpp"

#include <gtest/gtest.h>

#include "fake_map.hpp"

namespace pathkeeper::mpathpersist {
namespace {

using testing::FakeMaps;

TEST(MpathpersistMapPaths, ParsePathStatesAcrossGroups) {
    // Two groups (ALUA optimized / non-optimized), service-time selector status args, one failed path.
    auto states = parse_path_states("2 0 0 0 2 1 A 0 1 2 8:32 A 0 0 1 E 0 2 2 8:48 F 1 0 1 65:0 A 0 0 1");
    ASSERT_TRUE(states.ok()) << states.error().message;
    ASSERT_EQ(states->size(), 3U);
    EXPECT_EQ((*states)[0].devt, (core::DevT{8, 32}));
    EXPECT_TRUE((*states)[0].active);
    EXPECT_EQ((*states)[1].devt, (core::DevT{8, 48}));
    EXPECT_FALSE((*states)[1].active);
    EXPECT_EQ((*states)[2].devt, (core::DevT{65, 0}));
    EXPECT_TRUE((*states)[2].active);

    auto empty = parse_path_states("2 0 0 0 0 0");
    ASSERT_TRUE(empty.ok()) << empty.error().message;
    EXPECT_TRUE(empty->empty());
    EXPECT_FALSE(parse_path_states("2 0 0 0 1 1 A 0 1 0 8:32").ok());
    EXPECT_FALSE(parse_path_states("").ok());
}

TEST(MpathpersistMapPaths, ResolvesNamesHostsAndStates) {
    FakeMaps maps;
    maps.add_map(
        "253:0", "mpatha",
        {{"sdc", "8:32", "host3", 'A'}, {"sdd", "8:48", "host4", 'F'}, {"sde", "8:64", "host4", 'A'}});
    auto map = resolve_map("/dev/mapper/mpatha", core::DevT{253, 0}, maps.root(), maps.reader());
    ASSERT_TRUE(map.ok()) << map.error().message;
    EXPECT_EQ(map->name, "mpatha");
    EXPECT_EQ(map->uuid, "mpath-36001405mpatha");
    ASSERT_EQ(map->paths.size(), 3U);
    EXPECT_EQ(map->paths[0].devnode, "sdc");
    EXPECT_EQ(map->paths[0].device_path, "/dev/sdc");
    EXPECT_EQ(map->paths[0].initiator, "host3");
    EXPECT_TRUE(map->paths[0].active);
    EXPECT_EQ(map->paths[1].devnode, "sdd");
    EXPECT_FALSE(map->paths[1].active);
    EXPECT_EQ(map->paths[2].initiator, "host4");
    EXPECT_EQ(map->active_count(), 2U);
}

TEST(MpathpersistMapPaths, PathMissingFromSlavesIsUnusable) {
    FakeMaps maps;
    maps.add_map("253:1", "mpathb", {{"sdc", "8:32", "host3", 'A'}});
    maps.set_targets("253:1", {DmTargetStatus{"multipath", "2 0 0 0 1 1 A 0 2 0 8:32 A 0 8:96 A 0"}});
    auto map = resolve_map("/dev/dm-1", core::DevT{253, 1}, maps.root(), maps.reader());
    ASSERT_TRUE(map.ok()) << map.error().message;
    ASSERT_EQ(map->paths.size(), 2U);
    EXPECT_TRUE(map->paths[0].active);
    EXPECT_EQ(map->paths[1].devt, (core::DevT{8, 96}));
    EXPECT_TRUE(map->paths[1].devnode.empty());
    EXPECT_FALSE(map->paths[1].active);
}

TEST(MpathpersistMapPaths, RejectsWhatIsNotAMultipathMap) {
    FakeMaps maps;
    os::testing::write_file(maps.root() / "dev" / "block" / "8:0" / "size", "100\n");  // a plain disk
    auto disk = resolve_map("/dev/sda", core::DevT{8, 0}, maps.root(), maps.reader());
    ASSERT_FALSE(disk.ok());
    EXPECT_EQ(disk.error().message, "not a device-mapper device");

    auto missing = resolve_map("/dev/dm-9", core::DevT{253, 9}, maps.root(), maps.reader());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, core::ErrorCode::NotFound);

    maps.add_map("253:2", "vg-root", {});
    maps.set_targets("253:2", {DmTargetStatus{"linear", ""}});
    auto linear = resolve_map("/dev/dm-2", core::DevT{253, 2}, maps.root(), maps.reader());
    ASSERT_FALSE(linear.ok());
    EXPECT_NE(linear.error().message.find("not a multipath map"), std::string::npos);
    EXPECT_NE(linear.error().message.find("'linear'"), std::string::npos);

    maps.set_targets("253:2", {});
    auto no_table = resolve_map("/dev/dm-2", core::DevT{253, 2}, maps.root(), maps.reader());
    ASSERT_FALSE(no_table.ok());
    EXPECT_NE(no_table.error().message.find("no live table"), std::string::npos);

    maps.set_targets("253:2", {DmTargetStatus{"multipath", "garbage"}});
    auto unreadable = resolve_map("/dev/dm-2", core::DevT{253, 2}, maps.root(), maps.reader());
    ASSERT_FALSE(unreadable.ok());
    EXPECT_NE(unreadable.error().message.find("unreadable multipath status"), std::string::npos);
}

TEST(MpathpersistMapPaths, BlockDeviceNumber) {
    auto missing = block_device_number("/nonexistent/device");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, core::ErrorCode::NotFound);
    auto character = block_device_number("/dev/null");
    ASSERT_FALSE(character.ok());
    EXPECT_EQ(character.error().message, "not a block device");
}

}  // namespace
}  // namespace pathkeeper::mpathpersist
