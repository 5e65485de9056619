// The built-in device table (lib/core/device_table.def): every row parses, multipath-tools 0.9.4's table is
// carried row for row (checked against its configuration dump, tests/unit/data/device-table), and for every
// row a map of a matching device gets the row's policy in the dm table pathkeeper plans.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <type_traits>

#include "core/blacklist.hpp"
#include "core/config_explain.hpp"
#include "core/hwtable.hpp"
#include "core/map_planner.hpp"
#include "migrate/multipath_conf.hpp"

namespace pathkeeper::core {
namespace {

constexpr std::size_t kMultipathToolsEntries = 123;  // `multipath -t` of multipath-tools 0.9.4
constexpr std::size_t kOwnEntries = 3;               // IET/tgt, SCST, scsi_debug

using Settings = std::vector<std::pair<std::string, std::string>>;

struct FactEntry {
    std::string vendor, product, revision;
    Settings settings;  // multipath.conf keywords and values, in dump order
};

struct Facts {
    std::vector<FactEntry> devices;
    std::vector<std::pair<std::string, std::string>> blacklist;  // vendor, product
};

Facts load_facts() {
    const std::string file =
        std::string(PATHKEEPER_TEST_DATA_DIR) + "/device-table/multipath-tools-0.9.4.conf";
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto conf = migrate::parse_multipath_conf(text.str(), file);
    EXPECT_TRUE(conf.ok()) << (conf.ok() ? "" : conf.error().message);
    Facts facts;
    if (!conf.ok()) {
        return facts;
    }
    for (const auto& section : conf->sections) {
        for (const auto& device : section.subsections) {
            FactEntry entry;
            for (const auto& a : device.attributes) {
                if (a.keyword == "vendor") {
                    entry.vendor = a.value;
                } else if (a.keyword == "product") {
                    entry.product = a.value;
                } else if (a.keyword == "revision") {
                    entry.revision = a.value;
                } else {
                    entry.settings.emplace_back(a.keyword, a.value);
                }
            }
            if (section.name == "devices") {
                facts.devices.push_back(std::move(entry));
            } else if (section.name == "blacklist") {
                facts.blacklist.emplace_back(entry.vendor, entry.product);
            }
        }
    }
    return facts;
}

// multipath.conf keyword and value -> pathkeeper's YAML option and spelling; nullopt: not carried.
std::optional<std::pair<std::string, std::string>> to_pathkeeper(const std::string& key,
                                                                 const std::string& value) {
    const bool digits = !value.empty() && std::all_of(value.begin(), value.end(), ::isdigit);
    if (key == "hardware_handler" && value.starts_with("1 ")) {
        return std::pair(key, value.substr(2));
    }
    if (key == "features" && value.starts_with("2 pg_init_retries ")) {
        return std::pair(std::string("pg_init_retries"), value.substr(18));
    }
    if (key == "fast_io_fail_tmo") {
        return std::pair(std::string("fast_io_fail"), value + "s");
    }
    if ((key == "dev_loss_tmo" || key == "failback") && digits) {
        return std::pair(key, value + "s");
    }
    if (key == "path_selector" && value.ends_with(" 0")) {
        return std::pair(key, value.substr(0, value.size() - 2));
    }
    if (key == "rr_min_io") {
        return std::nullopt;  // bio-based multipath only
    }
    return std::pair(key, value);
}

Settings sorted(Settings s) {
    std::sort(s.begin(), s.end());
    return s;
}

std::string row_label(const DeviceTableRow& row) {
    return std::string(row.vendor) + " / " + std::string(row.product);
}

// A vendor or product string a table pattern matches, for the pattern forms the table uses: literals,
// ^ and $, [class] (its first character), (a|b) groups (their first branch), "." and the repeats * and +
// (taken once).
std::string sample_for(std::string_view pattern) {
    std::size_t i = 0;
    auto sequence = [&](auto&& self, std::string_view stop) -> std::string {
        std::string out;
        while (i < pattern.size() && stop.find(pattern[i]) == std::string_view::npos) {
            std::string atom;
            const char c = pattern[i];
            if (c == '(') {
                ++i;
                atom = self(self, "|)");
                int depth = 0;  // skip the other branches
                while (i < pattern.size() && !(depth == 0 && pattern[i] == ')')) {
                    depth += pattern[i] == '(' ? 1 : pattern[i] == ')' ? -1 : 0;
                    ++i;
                }
                ++i;
            } else if (c == '[') {
                atom = std::string(1, pattern[i + 1]);
                i = pattern.find(']', i + 2) + 1;
            } else if (c == '^' || c == '$') {
                ++i;
                continue;
            } else if (c == '.') {
                atom = "x";
                ++i;
            } else if (c == '\\') {
                atom = std::string(1, pattern[i + 1]);
                i += 2;
            } else {
                atom = std::string(1, c);
                ++i;
            }
            if (i < pattern.size() && (pattern[i] == '*' || pattern[i] == '+')) {
                ++i;
            }
            out += atom;
        }
        return out;
    };
    return sequence(sequence, "");
}

// Every option of `from` that is set, copied over `into` (the later-row-wins merge of the table).
void merge_into(MapOptions& into, const MapOptions& from) {
    for_each_map_option(from, [&](const char* name, const auto& source) {
        if (!source) {
            return;
        }
        for_each_map_option(into, [&](const char* target_name, auto& target) {
            if constexpr (std::is_same_v<std::remove_cvref_t<decltype(target)>,
                                         std::remove_cvref_t<decltype(source)>>) {
                if (std::string_view(name) == target_name) {
                    target = source;
                }
            }
        });
    });
}

TEST(TheDeviceTable, ParsesEveryRow) {
    for (const auto& row : device_table_rows()) {
        auto parsed = parse_device_table_row(row);
        EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    }
    EXPECT_EQ(builtin_device_rules().size(), device_table_rows().size()) << "a row was dropped";
}

TEST(TheDeviceTable, HoldsMultipathToolsEntriesAndPathkeepersOwn) {
    EXPECT_EQ(device_table_rows().size(), kMultipathToolsEntries + kOwnEntries);
    ASSERT_GE(device_table_rows().size(), kOwnEntries);
    const auto& rows = device_table_rows();
    EXPECT_EQ(rows[rows.size() - 3].vendor, "^IET");
    EXPECT_EQ(rows[rows.size() - 2].vendor, "^(SCST_FIO|SCST_BIO)");
    EXPECT_EQ(rows[rows.size() - 1].product, "^scsi_debug");
}

TEST(TheDeviceTable, CarriesEveryMultipathTools094EntryWithItsSettings) {
    const Facts facts = load_facts();
    ASSERT_EQ(facts.devices.size(), kMultipathToolsEntries);
    ASSERT_GE(device_table_rows().size(), kMultipathToolsEntries);
    for (std::size_t i = 0; i < kMultipathToolsEntries; ++i) {
        const FactEntry& fact = facts.devices[i];
        const DeviceTableRow& row = device_table_rows()[i];
        SCOPED_TRACE("multipath-tools entry " + std::to_string(i) + ": " + fact.vendor + " / " +
                     fact.product);
        EXPECT_EQ(row.vendor, fact.vendor);
        EXPECT_EQ(row.product, fact.product);
        EXPECT_EQ(row.revision, fact.revision);
        Settings expected;
        for (const auto& [key, value] : fact.settings) {
            if (auto carried = to_pathkeeper(key, value)) {
                expected.push_back(*carried);
            }
        }
        Settings actual;
        for (const auto& [key, value] : row.settings) {
            actual.emplace_back(key, value);
        }
        EXPECT_EQ(sorted(actual), sorted(expected));
    }
}

TEST(TheDeviceTable, OwnsTheBuiltInBlacklistOfAccessLuns) {
    const Facts facts = load_facts();
    ASSERT_EQ(facts.blacklist.size(), builtin_product_blacklist().size());
    EXPECT_EQ(builtin_blacklist().device.size(), builtin_product_blacklist().size());
    for (std::size_t i = 0; i < facts.blacklist.size(); ++i) {
        const DeviceMatchRule& rule = builtin_product_blacklist()[i];
        ASSERT_TRUE(rule.vendor && rule.product);
        EXPECT_EQ(rule.vendor->text(), facts.blacklist[i].first);
        EXPECT_EQ(rule.product->text(), facts.blacklist[i].second);
    }
    PathInfo lun;
    lun.devnode = "sdb";
    lun.vendor = "NETAPP";
    lun.product = "Universal Xport";
    const auto verdict = is_blacklisted(Config{}, lun);
    EXPECT_TRUE(verdict.blacklisted);
    EXPECT_EQ(verdict.category, BlacklistCategory::Device);
}

TEST(TheDeviceTable, RejectsAnUnknownOptionNamingTheRow) {
    auto r = parse_device_table_row({"ACME", "Box", "", {{"pg_init_retrys", "50"}}});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("pg_init_retrys"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("ACME"), std::string::npos) << r.error().message;
}

TEST(TheDeviceTable, RejectsBadValuesNamingTheOption) {
    const std::vector<std::pair<std::string_view, std::string_view>> bad = {
        {"prio", "alua2"},
        {"path_grouping_policy", "by_prio"},
        {"hardware_handler", "2 alua"},
        {"no_path_retry", "-1"},
        {"failback", "soon"},
        {"pg_init_retries", "51"},
        {"fast_io_fail", "1500ms"},
        {"dev_loss_tmo", "forever"},
        {"detect_prio", "maybe"},
        {"rr_min_io_rq", "0"},
        {"path_selector", "random"},
        {"rr_weight", "heavy"},
        {"path_checker", "ping"},
        {"flush_on_last_del", "1"},
        {"uid_attribute", ""},
        {"checker_timeout", "50ms"},
        {"flap_threshold", "1001"},
    };
    for (const auto& [name, value] : bad) {
        MapOptions o;
        auto r = set_map_option_from_text(o, name, value);
        ASSERT_FALSE(r.ok()) << name << " " << value;
        EXPECT_TRUE(r.error().message.starts_with(std::string(name) + ":")) << r.error().message;
    }
}

TEST(TheDeviceTable, RejectsAnOptionGivenTwiceAndABadPattern) {
    EXPECT_FALSE(parse_device_table_row({"ACME", "Box", "", {{"prio", "alua"}, {"prio", "const"}}}).ok());
    EXPECT_FALSE(parse_device_table_row({"ACME(", "Box", "", {}}).ok());
    EXPECT_FALSE(parse_device_table_row({"ACME", "Box", "", {{"product_blacklist", "LUN["}}}).ok());
}

TEST(TheDeviceTable, SamplePatternsMatchWhatTheyShould) {
    EXPECT_EQ(sample_for("(COMPAQ|HP)"), "COMPAQ");
    EXPECT_EQ(sample_for("(MSA2012sa|MSA23(12|24)(fc|i|sa)|MSA2000s VOLUME)"), "MSA2012sa");
    EXPECT_EQ(sample_for("MSA23(12|24)(fc|i|sa)"), "MSA2312fc");
    EXPECT_EQ(sample_for("IBM[ ]+2145"), "IBM 2145");
    EXPECT_EQ(sample_for("^DD[46]A-"), "DD4A-");
    EXPECT_EQ(sample_for("SAN ARRAY$"), "SAN ARRAY");
    EXPECT_EQ(sample_for(".*"), "x");
}

std::string explained(const std::vector<ExplainedValue>& lines, std::string_view name) {
    for (const auto& l : lines) {
        if (l.name == name) {
            return l.value + "  # " + l.origin;
        }
    }
    return "(not listed)";
}

TEST(TheDeviceTable, IsNamedAsTheOriginOfAnEntrysSettings) {
    const auto lines = explain_map(Config{}, {"2abc", "Nimble", "Server", "1.0"});
    EXPECT_EQ(explained(lines, "hardware_handler"), "alua  # built-in device table: Nimble Server");
    EXPECT_EQ(explained(lines, "no_path_retry"), "queue  # built-in device table: Nimble Server");
    EXPECT_EQ(explained(lines, "path_checker"), "tur  # built-in");
}

TEST(TheDeviceTable, MergesAGenericEntryUnderAMoreSpecificLaterOne) {
    // The generic NVMe entry sets the grouping; HPE Alletra's own entry only no_path_retry.
    const auto lines = explain_map(Config{}, {"eui.1", "NVME", "HPE Alletra 9060", ""});
    EXPECT_EQ(explained(lines, "path_grouping_policy"), "group_by_prio  # built-in device table: NVM[eE] .*");
    EXPECT_EQ(explained(lines, "no_path_retry"), "queue  # built-in device table: NVME HPE Alletra");
    EXPECT_EQ(explained(lines, "uid_attribute"), "ID_WWN  # built-in device table: NVM[eE] .*");
}

// For every row: two paths of a device the row matches (and no later row does, so the row is the last
// word on what it sets) are planned into one map; its options and dm table follow the row.
TEST(TheDeviceTable, GivesEveryEntrysDeviceItsPolicyInThePlannedTable) {
    const auto& rows = device_table_rows();
    const auto& rules = builtin_device_rules();
    ASSERT_EQ(rules.size(), rows.size());
    std::vector<std::string> blacklisted;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const DeviceRule& rule = rules[i];
        const std::string vendor = sample_for(rule.vendor), product = sample_for(rule.product);
        SCOPED_TRACE("row " + std::to_string(i) + " " + row_label(rows[i]) + ": device \"" + vendor +
                     "\" \"" + product + "\"");
        ASSERT_TRUE(rule.matches(vendor, product));
        MapOptions expected = builtin_map_options();
        for (std::size_t j = 0; j < rules.size(); ++j) {
            if (rules[j].matches(vendor, product)) {
                EXPECT_LE(j, i) << "a later row also matches: " << row_label(rows[j]);
                merge_into(expected, rules[j].options);
            }
        }

        // Every option the row sets is resolved from it.
        const ResolvedMapOptions resolved = resolve_map_options(Config{}, "3600example", vendor, product);
        const auto explained = explain(resolved);
        for_each_map_option(rule.options, [&](const char* name, const auto& field) {
            if (!field) {
                return;
            }
            auto it = std::find_if(explained.begin(), explained.end(),
                                   [&](const ExplainedSetting& s) { return s.name == name; });
            ASSERT_NE(it, explained.end()) << name;
            EXPECT_EQ(it->value, format_option_value(*field)) << name;
            EXPECT_EQ(it->origin, Origin::BuiltInDevice) << name;
        });

        std::vector<PlanPath> paths(2);
        for (std::size_t p = 0; p < 2; ++p) {
            PathInfo& info = paths[p].info;
            info.devnode = p == 0 ? "sdb" : "sdc";
            info.devt = DevT{8, p == 0 ? 16U : 32U};
            info.wwid = "3600example";
            info.vendor = vendor;
            info.product = product;
            info.serial = p == 0 ? "S1" : "S2";
            info.size_sectors = 2048;
            info.priority = p == 0 ? 50 : 10;  // a preferred and a non-preferred port
        }
        const PlanResult plan = plan_maps(Config{}, paths, Bindings{}, {"3600example"}, PlanContext{});
        if (is_blacklisted(Config{}, paths[0].info).blacklisted) {
            // multipath-tools blacklists these rows' own devices through their product_blacklist.
            blacklisted.push_back(row_label(rows[i]));
            EXPECT_TRUE(plan.maps.empty());
            continue;
        }
        ASSERT_EQ(plan.maps.size(), 1U);
        const PlannedMap& map = plan.maps[0];
        const DmMultipathTable& table = map.table;
        ASSERT_TRUE(validate_table(table).ok());

        EXPECT_EQ(has_feature(table, "queue_if_no_path"),
                  expected.no_path_retry->mode != NoPathRetry::Mode::Fail);
        auto retries = std::find(table.features.begin(), table.features.end(), "pg_init_retries");
        if (*expected.pg_init_retries > 0) {
            ASSERT_NE(retries, table.features.end());
            ASSERT_NE(retries + 1, table.features.end());
            EXPECT_EQ(*(retries + 1), std::to_string(*expected.pg_init_retries));
        } else {
            EXPECT_EQ(retries, table.features.end());
        }
        EXPECT_EQ(table.hw_handler, *expected.hardware_handler == HardwareHandler::None
                                        ? std::string()
                                        : std::string(to_string(*expected.hardware_handler)));

        if (*expected.path_grouping_policy == GroupingPolicy::Multibus) {
            ASSERT_EQ(table.groups.size(), 1U);
            EXPECT_EQ(table.groups[0].paths.size(), 2U);
        } else {
            // failover, group_by_prio (priorities differ), group_by_serial (serials differ): one path per
            // group, the preferred port's group first.
            ASSERT_EQ(table.groups.size(), 2U);
            EXPECT_EQ(table.groups[0].paths.size(), 1U);
            EXPECT_EQ(table.initial_group, map.group_of("sdb"));
        }
        for (const auto& group : table.groups) {
            EXPECT_EQ(group.selector, to_string(*expected.path_selector));
            for (const auto& path : group.paths) {
                const int priority = path.devt.minor == 16 ? 50 : 10;
                const unsigned repeat =
                    *expected.rr_min_io_rq * (*expected.rr_weight == RrWeight::Priorities ? priority : 1);
                EXPECT_EQ(path.args, std::vector<std::string>{std::to_string(repeat)});
            }
        }
    }
    EXPECT_EQ(blacklisted, (std::vector<std::string>{"IBM / S/390 DASD ECKD", "IBM / S/390 DASD FBA"}));
}

}  // namespace
}  // namespace pathkeeper::core
