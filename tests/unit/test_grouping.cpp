#include <gtest/gtest.h>

#include "core/grouping.hpp"

namespace pathkeeper::core {
namespace {

std::vector<std::vector<std::size_t>> members(const std::vector<PathGroup>& groups) {
    std::vector<std::vector<std::size_t>> out;
    for (const PathGroup& g : groups) {
        out.push_back(g.members);
    }
    return out;
}

TEST(FailoverGrouping, PutsEachPathInItsOwnGroupInDiscoveryOrderWhenPrioritiesTie) {
    std::vector<GroupingInput> paths{{1, true, "", "", {}}, {1, true, "", "", {}}, {1, true, "", "", {}}};
    EXPECT_EQ(members(group_paths(GroupingPolicy::Failover, paths)),
              (std::vector<std::vector<std::size_t>>{{0}, {1}, {2}}));
}

TEST(FailoverGrouping, OrdersGroupsByPriorityHighestFirst) {
    std::vector<GroupingInput> paths{{10, true, "", "", {}}, {50, true, "", "", {}}, {1, true, "", "", {}}};
    EXPECT_EQ(members(group_paths(GroupingPolicy::Failover, paths)),
              (std::vector<std::vector<std::size_t>>{{1}, {0}, {2}}));
}

TEST(FailoverGrouping, PutsAGroupWhosePathIsDownAfterUsableOnes) {
    std::vector<GroupingInput> paths{{50, false, "", "", {}}, {10, true, "", "", {}}};
    auto groups = group_paths(GroupingPolicy::Failover, paths);
    EXPECT_EQ(members(groups), (std::vector<std::vector<std::size_t>>{{1}, {0}}));
    EXPECT_EQ(groups[1].priority, 0);
}

TEST(MultibusGrouping, PutsEveryPathInOneGroup) {
    std::vector<GroupingInput> paths{{1, true, "", "", {}}, {5, false, "", "", {}}, {1, true, "", "", {}}};
    auto groups = group_paths(GroupingPolicy::Multibus, paths);
    ASSERT_EQ(groups.size(), 1U);
    EXPECT_EQ(groups[0].members, (std::vector<std::size_t>{0, 1, 2}));
    EXPECT_EQ(groups[0].usable_paths, 2U);
}

TEST(GroupByPrioGrouping, GroupsEqualPrioritiesAndPutsTheHighestFirst) {
    std::vector<GroupingInput> paths{
        {10, true, "", "", {}}, {50, true, "", "", {}}, {10, true, "", "", {}}, {50, true, "", "", {}}};
    auto groups = group_paths(GroupingPolicy::GroupByPrio, paths);
    EXPECT_EQ(members(groups), (std::vector<std::vector<std::size_t>>{{1, 3}, {0, 2}}));
    EXPECT_EQ(groups[0].priority, 50);
    EXPECT_EQ(groups[1].priority, 10);
}

TEST(GroupByPrioGrouping, KeepsDiscoveryOrderBetweenGroupsOfEqualPriorityAndSize) {
    std::vector<GroupingInput> paths{{1, true, "a", "", {}}, {1, true, "b", "", {}}};
    EXPECT_EQ(members(group_paths(GroupingPolicy::GroupBySerial, paths)),
              (std::vector<std::vector<std::size_t>>{{0}, {1}}));
}

TEST(GroupBySerialGrouping, GroupsPathsWithTheSameSerial) {
    std::vector<GroupingInput> paths{{1, true, "A", "", {}}, {1, true, "B", "", {}}, {1, true, "A", "", {}}};
    EXPECT_EQ(members(group_paths(GroupingPolicy::GroupBySerial, paths)),
              (std::vector<std::vector<std::size_t>>{{0, 2}, {1}}));
}

TEST(GroupByNodeNameGrouping, GroupsPathsToTheSameTarget) {
    // Discovery gives iSCSI paths their target name, whichever portal they use: two portals, one group.
    std::vector<GroupingInput> paths{
        {1, true, "", "iqn.a", {}}, {1, true, "", "iqn.b", {}}, {1, true, "", "iqn.b", {}}};
    // The larger group (two usable paths) sorts first at equal priority.
    EXPECT_EQ(members(group_paths(GroupingPolicy::GroupByNodeName, paths)),
              (std::vector<std::vector<std::size_t>>{{1, 2}, {0}}));
}

TEST(GroupPriority, IsTheIntegerAverageOfUsablePathPriorities) {
    std::vector<GroupingInput> paths{
        {50, true, "", "", {}}, {11, true, "", "", {}}, {100, false, "", "", {}}};
    PathGroup g{{0, 1, 2}, 0, 0};
    update_group_priority(g, paths);
    EXPECT_EQ(g.priority, 30);
    EXPECT_EQ(g.usable_paths, 2U);
}

TEST(GroupPriority, IsZeroWithoutUsablePaths) {
    std::vector<GroupingInput> paths{{50, false, "", "", {}}};
    PathGroup g{{0}, 7, 7};
    update_group_priority(g, paths);
    EXPECT_EQ(g.priority, 0);
    EXPECT_EQ(g.usable_paths, 0U);
}

TEST(BestGroup, IsTheUsableGroupWithTheHighestPriority) {
    std::vector<PathGroup> groups{{{0}, 10, 1}, {{1}, 50, 1}};
    EXPECT_EQ(select_best_group(groups), 2U);
}

TEST(BestGroup, PrefersMoreUsablePathsAtEqualPriority) {
    std::vector<PathGroup> groups{{{0}, 10, 1}, {{1, 2}, 10, 2}};
    EXPECT_EQ(select_best_group(groups), 2U);
}

TEST(BestGroup, IsTheFirstGroupWhenNoneIsUsable) {
    std::vector<PathGroup> groups{{{0}, 0, 0}, {{1}, 0, 0}};
    EXPECT_EQ(select_best_group(groups), 1U);
    EXPECT_EQ(select_best_group({}), 0U);
}

TEST(Grouping, GivesNoGroupsForNoPaths) {
    EXPECT_TRUE(group_paths(GroupingPolicy::Multibus, {}).empty());
}

}  // namespace
}  // namespace pathkeeper::core
