#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/dm_table.hpp"

using namespace pathkeeper::core;

namespace {

std::string read_data(const std::string& name) {
    std::ifstream in(std::string(PATHKEEPER_TEST_DATA_DIR) + "/dm/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

DmMultipathTable parsed(const std::string& text) {
    auto table = parse_table(text);
    EXPECT_TRUE(table.ok()) << (table.ok() ? "" : table.error().message);
    return table.ok() ? *table : DmMultipathTable{};
}

}  // namespace

TEST(ADmTable, ParsesTheArchitectureGuideExample) {
    const auto table =
        parsed("1 queue_if_no_path 1 alua 2 1 service-time 0 1 2 8:0 1 1 service-time 0 1 2 8:16 1 1");
    EXPECT_EQ(table.features, (std::vector<std::string>{"queue_if_no_path"}));
    EXPECT_EQ(table.hw_handler, "alua");
    EXPECT_TRUE(table.hw_handler_args.empty());
    EXPECT_EQ(table.initial_group, 1U);
    ASSERT_EQ(table.groups.size(), 2U);
    EXPECT_EQ(table.groups[1].selector, "service-time");
    EXPECT_EQ(table.groups[1].path_arg_count, 2U);
    ASSERT_EQ(table.groups[1].paths.size(), 1U);
    EXPECT_EQ(table.groups[1].paths[0].devt, (DevT{8, 16}));
    EXPECT_EQ(table.groups[1].paths[0].args, (std::vector<std::string>{"1", "1"}));
}

TEST(ADmTable, RoundTripsThroughFormatAndParse) {
    for (const char* file : {"table_multipathd_load_alua_prio.txt", "table_failover_four_groups.txt"}) {
        const std::string text = read_data(file);
        const auto table = parsed(text);
        EXPECT_TRUE(validate_table(table).ok()) << file;
        const std::string formatted = format_table(table);
        EXPECT_EQ(formatted + "\n", text) << file;
        EXPECT_EQ(parsed(formatted), table) << file;
    }
}

TEST(ADmTable, FormatsHwHandlerArgsFeaturesWithValuesAndNoHandler) {
    DmMultipathTable table;
    table.features = {"queue_if_no_path", "pg_init_retries", "50"};
    table.hw_handler = "rdac";
    table.hw_handler_args = {"x"};
    table.groups.push_back(DmTableGroup{"round-robin", {}, 1, {{DevT{8, 0}, {"1"}}, {DevT{8, 16}, {"1"}}}});
    EXPECT_EQ(format_table(table),
              "3 queue_if_no_path pg_init_retries 50 2 rdac x 1 1 round-robin 0 2 1 8:0 1 8:16 1");
    table.hw_handler.clear();
    table.hw_handler_args.clear();
    table.features.clear();
    EXPECT_EQ(format_table(table), "0 0 1 1 round-robin 0 2 1 8:0 1 8:16 1");
}

TEST(ADmTable, AcceptsTheDmsetupTablePrefixAndTrailingSpace) {
    const auto table = parsed(read_data("table_dmsetup_multibus_rr.txt"));
    EXPECT_TRUE(has_feature(table, "queue_if_no_path"));
    EXPECT_TRUE(table.hw_handler.empty());
    ASSERT_EQ(table.groups.size(), 1U);
    EXPECT_EQ(table.groups[0].paths.size(), 2U);
}

TEST(ADmTable, AcceptsAnEmptyMapWithNoGroups) {
    const auto table = parsed("0 0 0 0");
    EXPECT_TRUE(table.groups.empty());
    EXPECT_EQ(table.initial_group, 0U);
    EXPECT_EQ(format_table(table), "0 0 0 0");
}

TEST(ADmTable, RejectsWrongAndNonNumericCounts) {
    for (const char* bad : {
             "x 0 1 1 round-robin 0 1 1 8:0 1",                  // feature count not a number
             "1 0 1 1 round-robin 0 1 1 8:0 1",                  // "0" is not a feature word
             "0 0 2 1 round-robin 0 1 1 8:0 1",                  // 2 groups announced, 1 present
             "0 0 1 1 round-robin 0 2 1 8:0 1",                  // 2 paths announced, 1 present
             "0 0 1 1 round-robin 0 1 2 8:0 1",                  // 2 path args announced, 1 present
             "0 0 1 1 round-robin 0 1 1 8:0 1 8:16 1",           // trailing garbage
             "0 0 1 2 round-robin 0 1 1 8:0 1",                  // initial group beyond the group count
             "0 0 1 0 round-robin 0 1 1 8:0 1",                  // initial group 0 with groups
             "0 0 0 1",                                          // initial group 1 without groups
             "0 0 1 1 round-robin 0 1 1 sdb 1",                  // path given by name
             "0 0 1 1 7 0 1 1 8:0 1",                            // selector name is a number
             "0 0 1 1 round-robin 0 1 -1 8:0 1",                 // negative count
             "1 bogus_feature 0 1 1 round-robin 0 1 1 8:0 1",    // unknown feature
             "1 pg_init_retries 0 1 1 round-robin 0 1 1 8:0 1",  // feature value missing
         }) {
        auto table = parse_table(bad);
        EXPECT_FALSE(table.ok()) << bad;
        if (!table.ok()) {
            EXPECT_EQ(table.error().code, ErrorCode::InvalidArgument);
            EXPECT_NE(table.error().message.find("dm table"), std::string::npos) << table.error().message;
        }
    }
}

TEST(ADmTable, NamesTheTokenPositionOfTheProblem) {
    auto table = parse_table("0 0 1 1 round-robin 0 1 1 8:x 1");
    ASSERT_FALSE(table.ok());
    EXPECT_NE(table.error().message.find("token 9"), std::string::npos) << table.error().message;
}

TEST(ADmTable, RejectsEveryTruncationOfAValidTable) {
    const std::string text = read_data("table_kernel_echo_alua_prio.txt");
    ASSERT_TRUE(parse_table(text).ok());
    // Cut at every token boundary (except the full text): each prefix must be an error, never a crash.
    std::size_t pos = 0;
    int prefixes = 0;
    while ((pos = text.find(' ', pos + 1)) != std::string::npos && pos + 2 < text.size()) {
        EXPECT_FALSE(parse_table(text.substr(0, pos)).ok()) << text.substr(0, pos);
        ++prefixes;
    }
    EXPECT_GT(prefixes, 15);
}

TEST(ADmTable, RejectsAbsurdCountsBeforeAllocating) {
    EXPECT_FALSE(parse_table("0 0 1025 1").ok());
    EXPECT_FALSE(parse_table("0 0 1 1 round-robin 0 4294967295 1 8:0 1").ok());
    EXPECT_FALSE(parse_table("0 0 1 1 round-robin 0 8193 0 8:0").ok());
    EXPECT_FALSE(parse_table("99999999999999999999999 0 0 0").ok());
    EXPECT_FALSE(parse_table("0 65 alua 0 0").ok());
    EXPECT_FALSE(parse_table(std::string(dm_max_text_bytes + 1, ' ')).ok());
}

TEST(ADmTable, RejectsGarbageAndBinaryText) {
    EXPECT_FALSE(parse_table("").ok());
    EXPECT_FALSE(parse_table("   \n").ok());
    EXPECT_FALSE(parse_table("hello world").ok());
    EXPECT_FALSE(parse_table(std::string("0 0 0\0 0", 7)).ok());
    EXPECT_FALSE(parse_table("0 0 1 1 round-robin 0 1 1 8:0 \xc3\xa9").ok());
}

TEST(ADmTable, AcceptsTheLargestAllowedMap) {
    std::string text = "0 0 1 1 round-robin 0 8192 1";
    for (unsigned i = 0; i < dm_max_paths; ++i) {
        text += " 8:" + std::to_string(i) + " 1";
    }
    auto table = parse_table(text);
    ASSERT_TRUE(table.ok()) << table.error().message;
    EXPECT_EQ(table->groups[0].paths.size(), dm_max_paths);
}

TEST(TableValidation, CatchesPathArgCountMismatchesAndBadInitialGroups) {
    DmMultipathTable table;
    table.groups.push_back(DmTableGroup{"service-time", {}, 2, {{DevT{8, 0}, {"1"}}}});
    EXPECT_FALSE(validate_table(table).ok());
    table.groups[0].paths[0].args = {"1", "1"};
    EXPECT_TRUE(validate_table(table).ok());
    table.initial_group = 2;
    EXPECT_FALSE(validate_table(table).ok());
    table.initial_group = 1;
    table.features = {"queue if no path"};
    EXPECT_FALSE(validate_table(table).ok());
}

TEST(TableEquivalence, TreatsTheKernelEchoOfAMultipathdLoadAsEquivalent) {
    const auto loaded = parsed(read_data("table_multipathd_load_alua_prio.txt"));
    const auto echoed = parsed(read_data("table_kernel_echo_alua_prio.txt"));
    EXPECT_NE(loaded, echoed);
    EXPECT_TRUE(tables_equivalent(loaded, echoed));
}

TEST(TableEquivalence, IgnoresRepeatCountClampingAndTheInitialGroup) {
    const auto desired = parsed("0 1 alua 2 1 round-robin 0 1 1 8:0 1000 round-robin 0 1 0 8:16");
    const auto actual = parsed("0 1 alua 2 2 round-robin 0 1 1 8:0 1 round-robin 0 1 1 8:16 1");
    EXPECT_TRUE(tables_equivalent(desired, actual));
}

TEST(TableEquivalence, IgnoresQueueIfNoPathRetainHandlerAndHandlerArgs) {
    const auto desired =
        parsed("2 queue_if_no_path retain_attached_hw_handler 2 alua x 1 1 service-time 0 1 1 8:0 1");
    const auto actual = parsed("0 1 alua 1 1 service-time 0 1 2 8:0 1 1");
    EXPECT_TRUE(tables_equivalent(desired, actual));
    EXPECT_TRUE(has_feature(desired, "queue_if_no_path"));
    EXPECT_FALSE(has_feature(actual, "queue_if_no_path"));
}

TEST(TableEquivalence, AcceptsAHandlerTheKernelKeptAttachedWhenNoneWasAsked) {
    const auto desired = parsed("0 0 1 1 service-time 0 1 1 8:0 1");
    const auto actual = parsed("0 1 alua 1 1 service-time 0 1 2 8:0 1 1");
    EXPECT_TRUE(tables_equivalent(desired, actual));
    EXPECT_FALSE(tables_equivalent(actual, parsed("0 0 1 1 service-time 0 1 2 8:0 1 1")));
    EXPECT_FALSE(tables_equivalent(actual, parsed("0 1 emc 1 1 service-time 0 1 2 8:0 1 1")));
}

TEST(TableEquivalence, IgnoresPathOrderInsideAGroupButNotGroupOrder) {
    const auto a = parsed("0 0 2 1 round-robin 0 2 1 8:0 1 8:16 1 round-robin 0 1 1 8:32 1");
    const auto b = parsed("0 0 2 1 round-robin 0 2 1 8:16 1 8:0 1 round-robin 0 1 1 8:32 1");
    const auto swapped = parsed("0 0 2 1 round-robin 0 1 1 8:32 1 round-robin 0 2 1 8:0 1 8:16 1");
    EXPECT_TRUE(tables_equivalent(a, b));
    EXPECT_FALSE(tables_equivalent(a, swapped));
}

TEST(TableEquivalence, DetectsRealDifferences) {
    const auto base = parsed("2 pg_init_retries 50 1 alua 1 1 service-time 0 2 2 8:0 1 1 8:16 1 1");
    EXPECT_TRUE(tables_equivalent(base, base));
    // A path more or less, another selector, another relative throughput, other pg_init_retries, other mode.
    EXPECT_FALSE(
        tables_equivalent(base, parsed("2 pg_init_retries 50 1 alua 1 1 service-time 0 1 2 8:0 1 1")));
    EXPECT_FALSE(
        tables_equivalent(base, parsed("2 pg_init_retries 50 1 alua 1 1 queue-length 0 2 1 8:0 1 8:16 1")));
    EXPECT_FALSE(tables_equivalent(
        base, parsed("2 pg_init_retries 50 1 alua 1 1 service-time 0 2 2 8:0 1 1 8:16 1 5")));
    EXPECT_FALSE(tables_equivalent(
        base, parsed("2 pg_init_retries 5 1 alua 1 1 service-time 0 2 2 8:0 1 1 8:16 1 1")));
    EXPECT_FALSE(tables_equivalent(
        base, parsed("4 pg_init_retries 50 queue_mode bio 1 alua 1 1 service-time 0 2 2 8:0 1 1 8:16 1 1")));
    EXPECT_TRUE(tables_equivalent(
        base, parsed("4 pg_init_retries 50 queue_mode mq 1 alua 1 1 service-time 0 2 2 8:0 1 1 8:16 1 1")));
}
