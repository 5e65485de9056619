// `show config --explain TARGET`: each per-map value with the rule or section it comes from.

#include <gtest/gtest.h>

#include <string>

#include "config/config_file.hpp"
#include "core/config_explain.hpp"

namespace pathkeeper::core {
namespace {

Config parsed(const std::string& yaml) {
    auto r = config::parse_config(yaml, "pk.yaml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Config{};
}

std::string origin_of(const std::vector<ExplainedValue>& lines, const std::string& name) {
    for (const auto& l : lines) {
        if (l.name == name) {
            return l.value + "  # " + l.origin;
        }
    }
    return "(not listed)";
}

const DeviceIdentity lio{"36001405aa", "LIO-ORG", "TCMU device", "4.0"};

TEST(ConfigExplain, ABuiltInDeviceTableVendorShowsTheTableEntry) {
    const auto lines = explain_map(Config{}, lio);
    EXPECT_EQ(origin_of(lines, "path_grouping_policy"),
              "group_by_prio  # built-in device table: (LIO-ORG|SUSE) .*");
    EXPECT_EQ(origin_of(lines, "no_path_retry"), "12  # built-in device table: (LIO-ORG|SUSE) .*");
    EXPECT_EQ(origin_of(lines, "path_checker"), "tur  # built-in");
}

TEST(ConfigExplain, AUserDeviceRuleWinsOverTheTableAndNamesItsFileLine) {
    const Config config = parsed(
        "defaults:\n"
        "  failback: 30s\n"
        "  path_checker: directio\n"
        "devices:\n"
        "  - vendor: ACME\n"
        "    product: Disk\n"
        "    failback: manual\n"
        "  - vendor: LIO\n"
        "    product: TCMU\n"
        "    failback: followover\n"
        "overrides:\n"
        "  rr_min_io_rq: 3\n");
    const auto lines = explain_map(config, lio);
    EXPECT_EQ(origin_of(lines, "failback"), "followover  # devices[1] (pk.yaml:10)");
    EXPECT_EQ(origin_of(lines, "no_path_retry"), "12  # built-in device table: (LIO-ORG|SUSE) .*");
    EXPECT_EQ(origin_of(lines, "path_checker"), "directio  # defaults (pk.yaml:3)");
    EXPECT_EQ(origin_of(lines, "rr_min_io_rq"), "3  # overrides (pk.yaml:12)");
    EXPECT_EQ(origin_of(explain_map(config, {"", "ACME", "Disk", ""}), "failback"),
              "manual  # devices[0] (pk.yaml:7)");
    EXPECT_EQ(origin_of(explain_map(config, {"", "NOBODY", "X", ""}), "failback"),
              "30s  # defaults (pk.yaml:2)");
}

TEST(ConfigExplain, AMultipathsEntryWinsOverDeviceRulesAndTheTable) {
    const Config config = parsed(
        "devices:\n"
        "  - vendor: LIO\n"
        "    product: TCMU\n"
        "    no_path_retry: 5\n"
        "multipaths:\n"
        "  - wwid: 36001405aa\n"
        "    alias: data\n"
        "    no_path_retry: queue\n"
        "    failback: manual\n");
    const auto lines = explain_map(config, lio);
    EXPECT_EQ(origin_of(lines, "no_path_retry"), "queue  # multipaths (pk.yaml:8)");
    EXPECT_EQ(origin_of(lines, "failback"), "manual  # multipaths (pk.yaml:9)");
    EXPECT_EQ(origin_of(lines, "alias"), "data  # multipaths (pk.yaml:7)");
    EXPECT_EQ(origin_of(lines, "path_grouping_policy"),
              "group_by_prio  # built-in device table: (LIO-ORG|SUSE) .*");
    EXPECT_EQ(origin_of(explain_map(config, lio, NoPathRetry::fail()), "no_path_retry"),
              "fail  # administrator (pathctl queueing)");
}

}  // namespace
}  // namespace pathkeeper::core
