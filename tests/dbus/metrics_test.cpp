// lib/api/metrics: the Prometheus text the daemon writes for node_exporter's textfile collector (families,
// values, labels, escaping), the checker-duration histogram, and the names the shipped alert rules and the
// monitoring guide use.
#include "api/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "metrics_sample.hpp"

namespace pathkeeper::api {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// The families the metrics contract (docs/monitoring.md) promises, with their types.
const std::map<std::string, std::string> kFamilies{
    {"pathkeeper_build_info", "gauge"},
    {"pathkeeper_metrics_updated_timestamp_seconds", "gauge"},
    {"pathkeeper_config_reloads_total", "counter"},
    {"pathkeeper_config_last_reload_successful", "gauge"},
    {"pathkeeper_checker_threads", "gauge"},
    {"pathkeeper_checks_hung", "gauge"},
    {"pathkeeper_checks_queued", "gauge"},
    {"pathkeeper_check_duration_seconds", "histogram"},
    {"pathkeeper_map_info", "gauge"},
    {"pathkeeper_map_paths", "gauge"},
    {"pathkeeper_map_usable_paths", "gauge"},
    {"pathkeeper_map_queueing", "gauge"},
    {"pathkeeper_map_queueing_ends_timestamp_seconds", "gauge"},
    {"pathkeeper_map_suspended", "gauge"},
    {"pathkeeper_path_info", "gauge"},
    {"pathkeeper_path_state", "gauge"},
    {"pathkeeper_path_failures_total", "counter"},
    {"pathkeeper_path_reinstates_total", "counter"},
    {"pathkeeper_path_read_requests_total", "counter"},
    {"pathkeeper_path_write_requests_total", "counter"},
    {"pathkeeper_path_read_bytes_total", "counter"},
    {"pathkeeper_path_written_bytes_total", "counter"},
    {"pathkeeper_path_io_in_flight", "gauge"},
};

// The family a sample belongs to: its own name, or a histogram's name without _bucket/_sum/_count.
std::string family_of(const std::string& sample_name) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (sample_name.ends_with(s)) {
            const std::string base = sample_name.substr(0, sample_name.size() - s.size());
            const auto it = kFamilies.find(base);
            if (it != kFamilies.end() && it->second == "histogram") {
                return base;
            }
        }
    }
    return sample_name;
}

// The value of the one sample line that starts with `series` (name and labels exactly as written).
std::optional<std::string> value_of(const std::string& text, const std::string& series) {
    std::optional<std::string> found;
    for (const std::string& line : lines_of(text)) {
        if (line.starts_with(series + " ")) {
            EXPECT_FALSE(found.has_value()) << "twice: " << series;
            found = line.substr(series.size() + 1);
        }
    }
    return found;
}

std::vector<std::string> lines_starting_with(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    for (const std::string& line : lines_of(text)) {
        if (line.starts_with(prefix)) {
            out.push_back(line);
        }
    }
    return out;
}

TEST(RenderMetrics, EveryFamilyHasOneHelpAndOneTypeLineBeforeItsSamples) {
    for (const bool empty : {false, true}) {
        SCOPED_TRACE(empty ? "no maps, no paths" : "the sample");
        auto sample = testing::metrics_sample();
        if (empty) {
            sample.topology = std::make_shared<TopologyView>();
        }
        const std::string text = render_metrics(sample);
        ASSERT_TRUE(text.ends_with("\n"));
        std::map<std::string, std::string> typed;
        std::set<std::string> helped;
        std::string help_pending;
        std::string current;
        for (const std::string& line : lines_of(text)) {
            SCOPED_TRACE(line);
            ASSERT_FALSE(line.empty());
            if (line.starts_with("# HELP ")) {
                const std::string name = line.substr(7, line.find(' ', 7) - 7);
                EXPECT_TRUE(helped.insert(name).second) << "a second HELP";
                EXPECT_EQ(typed.count(name), 0U) << "HELP after TYPE";
                EXPECT_GT(line.size(), 7 + name.size() + 1) << "an empty HELP";
                help_pending = name;
                current.clear();
            } else if (line.starts_with("# TYPE ")) {
                const std::string name = line.substr(7, line.find(' ', 7) - 7);
                EXPECT_EQ(name, help_pending) << "TYPE without its HELP just before";
                EXPECT_TRUE(typed.emplace(name, line.substr(7 + name.size() + 1)).second) << "a second TYPE";
                help_pending.clear();
                current = name;
            } else {
                ASSERT_NE(line[0], '#');
                // name{labels} value: one value, no timestamp.
                const auto space = line.rfind(' ');
                ASSERT_NE(space, std::string::npos);
                const std::string series = line.substr(0, space);
                const std::string name = series.substr(0, series.find('{'));
                EXPECT_TRUE(series == name || series.ends_with("}"));
                const std::string value = line.substr(space + 1);
                char* end = nullptr;
                std::strtod(value.c_str(), &end);
                EXPECT_TRUE(value == "+Inf" || (!value.empty() && *end == '\0')) << value;
                EXPECT_EQ(family_of(name), current) << "a sample outside its family's block";
            }
        }
        EXPECT_EQ(typed, kFamilies);
        EXPECT_EQ(helped.size(), kFamilies.size());
    }
}

TEST(RenderMetrics, DaemonFamilies) {
    const std::string text = render_metrics(testing::metrics_sample());
    EXPECT_EQ(value_of(text, "pathkeeper_build_info{version=\"1.2.3\"}"), "1");
    EXPECT_EQ(value_of(text, "pathkeeper_metrics_updated_timestamp_seconds"), "1765100000.5");
    EXPECT_EQ(value_of(text, "pathkeeper_config_reloads_total{result=\"applied\"}"), "4");
    EXPECT_EQ(value_of(text, "pathkeeper_config_reloads_total{result=\"rejected\"}"), "1");
    EXPECT_EQ(value_of(text, "pathkeeper_config_last_reload_successful"), "0");
    EXPECT_EQ(value_of(text, "pathkeeper_checker_threads"), "4");
    EXPECT_EQ(value_of(text, "pathkeeper_checks_hung"), "1");
    EXPECT_EQ(value_of(text, "pathkeeper_checks_queued"), "2");

    auto sample = testing::metrics_sample();
    sample.config_reloads = {};
    EXPECT_EQ(value_of(render_metrics(sample), "pathkeeper_config_last_reload_successful"), "1");
}

TEST(RenderMetrics, MapFamiliesCountTheMapsPathsAndUsablePathsAreUpOrGhost) {
    const std::string text = render_metrics(testing::metrics_sample());
    EXPECT_EQ(value_of(text,
                       "pathkeeper_map_info{map=\"mpatha\",wwid=\"36001405aaaa\",dm_device=\"dm-0\","
                       "vendor=\"AC\\\"ME\",product=\"Disk\\\\2\",no_path_retry=\"queue\"}"),
              "1");
    // sdb down, sdc ghost, sdd up; the path in no map counts nowhere.
    EXPECT_EQ(value_of(text, "pathkeeper_map_paths{map=\"mpatha\"}"), "3");
    EXPECT_EQ(value_of(text, "pathkeeper_map_usable_paths{map=\"mpatha\"}"), "2");
    EXPECT_EQ(value_of(text, "pathkeeper_map_queueing{map=\"mpatha\"}"), "0");
    EXPECT_EQ(value_of(text, "pathkeeper_map_suspended{map=\"mpatha\"}"), "0");
    EXPECT_EQ(value_of(text, "pathkeeper_map_paths{map=\"db\\nlogs\"}"), "0");
    EXPECT_EQ(value_of(text, "pathkeeper_map_usable_paths{map=\"db\\nlogs\"}"), "0");
    EXPECT_EQ(value_of(text, "pathkeeper_map_queueing{map=\"db\\nlogs\"}"), "1");
    EXPECT_EQ(value_of(text, "pathkeeper_map_suspended{map=\"db\\nlogs\"}"), "1");
    // Only a map whose no_path_retry counts down has the time its queued I/O fails.
    EXPECT_EQ(value_of(text, "pathkeeper_map_queueing_ends_timestamp_seconds{map=\"db\\nlogs\"}"),
              "1796640000");
    EXPECT_EQ(lines_starting_with(text, "pathkeeper_map_queueing_ends_timestamp_seconds{").size(), 1U);
    for (const char* family :
         {"pathkeeper_map_info{", "pathkeeper_map_paths{", "pathkeeper_map_usable_paths{",
          "pathkeeper_map_queueing{", "pathkeeper_map_suspended{"}) {
        EXPECT_EQ(lines_starting_with(text, family).size(), 2U) << family;
    }
}

TEST(RenderMetrics, EachPathIsInExactlyOneStateSeries) {
    const std::string text = render_metrics(testing::metrics_sample());
    const std::map<std::string, std::pair<std::string, std::string>> paths{{"sdb", {"mpatha", "down"}},
                                                                           {"sdc", {"mpatha", "ghost"}},
                                                                           {"sdd", {"mpatha", "up"}},
                                                                           {"sde", {"", "pending"}}};
    for (const auto& [path, where] : paths) {
        SCOPED_TRACE(path);
        const auto& [map, state] = where;
        const std::string prefix = "pathkeeper_path_state{map=\"" + map + "\",path=\"" + path + "\",state=\"";
        const auto series = lines_starting_with(text, prefix);
        EXPECT_EQ(series.size(), 5U);
        EXPECT_EQ(lines_starting_with(text, "pathkeeper_path_state{map=\"" + map + "\",path=\"" + path + "\"")
                      .size(),
                  5U);
        int ones = 0;
        for (const std::string s : {"up", "down", "ghost", "pending", "shaky"}) {
            const auto v = value_of(text, prefix + s + "\"}");
            ASSERT_TRUE(v.has_value()) << s;
            EXPECT_EQ(*v, s == state ? "1" : "0") << s;
            ones += *v == "1" ? 1 : 0;
        }
        EXPECT_EQ(ones, 1);
    }
    EXPECT_EQ(lines_starting_with(text, "pathkeeper_path_state{").size(), 4U * 5U);
}

TEST(RenderMetrics, PathInfoSaysWhereThePathLeadsAndAPathInNoMapHasAnEmptyMapLabel) {
    const std::string text = render_metrics(testing::metrics_sample());
    EXPECT_EQ(
        value_of(text,
                 "pathkeeper_path_info{map=\"mpatha\",path=\"sdb\",wwid=\"36001405aaaa\",transport=\"iscsi\","
                 "portal=\"10.77.1.1:3260\",target=\"iqn.2024-01.org.example:t1\",hctl=\"2:0:0:1\"}"),
        "1");
    EXPECT_EQ(value_of(text,
                       "pathkeeper_path_info{map=\"\",path=\"sde\",wwid=\"36001405eeee\",transport=\"sas\","
                       "portal=\"\",target=\"\",hctl=\"2:0:0:1\"}"),
              "1");
    EXPECT_EQ(lines_starting_with(text, "pathkeeper_path_info{").size(), 4U);
}

TEST(RenderMetrics, PathCountersComeFromTheSampleAndAreZeroForAPathNotCountedYet) {
    const std::string text = render_metrics(testing::metrics_sample());
    EXPECT_EQ(value_of(text, "pathkeeper_path_failures_total{map=\"mpatha\",path=\"sdb\"}"), "3");
    EXPECT_EQ(value_of(text, "pathkeeper_path_reinstates_total{map=\"mpatha\",path=\"sdb\"}"), "2");
    EXPECT_EQ(value_of(text, "pathkeeper_path_failures_total{map=\"mpatha\",path=\"sdd\"}"), "0");
    EXPECT_EQ(value_of(text, "pathkeeper_path_reinstates_total{map=\"mpatha\",path=\"sdd\"}"), "1");
    EXPECT_EQ(value_of(text, "pathkeeper_path_failures_total{map=\"mpatha\",path=\"sdc\"}"), "0");
    EXPECT_EQ(value_of(text, "pathkeeper_path_failures_total{map=\"\",path=\"sde\"}"), "0");
    // Counters of a path the topology no longer has are not shown.
    EXPECT_THAT(text, Not(::testing::HasSubstr("sdx")));
    EXPECT_EQ(lines_starting_with(text, "pathkeeper_path_failures_total{").size(), 4U);
    EXPECT_EQ(lines_starting_with(text, "pathkeeper_path_reinstates_total{").size(), 4U);
}

TEST(RenderMetrics, IoFamiliesComeFromTheSampleAndAPathWithoutIoDataHasNoIoSamples) {
    const std::string text = render_metrics(testing::metrics_sample());
    EXPECT_EQ(value_of(text, "pathkeeper_path_read_requests_total{map=\"mpatha\",path=\"sdb\"}"), "1200");
    EXPECT_EQ(value_of(text, "pathkeeper_path_write_requests_total{map=\"mpatha\",path=\"sdb\"}"), "800");
    EXPECT_EQ(value_of(text, "pathkeeper_path_read_bytes_total{map=\"mpatha\",path=\"sdb\"}"),
              std::to_string(98304ULL * 512));
    EXPECT_EQ(value_of(text, "pathkeeper_path_written_bytes_total{map=\"mpatha\",path=\"sdb\"}"),
              std::to_string(409600ULL * 512));
    EXPECT_EQ(value_of(text, "pathkeeper_path_io_in_flight{map=\"mpatha\",path=\"sdb\"}"), "2");
    EXPECT_EQ(value_of(text, "pathkeeper_path_io_in_flight{map=\"mpatha\",path=\"sdd\"}"), "0");
    for (const char* family : {"pathkeeper_path_read_requests_total{",
                               "pathkeeper_path_write_requests_total{", "pathkeeper_path_read_bytes_total{",
                               "pathkeeper_path_written_bytes_total{", "pathkeeper_path_io_in_flight{"}) {
        SCOPED_TRACE(family);
        const auto series = lines_starting_with(text, family);
        EXPECT_EQ(series.size(), 2U);  // sdb and sdd; sdc and sde have no stat file
        for (const std::string& s : series) {
            EXPECT_THAT(s, Not(::testing::HasSubstr("path=\"sdc\"")));
            EXPECT_THAT(s, Not(::testing::HasSubstr("path=\"sde\"")));
        }
    }
}

TEST(RenderMetrics, HistogramBucketsAreCumulativeAndInfIsTheCount) {
    // Observed: 0.004, 0.005 (on a bound), 0.3, 45 (above every bound).
    const std::string text = render_metrics(testing::metrics_sample());
    const auto buckets = lines_starting_with(text, "pathkeeper_check_duration_seconds_bucket{");
    EXPECT_THAT(buckets, ElementsAre("pathkeeper_check_duration_seconds_bucket{le=\"0.005\"} 2",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"0.01\"} 2",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"0.025\"} 2",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"0.05\"} 2",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"0.1\"} 2",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"0.25\"} 2",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"0.5\"} 3",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"1\"} 3",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"2.5\"} 3",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"5\"} 3",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"10\"} 3",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"30\"} 3",
                                     "pathkeeper_check_duration_seconds_bucket{le=\"+Inf\"} 4"));
    EXPECT_EQ(value_of(text, "pathkeeper_check_duration_seconds_count"), "4");
    const auto sum = value_of(text, "pathkeeper_check_duration_seconds_sum");
    ASSERT_TRUE(sum.has_value());
    EXPECT_NEAR(std::strtod(sum->c_str(), nullptr), 45.309, 1e-9);

    // Nothing observed yet: every bucket, the sum and the count are there, at 0.
    auto sample = testing::metrics_sample();
    sample.check_duration = Histogram(check_duration_buckets());
    const std::string fresh = render_metrics(sample);
    const auto zero_buckets = lines_starting_with(fresh, "pathkeeper_check_duration_seconds_bucket{");
    EXPECT_EQ(zero_buckets.size(), check_duration_buckets().size() + 1);
    for (const std::string& b : zero_buckets) {
        EXPECT_TRUE(b.ends_with("} 0")) << b;
    }
    EXPECT_EQ(value_of(fresh, "pathkeeper_check_duration_seconds_sum"), "0");
    EXPECT_EQ(value_of(fresh, "pathkeeper_check_duration_seconds_count"), "0");
}

TEST(EscapeLabelValue, EscapesBackslashQuoteAndNewlineOnly) {
    EXPECT_EQ(escape_label_value("plain-1:2.3"), "plain-1:2.3");
    EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
    EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
    EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
    EXPECT_EQ(escape_label_value("\\n"), "\\\\n");  // a backslash then n, not a newline
    EXPECT_EQ(escape_label_value("tab\there, caf\xc3\xa9"), "tab\there, caf\xc3\xa9");
    EXPECT_EQ(escape_label_value(""), "");
}

TEST(RenderMetrics, EscapesLabelValuesSoEveryLineStaysOneSample) {
    const std::string text = render_metrics(testing::metrics_sample());
    // The map named "db<newline>logs" stays on one line per sample.
    EXPECT_THAT(lines_of(text), Contains("pathkeeper_map_queueing{map=\"db\\nlogs\"} 1"));
    EXPECT_THAT(lines_of(text), Not(Contains(::testing::StartsWith("logs"))));
    EXPECT_THAT(text, ::testing::HasSubstr("vendor=\"AC\\\"ME\""));
    EXPECT_THAT(text, ::testing::HasSubstr("product=\"Disk\\\\2\""));
}

TEST(AHistogram, CountsAValueOnABoundInThatBoundsBucket) {
    Histogram h({1, 2, 5});
    h.observe(0);
    h.observe(1);    // le="1"
    h.observe(1.5);  // le="2"
    h.observe(2);    // le="2"
    h.observe(5);    // le="5"
    h.observe(5.01);
    h.observe(1000);
    EXPECT_THAT(h.bucket_counts(), ElementsAre(2U, 2U, 1U, 2U));
    EXPECT_EQ(h.count(), 7U);
    EXPECT_DOUBLE_EQ(h.sum(), 0 + 1 + 1.5 + 2 + 5 + 5.01 + 1000);
}

TEST(AHistogram, SortsItsBoundsAndHasOneBucketMoreForInf) {
    Histogram h({5, 1, 2});
    EXPECT_THAT(h.upper_bounds(), ElementsAre(1.0, 2.0, 5.0));
    EXPECT_EQ(h.bucket_counts().size(), 4U);
    h.observe(3);
    EXPECT_THAT(h.bucket_counts(), ElementsAre(0U, 0U, 1U, 0U));
}

TEST(AHistogram, CheckDurationBucketsReachTheCheckerTimeout) {
    const auto bounds = check_duration_buckets();
    EXPECT_THAT(bounds, ElementsAre(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30));
    Histogram h(bounds);
    h.observe(30);  // a check that ran into the default 30 s timeout
    h.observe(0.001);
    EXPECT_EQ(h.bucket_counts()[bounds.size() - 1], 1U);
    EXPECT_EQ(h.bucket_counts()[0], 1U);
    EXPECT_EQ(h.bucket_counts().back(), 0U);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in.good()) << path;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The shipped alert rules, their unit tests and the monitoring guide name only metrics the daemon writes, and
// the guide lists every family.
TEST(MetricNames, TheRulesAndTheGuideUseOnlyNamesTheDaemonWrites) {
    const std::string text = render_metrics(testing::metrics_sample());
    std::set<std::string> written;
    for (const std::string& line : lines_of(text)) {
        if (line[0] != '#') {
            written.insert(line.substr(0, line.find_first_of("{ ")));
        }
    }
    const std::string root = PATHKEEPER_SOURCE_DIR;
    const std::regex name("pathkeeper_[a-z_]+");
    for (const char* file : {"/packaging/prometheus/pathkeeper.rules.yml",
                             "/tests/prometheus/pathkeeper.rules.test.yml", "/docs/monitoring.md"}) {
        SCOPED_TRACE(file);
        const std::string content = read_file(root + file);
        int names = 0;
        for (auto it = std::sregex_iterator(content.begin(), content.end(), name);
             it != std::sregex_iterator(); ++it) {
            const std::string n = it->str();
            EXPECT_TRUE(written.count(n) == 1 || kFamilies.count(n) == 1) << n;
            ++names;
        }
        EXPECT_GT(names, 0);
    }
    const std::string guide = read_file(root + "/docs/monitoring.md");
    for (const auto& [family, type] : kFamilies) {
        EXPECT_NE(guide.find(family), std::string::npos) << family << " is not in docs/monitoring.md";
    }
}

}  // namespace
}  // namespace pathkeeper::api
