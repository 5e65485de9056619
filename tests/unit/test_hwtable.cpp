#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/hwtable.hpp"

namespace pathkeeper::core {
namespace {

TEST(TheBuiltInDeviceTable, GivesLioTheMultipathTools094Settings) {
    auto r = resolve_map_options(Config{}, "36001405abc", "LIO-ORG", "disk01");
    EXPECT_EQ(r.path_grouping_policy.value, GroupingPolicy::GroupByPrio);
    EXPECT_EQ(r.path_grouping_policy.origin, Origin::BuiltInDevice);
    EXPECT_EQ(r.hardware_handler.value, HardwareHandler::Alua);
    EXPECT_EQ(r.prio.value, PrioKind::Alua);
    EXPECT_EQ(r.failback.value, Failback::immediate());
    EXPECT_EQ(r.no_path_retry.value, NoPathRetry::retries(12));
    // Not set by the entry: the built-in defaults show through.
    EXPECT_EQ(r.path_selector.value, PathSelector::ServiceTime);
    EXPECT_EQ(r.path_selector.origin, Origin::BuiltIn);
}

TEST(TheBuiltInDeviceTable, MatchesSuseLioToo) {
    EXPECT_EQ(resolve_map_options(Config{}, "w", "SUSE", "RBD").prio.value, PrioKind::Alua);
}

TEST(TheBuiltInDeviceTable, UsesEveryTgtPathAtOnce) {
    auto r = resolve_map_options(Config{}, "w", "IET", "VIRTUAL-DISK");
    EXPECT_EQ(r.path_grouping_policy.value, GroupingPolicy::GroupByPrio);
    EXPECT_EQ(r.prio.value, PrioKind::Const);
    EXPECT_EQ(r.no_path_retry.value, NoPathRetry::retries(12));
    EXPECT_EQ(r.prio.origin, Origin::BuiltInDevice);
}

TEST(TheBuiltInDeviceTable, DoesNotMatchOtherIetProducts) {
    EXPECT_EQ(resolve_map_options(Config{}, "w", "IET", "Controller").prio.origin, Origin::BuiltIn);
}

TEST(TheBuiltInDeviceTable, MatchesBothScstHandlers) {
    EXPECT_EQ(resolve_map_options(Config{}, "w", "SCST_FIO", "disk1").failback.value, Failback::immediate());
    EXPECT_EQ(resolve_map_options(Config{}, "w", "SCST_BIO", "disk1").failback.value, Failback::immediate());
    EXPECT_EQ(resolve_map_options(Config{}, "w", "SCST_XYZ", "disk1").failback.origin, Origin::BuiltIn);
}

TEST(TheBuiltInDeviceTable, GroupsScsiDebugByAluaPriority) {
    auto r = resolve_map_options(Config{}, "w", "Linux", "scsi_debug");
    EXPECT_EQ(r.prio.value, PrioKind::Alua);
    EXPECT_EQ(r.path_grouping_policy.value, GroupingPolicy::GroupByPrio);
}

TEST(TheBuiltInDeviceTable, LeavesUnknownArraysOnTheDefaults) {
    auto r = resolve_map_options(Config{}, "w", "ATA", "Samsung SSD");
    EXPECT_EQ(r.path_grouping_policy.value, GroupingPolicy::Failover);
    EXPECT_EQ(r.path_grouping_policy.origin, Origin::BuiltIn);
}

TEST(TheBuiltInDeviceTable, ListsUserRulesBeforeBuiltInOnesWhenMatching) {
    Config config;
    config.devices.push_back(make_device_rule("LIO", ".*", {}, SourceLocation{"f", 1, 1}).value());
    auto matches = matching_device_rules(config, "LIO-ORG", "x");
    ASSERT_EQ(matches.size(), 2u);
    EXPECT_EQ(matches[0].origin, Origin::Device);
    EXPECT_EQ(matches[1].origin, Origin::BuiltInDevice);
}

TEST(ADeviceRule, WithARevisionPatternChecksTheRevision) {
    auto rule = make_device_rule("ACME", "Disk", {}, {}, "^4\\.").value();
    EXPECT_TRUE(rule.matches("ACME", "Disk", "4.2"));
    EXPECT_FALSE(rule.matches("ACME", "Disk", "3.9"));
}

TEST(ADeviceRule, WithABadRegexIsRefused) {
    EXPECT_FALSE(make_device_rule("ACME(", "Disk", {}).ok());
}

}  // namespace
}  // namespace pathkeeper::core
