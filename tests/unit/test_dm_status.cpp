#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "core/dm_table.hpp"

using namespace pathkeeper::core;

namespace {

std::string read_data(const std::string& name) {
    std::ifstream in(std::string(PATHKEEPER_TEST_DATA_DIR) + "/dm/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

TEST(ADmStatus, ReadsAHealthyAluaMapWithItsActiveGroup) {
    auto status = parse_status(read_data("status_alua_two_groups_healthy.txt"));
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_FALSE(status->queue_io);
    EXPECT_EQ(status->pg_init_count, 0U);
    EXPECT_EQ(status->next_group, 1U);
    ASSERT_EQ(status->groups.size(), 2U);
    EXPECT_EQ(status->groups[0].state, DmGroupState::Active);
    EXPECT_EQ(status->groups[1].state, DmGroupState::Enabled);
    EXPECT_EQ(status->active_group(), 1U);
    ASSERT_EQ(status->groups[1].paths.size(), 1U);
    const auto& path = status->groups[1].paths[0];
    EXPECT_EQ(path.devt, (DevT{8, 32}));
    EXPECT_EQ(path.state, DmPathState::Active);
    EXPECT_EQ(path.fail_count, 0U);
    EXPECT_EQ(path.selector_args, (std::vector<std::string>{"0", "1"}));  // in-flight size, throughput
}

TEST(ADmStatus, ReadsFailedPathsAndFailCountsFromDmsetupOutput) {
    auto status = parse_status(read_data("status_dmsetup_multibus_one_failed.txt"));
    ASSERT_TRUE(status.ok()) << status.error().message;
    ASSERT_EQ(status->groups.size(), 1U);
    const auto& paths = status->groups[0].paths;
    ASSERT_EQ(paths.size(), 2U);
    EXPECT_EQ(paths[0].state, DmPathState::Active);
    EXPECT_EQ(paths[1].state, DmPathState::Failed);
    EXPECT_EQ(paths[1].fail_count, 3U);
    EXPECT_TRUE(paths[1].selector_args.empty());
}

TEST(ADmStatus, ReportsQueueingWithNoActiveGroupWhenEveryPathFailed) {
    auto status = parse_status(read_data("status_all_paths_failed_queueing.txt"));
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_TRUE(status->queue_io);
    EXPECT_EQ(status->next_group, 0U);
    EXPECT_EQ(status->active_group(), 0U);
    EXPECT_EQ(status->groups[1].paths[0].fail_count, 2U);
}

TEST(ADmStatus, DistinguishesTheNextGroupFromTheActiveOne) {
    auto status = parse_status(read_data("status_switch_group_pending.txt"));
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->pg_init_count, 4U);
    EXPECT_EQ(status->next_group, 2U);
    EXPECT_EQ(status->active_group(), 2U);
}

TEST(ADmStatus, ReadsDisabledGroups) {
    auto status = parse_status("2 0 0 0 2 1 A 0 1 0 8:0 A 0 D 0 1 0 8:16 A 0");
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->groups[1].state, DmGroupState::Disabled);
}

TEST(ADmStatus, RejectsBadStatesCountsAndTrailingGarbage) {
    for (const char* bad : {
             "2 0 0 0 1 1 X 0 1 0 8:0 A 0",       // group state
             "2 0 0 0 1 1 A 0 1 0 8:0 B 0",       // path state
             "2 0 0 0 1 1 A 0 1 0 8:0 A x",       // fail count
             "2 0 0 0 2 1 A 0 1 0 8:0 A 0",       // missing second group
             "2 0 0 0 1 1 A 0 2 0 8:0 A 0",       // missing second path
             "2 0 0 0 1 1 A 0 1 2 8:0 A 0 5",     // missing selector status arg
             "2 0 0 0 1 1 A 0 1 0 8:0 A 0 junk",  // trailing garbage
             "2 0 0 0 1 3 A 0 1 0 8:0 A 0",       // next group beyond the group count
             "2 7 0 0 0 0",                       // queue_io is a flag
             "9 0 0",                             // feature count beyond the text
             "2 0 0 0 1 1 A 0 1 0 sdb A 0",       // path by name
         }) {
        auto status = parse_status(bad);
        EXPECT_FALSE(status.ok()) << bad;
        if (!status.ok()) {
            EXPECT_NE(status.error().message.find("dm status"), std::string::npos);
        }
    }
}

TEST(ADmStatus, RejectsEveryTruncationOfACapturedStatus) {
    const std::string text = read_data("status_alua_two_groups_healthy.txt");
    std::size_t pos = 0;
    while ((pos = text.find(' ', pos + 1)) != std::string::npos && pos + 2 < text.size()) {
        EXPECT_FALSE(parse_status(text.substr(0, pos)).ok()) << text.substr(0, pos);
    }
}

TEST(ADmStatus, RejectsAbsurdSizesAndGarbage) {
    EXPECT_FALSE(parse_status("2 0 0 0 1025 1").ok());
    EXPECT_FALSE(parse_status("2 0 0 0 1 1 A 0 100000 0 8:0 A 0").ok());
    EXPECT_FALSE(parse_status("2 0 0 0 1 1 A 0 1 65 8:0 A 0").ok());
    EXPECT_FALSE(parse_status("").ok());
    EXPECT_FALSE(parse_status("\x01\x02\x03").ok());
    EXPECT_FALSE(parse_status("multipath status please").ok());
}

TEST(DmParsersUnderMutation, EitherRejectOrRoundTripEveryMutatedCapture) {
    const std::string captures[] = {read_data("table_kernel_echo_alua_prio.txt"),
                                    read_data("table_failover_four_groups.txt")};
    const char* replacements[] = {"0", "1", "2", "65", "8:0", "A", "x", "", "round-robin", "4294967296"};
    std::uint32_t state = 7;
    int accepted = 0;
    for (const std::string& capture : captures) {
        const auto tokens = [&] {
            std::vector<std::string> out;
            std::istringstream in(capture);
            for (std::string t; in >> t;) {
                out.push_back(t);
            }
            return out;
        }();
        for (int round = 0; round < 500; ++round) {
            auto mutated = tokens;
            state = state * 1664525U + 1013904223U;
            mutated[(state >> 8) % mutated.size()] = replacements[(state >> 20) % std::size(replacements)];
            std::string text;
            for (const auto& t : mutated) {
                text += t + " ";
            }
            auto table = parse_table(text);
            (void)parse_status(text);
            if (table.ok()) {
                ++accepted;
                ASSERT_TRUE(validate_table(*table).ok()) << text;
                auto again = parse_table(format_table(*table));
                ASSERT_TRUE(again.ok()) << text;
                EXPECT_EQ(*again, *table) << text;
            }
        }
    }
    EXPECT_GT(accepted, 0);
}
