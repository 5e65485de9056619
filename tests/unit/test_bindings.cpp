#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/bindings.hpp"

using namespace pathkeeper::core;

namespace {

std::string read_data(const std::string& name) {
    std::ifstream in(std::string(PATHKEEPER_TEST_DATA_DIR) + "/bindings/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

using Names = std::set<std::string, std::less<>>;

Bindings with(std::initializer_list<std::pair<const char*, const char*>> entries) {
    Bindings b;
    for (const auto& [alias, wwid] : entries) {
        EXPECT_TRUE(b.add(alias, wwid).ok()) << alias;
    }
    return b;
}

}  // namespace

TEST(AliasIds, CountLikeSpreadsheetColumns) {
    EXPECT_EQ(alias_for_id("mpath", 1), "mpatha");
    EXPECT_EQ(alias_for_id("mpath", 26), "mpathz");
    EXPECT_EQ(alias_for_id("mpath", 27), "mpathaa");
    EXPECT_EQ(alias_for_id("mpath", 52), "mpathaz");
    EXPECT_EQ(alias_for_id("mpath", 702), "mpathzz");
    EXPECT_EQ(alias_for_id("mpath", 703), "mpathaaa");
    EXPECT_EQ(alias_for_id("disk", 2), "diskb");
}

TEST(AliasIds, RoundTripAndRejectForeignNames) {
    for (std::uint32_t id : {1U, 25U, 26U, 27U, 676U, 702U, 703U, 18278U, 18279U, 123456789U, alias_max_id}) {
        const auto alias = alias_for_id("mpath", id);
        EXPECT_EQ(alias_id(alias, "mpath"), id) << alias;
    }
    for (const char* foreign :
         {"mpath", "mpathA", "mpath1", "mpat", "oracle_data", "mpathaaaaaaaa", "mpath-a"}) {
        EXPECT_FALSE(alias_id(foreign, "mpath")) << foreign;
    }
    EXPECT_FALSE(alias_id("mpathzzzzzzz", "mpath"));  // beyond INT_MAX
}

TEST(AliasOrder, SortsShorterAliasesFirstLikeMultipathTools) {
    EXPECT_TRUE(alias_less("mpathz", "mpathaa"));
    EXPECT_TRUE(alias_less("mpatha", "mpathb"));
    EXPECT_FALSE(alias_less("mpathaa", "mpathz"));
}

TEST(AliasAllocation, StartsAtMpathaForAnEmptyFile) {
    Bindings b;
    auto alias = b.allocate_alias("mpath", "36001405aaaa", {});
    ASSERT_TRUE(alias.ok());
    EXPECT_EQ(*alias, "mpatha");
    EXPECT_EQ(b.wwid_for("mpatha"), "36001405aaaa");
}

TEST(AliasAllocation, TakesTheNextIdAfterAContiguousRun) {
    Bindings b = with({{"mpatha", "w1"}, {"mpathb", "w2"}, {"mpathc", "w3"}});
    EXPECT_EQ(*b.allocate_alias("mpath", "w4", {}), "mpathd");
}

TEST(AliasAllocation, FillsTheLowestGapFirstWhateverTheFileOrder) {
    Bindings b = with({{"mpathe", "w5"}, {"mpathc", "w3"}, {"mpatha", "w1"}, {"mpathb", "w2"}});
    EXPECT_EQ(*b.allocate_alias("mpath", "new1", {}), "mpathd");
    EXPECT_EQ(*b.allocate_alias("mpath", "new2", {}), "mpathf");
}

TEST(AliasAllocation, SkipsNamesUsedElsewhere) {
    Bindings b = with({{"mpatha", "w1"}, {"mpathc", "w3"}});
    EXPECT_EQ(*b.allocate_alias("mpath", "w4", Names{"mpathb", "mpathd", "unrelated"}), "mpathe");
}

TEST(AliasAllocation, RollsOverFromZToAa) {
    Bindings b;
    for (std::uint32_t id = 1; id <= 26; ++id) {
        ASSERT_TRUE(b.add(alias_for_id("mpath", id), "w" + std::to_string(id)).ok());
    }
    EXPECT_EQ(*b.allocate_alias("mpath", "w27", {}), "mpathaa");
}

TEST(AliasAllocation, ReturnsTheExistingAliasOfAKnownWwid) {
    Bindings b = with({{"mpathb", "w2"}});
    EXPECT_EQ(*b.allocate_alias("mpath", "w2", {}), "mpathb");
    EXPECT_EQ(b.size(), 1U);
}

TEST(AliasAllocation, RefusesToHandOutABoundAliasThatAnotherMapUses) {
    Bindings b = with({{"mpathb", "w2"}});
    auto alias = b.allocate_alias("mpath", "w2", Names{"mpathb"});
    ASSERT_FALSE(alias.ok());
    EXPECT_EQ(alias.error().code, ErrorCode::Conflict);
    EXPECT_EQ(b.size(), 1U);
}

TEST(AliasAllocation, IgnoresBindingsOfOtherPrefixesAndNonIdAliases) {
    Bindings b = with({{"oracle_data", "w1"}, {"diska", "w2"}, {"mpathA", "w3"}});
    EXPECT_EQ(*b.allocate_alias("mpath", "w4", {}), "mpatha");
    EXPECT_EQ(*b.allocate_alias("disk", "w5", {}), "diskb");
}

TEST(AliasAllocation, RejectsUnusableWwidsAndPrefixes) {
    Bindings b;
    EXPECT_FALSE(b.allocate_alias("mpath", "", {}).ok());
    EXPECT_FALSE(b.allocate_alias("mpath", "has space", {}).ok());
    EXPECT_FALSE(b.allocate_alias("bad/prefix", "w1", {}).ok());
    EXPECT_TRUE(b.empty());
}

TEST(ABindingsTable, NeverPutsTwoWwidsOnOneAlias) {
    Bindings b = with({{"mpatha", "w1"}});
    auto clash = b.add("mpatha", "w2");
    ASSERT_FALSE(clash.ok());
    EXPECT_EQ(clash.error().code, ErrorCode::Conflict);
    EXPECT_TRUE(b.add("mpatha", "w1").ok());
    EXPECT_EQ(b.size(), 1U);
    EXPECT_EQ(b.wwid_for("mpatha"), "w1");
}

TEST(ABindingsTable, RemovesAWwidAndFreesItsAliasForReuse) {
    Bindings b = with({{"mpatha", "w1"}, {"mpathb", "w2"}});
    EXPECT_EQ(b.remove_wwid("w1"), 1U);
    EXPECT_EQ(b.remove_wwid("w1"), 0U);
    EXPECT_FALSE(b.alias_for("w1"));
    EXPECT_EQ(*b.allocate_alias("mpath", "w3", {}), "mpatha");
}

TEST(BindingsFileFormat, ImportsAMultipathToolsFileWithoutIssues) {
    auto file = parse_bindings(read_data("multipath_tools_bindings"));
    ASSERT_TRUE(file.ok());
    EXPECT_TRUE(file->rejected.empty());
    EXPECT_TRUE(file->warnings.empty());
    ASSERT_EQ(file->bindings.size(), 4U);
    EXPECT_EQ(file->bindings.alias_for("333333330000007d0"), "mpathd");
    EXPECT_EQ(file->bindings.entries().back().alias, "mpathaa");
    EXPECT_EQ(*file->bindings.allocate_alias("mpath", "36001405new", {}), "mpathc");
}

TEST(BindingsFileFormat, RoundTripsThroughFormat) {
    auto file = parse_bindings(read_data("multipath_tools_bindings"));
    ASSERT_TRUE(file.ok());
    const std::string text = format_bindings(file->bindings);
    EXPECT_NE(text.find("mpathb 36001405aa11bb22cc33dd44ee55ff660\nmpathd"), std::string::npos) << text;
    auto again = parse_bindings(text);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->bindings, file->bindings);
    EXPECT_TRUE(again->rejected.empty());
}

TEST(BindingsFileFormat, KeepsValidEntriesOfACorruptFileAndListsTheRejectedLines) {
    auto file = parse_bindings(read_data("corrupt_bindings"));
    ASSERT_TRUE(file.ok());
    const auto& b = file->bindings;
    EXPECT_EQ(b.wwid_for("mpatha"), "36001405e3a9b1f8c2d24a5ca1c3b5f0d");
    EXPECT_EQ(b.wwid_for("mpathc"), "36001405aa11bb22cc33dd44ee55ff660");
    EXPECT_EQ(b.wwid_for("oracle_data"), "3600a0b80002a1b2c0000a1b2c3d4e5f6");
    EXPECT_EQ(b.wwid_for("mpathe"), "36001405e3a9b1f8c2d24a5ca1c3b5f0d");
    EXPECT_EQ(b.alias_for("36001405e3a9b1f8c2d24a5ca1c3b5f0d"), "mpatha");
    EXPECT_FALSE(b.wwid_for("bad/alias"));
    EXPECT_FALSE(b.wwid_for("mpathz"));
    EXPECT_EQ(b.size(), 4U);

    std::vector<std::size_t> rejected_lines;
    for (const auto& r : file->rejected) {
        rejected_lines.push_back(r.line);
    }
    EXPECT_EQ(rejected_lines, (std::vector<std::size_t>{3, 4, 9, 12}));
    EXPECT_NE(file->rejected[1].reason.find("already bound"), std::string::npos) << file->rejected[1].reason;
    EXPECT_NE(file->rejected[0].reason.find("missing WWID"), std::string::npos);
    EXPECT_NE(file->rejected[3].reason.find("at most " + std::to_string(wwid_max_chars)), std::string::npos)
        << file->rejected[3].reason;

    std::vector<std::size_t> warning_lines;
    for (const auto& w : file->warnings) {
        warning_lines.push_back(w.line);
    }
    EXPECT_EQ(warning_lines, (std::vector<std::size_t>{5, 8, 10}));  // extra words, duplicate, second alias
}

TEST(BindingsFileFormat, RejectsBinaryGarbageLinesAndOversizedFiles) {
    auto file = parse_bindings(std::string("mpatha w1\n\x01\x02\x03 w2\nmpathb w3\n", 25));
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->bindings.size(), 2U);
    ASSERT_EQ(file->rejected.size(), 1U);
    EXPECT_EQ(file->rejected[0].line, 2U);
    EXPECT_FALSE(parse_bindings(std::string(bindings_max_text_bytes + 1, '#')).ok());
    auto empty = parse_bindings("");
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->bindings.empty());
}

TEST(KnownWwidsFile, ReadsMultipathToolsWwidsAndRejectsMalformedLines) {
    auto file = parse_known_wwids(read_data("multipath_tools_wwids"));
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->wwids,
              (std::vector<std::string>{"36001405e3a9b1f8c2d24a5ca1c3b5f0d",
                                        "36001405aa11bb22cc33dd44ee55ff660", "333333330000007d0"}));
    std::vector<std::size_t> rejected_lines;
    for (const auto& r : file->rejected) {
        rejected_lines.push_back(r.line);
    }
    EXPECT_EQ(rejected_lines, (std::vector<std::size_t>{9, 10, 11}));
}

TEST(KnownWwidsFile, RoundTripsThroughFormat) {
    const std::vector<std::string> wwids{"36001405e3a9b1f8c2d24a5ca1c3b5f0d", "333333330000007d0"};
    const std::string text = format_known_wwids(wwids);
    EXPECT_NE(text.find("\n/333333330000007d0/\n"), std::string::npos);
    auto file = parse_known_wwids(text);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->wwids, wwids);
    EXPECT_TRUE(file->rejected.empty());
    EXPECT_FALSE(parse_known_wwids(std::string(bindings_max_text_bytes + 1, '#')).ok());
}

TEST(KnownWwidsFile, NeverGetsALineItsOwnParserWouldReject) {
    const std::vector<std::string> wwids{"36001405aa", "3600 a0b8", "3600/a0b8", "3600\nX", "", "36001405bb"};
    const std::string text = format_known_wwids(wwids);
    auto file = parse_known_wwids(text);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->wwids, (std::vector<std::string>{"36001405aa", "36001405bb"}));
    EXPECT_TRUE(file->rejected.empty()) << text;
}

TEST(KnownWwidsFile, NamesTheLineAndTheRuleForEachRefusedWwid) {
    auto file =
        parse_known_wwids("/36001405aa/\n/3600 a0b8/\n/36\xc3\xa9/\n/" + std::string(123, '3') + "/\n");
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->wwids, (std::vector<std::string>{"36001405aa"}));
    ASSERT_EQ(file->rejected.size(), 3U);
    EXPECT_EQ(file->rejected[0].line, 2U);
    EXPECT_EQ(file->rejected[0].reason, "WWID '3600 a0b8' contains whitespace");
    EXPECT_EQ(file->rejected[1].reason, "WWID '36\\xc3\\xa9' contains non-ASCII bytes");
    EXPECT_NE(file->rejected[2].reason.find("longer than the limit"), std::string::npos);
}

TEST(Bindings, RefuseAWwidTheRuleRefusesNamingIt) {
    Bindings b;
    auto slash = b.add("mpatha", "3600/a0b8");
    ASSERT_FALSE(slash.ok());
    EXPECT_EQ(slash.error().message, "WWID '3600/a0b8' contains '/'");
    EXPECT_FALSE(b.allocate_alias("mpath", "3600 a0b8", {}).ok());
    EXPECT_TRUE(b.empty());
}

TEST(BindingsFileFormat, NeverLosesTheOneAliasOneWwidRuleUnderRandomLines) {
    const char* aliases[] = {"mpatha", "mpathb", "mpathc", "x/y", "", "mpathaa"};
    const char* wwids[] = {"w1", "w2", "w3", "", "w\x01", "w1 extra"};
    std::uint32_t state = 99;
    for (int round = 0; round < 200; ++round) {
        std::string text;
        for (int line = 0; line < 12; ++line) {
            state = state * 1664525U + 1013904223U;
            text += std::string(aliases[(state >> 8) % 6]) + " " + wwids[(state >> 16) % 6];
            text += (state >> 28) % 3 == 0 ? " # c\n" : "\n";
        }
        auto file = parse_bindings(text);
        ASSERT_TRUE(file.ok());
        std::set<std::string> seen;
        for (const auto& b : file->bindings.entries()) {
            EXPECT_TRUE(seen.insert(b.alias).second) << text;
            EXPECT_TRUE(valid_alias(b.alias) && valid_wwid(b.wwid)) << text;
        }
        auto again = parse_bindings(format_bindings(file->bindings));
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(again->bindings, file->bindings);
    }
}
