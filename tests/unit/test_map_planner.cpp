#include <gtest/gtest.h>

#include "config/config_file.hpp"
#include "core/map_planner.hpp"

namespace pathkeeper::core {
namespace {

PathInfo path(std::string dev, unsigned minor, std::string wwid) {
    PathInfo p;
    p.devnode = std::move(dev);
    p.devt = DevT{8, minor};
    p.wwid = std::move(wwid);
    p.vendor = "ACME";
    p.product = "disk";
    p.size_sectors = 2048;
    return p;
}

Config yaml(const char* text) {
    auto c = config::parse_config(text, "test.yaml");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : Config{};
}

TEST(ThePlanner, MakesOneMapForTwoPathsToOneLunNamedByWwidByDefault) {
    auto plan = plan_maps(Config{}, {path("sdb", 16, "3600a"), path("sdc", 32, "3600a")}, Bindings{}, {});
    ASSERT_EQ(plan.maps.size(), 1U);
    EXPECT_EQ(plan.maps[0].name, "3600a");
    EXPECT_EQ(plan.maps[0].uuid, "mpath-3600a");
    EXPECT_EQ(table_text(plan.maps[0]), "0 0 2 1 service-time 0 1 1 8:16 1 service-time 0 1 1 8:32 1");
    EXPECT_EQ(plan.known_wwids, (KnownWwids{"3600a"}));
    EXPECT_TRUE(plan.known_wwids_changed);
}

TEST(ThePlanner, SkipsASinglePathLunThatIsNotKnown) {
    auto plan = plan_maps(Config{}, {path("sdb", 16, "3600a")}, Bindings{}, {});
    EXPECT_TRUE(plan.maps.empty());
    EXPECT_FALSE(plan.log.empty());
}

TEST(ThePlanner, TakesASinglePathLunThatIsKnown) {
    auto plan = plan_maps(Config{}, {path("sdb", 16, "3600a")}, Bindings{}, {"3600a"});
    EXPECT_EQ(plan.maps.size(), 1U);
    EXPECT_FALSE(plan.known_wwids_changed);
}

TEST(ThePlanner, InStrictModeSkipsUnknownLunsEvenWithTwoPaths) {
    auto plan = plan_maps(yaml("defaults:\n  find_multipaths: strict\n"),
                          {path("sdb", 16, "3600a"), path("sdc", 32, "3600a")}, Bindings{}, {});
    EXPECT_TRUE(plan.maps.empty());
}

TEST(ThePlanner, InGreedyModeTakesEverySinglePathDisk) {
    auto plan =
        plan_maps(yaml("defaults:\n  find_multipaths: greedy\n"), {path("sdb", 16, "3600a")}, Bindings{}, {});
    EXPECT_EQ(plan.maps.size(), 1U);
}

TEST(ThePlanner, UsesTheMultipathsAliasBeforeBindings) {
    Bindings b;
    ASSERT_TRUE(b.add("mpatha", "3600a").ok());
    auto plan = plan_maps(yaml("defaults:\n  user_friendly_names: true\nmultipaths:\n  - wwid: \"3600a\"\n"
                               "    alias: data\n"),
                          {path("sdb", 16, "3600a"), path("sdc", 32, "3600a")}, b, {});
    ASSERT_EQ(plan.maps.size(), 1U);
    EXPECT_EQ(plan.maps[0].name, "data");
    EXPECT_EQ(plan.maps[0].name_origin, NameOrigin::Multipaths);
}

TEST(ThePlanner, AllocatesUserFriendlyNamesInDiscoveryOrder) {
    auto plan = plan_maps(yaml("defaults:\n  user_friendly_names: true\n"),
                          {path("sdb", 16, "3600b"), path("sdc", 32, "3600a"), path("sdd", 48, "3600b"),
                           path("sde", 64, "3600a")},
                          Bindings{}, {});
    ASSERT_EQ(plan.maps.size(), 2U);
    EXPECT_EQ(plan.maps[0].name, "mpatha");
    EXPECT_EQ(plan.maps[0].wwid, "3600b");
    EXPECT_EQ(plan.maps[1].name, "mpathb");
    EXPECT_TRUE(plan.bindings_changed);
}

TEST(ThePlanner, LeavesOutAPathWhoseSizeDiffers) {
    PathInfo odd = path("sdc", 32, "3600a");
    odd.size_sectors = 4096;
    auto plan = plan_maps(yaml("defaults:\n  find_multipaths: greedy\n"), {path("sdb", 16, "3600a"), odd},
                          Bindings{}, {});
    ASSERT_EQ(plan.maps.size(), 1U);
    EXPECT_EQ(plan.maps[0].paths.size(), 1U);
}

TEST(ThePlanner, SkipsPathsWithoutWwid) {
    auto plan =
        plan_maps(yaml("defaults:\n  find_multipaths: greedy\n"), {path("sdb", 16, "")}, Bindings{}, {});
    EXPECT_TRUE(plan.maps.empty());
}

TEST(ThePlanner, WritesQueueIfNoPathForNoPathRetryQueue) {
    auto plan = plan_maps(yaml("defaults:\n  no_path_retry: queue\n  path_grouping_policy: multibus\n"),
                          {path("sdb", 16, "3600a"), path("sdc", 32, "3600a")}, Bindings{}, {});
    EXPECT_EQ(table_text(plan.maps[0]), "1 queue_if_no_path 0 1 1 service-time 0 2 1 8:16 1 8:32 1");
}

TEST(ThePlanner, UsesTheAluaHandlerAndPrioritiesForTpgsDevices) {
    PathInfo a = path("sdb", 16, "3600a");
    PathInfo b = path("sdc", 32, "3600a");
    a.tpgs = b.tpgs = true;
    a.alua_state = AluaState::ActiveNonOptimized;
    b.alua_state = AluaState::ActiveOptimized;
    auto plan = plan_maps(yaml("defaults:\n  path_grouping_policy: group_by_prio\n"), {a, b}, Bindings{}, {});
    EXPECT_EQ(table_text(plan.maps[0]), "0 1 alua 2 1 service-time 0 1 1 8:32 1 service-time 0 1 1 8:16 1");
    EXPECT_EQ(plan.maps[0].paths[1].priority, 50);
}

TEST(ThePlanner, WeightsRepeatCountsByPriorityWithRrWeightPriorities) {
    PathInfo a = path("sdb", 16, "3600a");
    PathInfo b = path("sdc", 32, "3600a");
    a.priority = 2;
    b.priority = 3;
    auto plan = plan_maps(yaml("defaults:\n  path_grouping_policy: multibus\n  rr_weight: priorities\n"),
                          {a, b}, Bindings{}, {});
    EXPECT_EQ(table_text(plan.maps[0]), "0 0 1 1 service-time 0 2 1 8:16 2 8:32 3");
}

TEST(ThePlanner, KeepsAnExistingMapOfASinglePath) {
    PlanContext ctx;
    ctx.existing_names["3600a"] = "mpathq";
    auto plan = plan_maps(Config{}, {PlanPath{path("sdb", 16, "3600a"), PathState::Up}}, Bindings{}, {}, ctx);
    EXPECT_EQ(plan.maps.size(), 1U);
}

}  // namespace
}  // namespace pathkeeper::core
