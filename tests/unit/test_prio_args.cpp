// weightedpath and path_latency: their prio_args and the priorities they give.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/prio_args.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::microseconds;

PathInfo path(const std::string& devnode, const std::string& hctl, const std::string& serial) {
    PathInfo p;
    p.devnode = devnode;
    p.hctl = *ScsiAddress::parse(hctl);
    p.serial = serial;
    return p;
}

TEST(WeightedPath, FirstMatchingPatternGivesThePriority) {
    auto args = parse_weighted_path_args("hbtl 1:.:.:. 2 4:.:.:. 4");
    ASSERT_TRUE(args.ok()) << args.error().message;
    EXPECT_EQ(weighted_path_priority(*args, path("sdb", "1:0:0:1", "")), 2);
    EXPECT_EQ(weighted_path_priority(*args, path("sdc", "4:0:1:1", "")), 4);
    EXPECT_EQ(weighted_path_priority(*args, path("sdd", "3:0:0:1", "")), 0);  // no match: 0
}

TEST(WeightedPath, DevnameAndSerialFields) {
    auto devname = parse_weighted_path_args("devname sd[ab] 10 sde 20");
    ASSERT_TRUE(devname.ok());
    EXPECT_EQ(weighted_path_priority(*devname, path("sda", "0:0:0:0", "")), 10);
    EXPECT_EQ(weighted_path_priority(*devname, path("sde", "0:0:0:0", "")), 20);
    auto serial = parse_weighted_path_args("serial ^SN-A 7");
    ASSERT_TRUE(serial.ok());
    EXPECT_EQ(weighted_path_priority(*serial, path("sdx", "0:0:0:0", "SN-A0042")), 7);
    EXPECT_EQ(weighted_path_priority(*serial, path("sdx", "0:0:0:0", "XSN-A")), 0);
}

TEST(WeightedPath, PathWithoutAddressMatchesNoHbtlPattern) {
    auto args = parse_weighted_path_args("hbtl .* 5");
    ASSERT_TRUE(args.ok());
    PathInfo p;
    p.devnode = "sdb";
    EXPECT_EQ(weighted_path_priority(*args, p), 0);
}

TEST(WeightedPath, BadArgumentsAreRefusedByName) {
    auto expect_error = [](const char* text, const char* needle) {
        auto r = parse_weighted_path_args(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
        EXPECT_NE(r.error().message.find("weightedpath"), std::string::npos);
    };
    expect_error("", "empty");
    expect_error("port 1 2", "unknown field \"port\"");
    expect_error("wwn .* 2", "wwn");
    expect_error("hbtl", "no \"REGEX PRIO\" pair");
    expect_error("hbtl 1:.:.:. 2 4:.:.:.", "has no priority");
    expect_error("devname sdb ten", "not a whole number");
    expect_error("devname sd[ 3", "invalid regular expression");
}

TEST(PathLatencyArgs, BothSpellingsAndDefaults) {
    EXPECT_EQ(*parse_path_latency_args(""), (PathLatencyArgs{20, 10}));
    EXPECT_EQ(*parse_path_latency_args("io_num=50 base_num=5"), (PathLatencyArgs{50, 5}));
    EXPECT_EQ(*parse_path_latency_args("base_num=2"), (PathLatencyArgs{20, 2}));
    EXPECT_EQ(*parse_path_latency_args("20|10"), (PathLatencyArgs{20, 10}));
}

TEST(PathLatencyArgs, OutOfRangeAndUnknownWordsAreRefused) {
    for (const char* text : {"io_num=1", "io_num=201", "base_num=11", "base_num=1", "io_num=abc", "speed=3",
                             "io_num", "1|10", "20|x"}) {
        auto r = parse_path_latency_args(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_NE(r.error().message.find("path_latency"), std::string::npos) << r.error().message;
    }
}

TEST(PathLatencyPriority, FasterPathsRankHigherOnALogScale) {
    // Base 10 between 1 us and 100 s: 9 at or below 1 us, one less per decade, 0 above 100 s.
    EXPECT_EQ(path_latency_priority(microseconds(1), 10), 9);
    EXPECT_EQ(path_latency_priority(microseconds(0), 10), 9);
    EXPECT_EQ(path_latency_priority(microseconds(50), 10), 7);
    EXPECT_EQ(path_latency_priority(microseconds(500), 10), 6);
    EXPECT_EQ(path_latency_priority(microseconds(5000), 10), 5);
    EXPECT_EQ(path_latency_priority(std::chrono::seconds(50), 10), 1);
    EXPECT_EQ(path_latency_priority(std::chrono::seconds(101), 10), 0);
    // A smaller base splits the range more finely.
    EXPECT_GT(path_latency_priority(microseconds(50), 2), path_latency_priority(microseconds(500), 2) + 2);
}

TEST(PrioArgs, ValidatedOnlyForThePrioritizersThatReadThem) {
    EXPECT_TRUE(validate_prio_args(PrioKind::WeightedPath, "devname sdb 3").ok());
    EXPECT_FALSE(validate_prio_args(PrioKind::WeightedPath, "devname").ok());
    EXPECT_FALSE(validate_prio_args(PrioKind::PathLatency, "io_num=0").ok());
    EXPECT_TRUE(validate_prio_args(PrioKind::Rdac, "anything").ok());
}

}  // namespace
}  // namespace pathkeeper::core
