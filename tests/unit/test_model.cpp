#include <gtest/gtest.h>

#include "core/model.hpp"
#include "core/text.hpp"

using namespace pathkeeper::core;

TEST(ADevT, RoundTripsThroughItsDmSpelling) {
    auto devt = DevT::parse("8:16");
    ASSERT_TRUE(devt.ok());
    EXPECT_EQ(devt->major, 8U);
    EXPECT_EQ(devt->minor, 16U);
    EXPECT_EQ(devt->to_string(), "8:16");
}

TEST(ADevT, AcceptsTheLargestKernelMajorAndMinor) {
    auto devt = DevT::parse("4095:1048575");
    ASSERT_TRUE(devt.ok());
    EXPECT_EQ(devt->to_string(), "4095:1048575");
}

TEST(ADevT, RejectsMalformedOrOutOfRangeText) {
    for (const char* bad : {"", "8", "8:", ":16", "8:16:1", "-8:16", "8: 16", "0x8:16", "4096:0", "8:1048576",
                            "99999999999999999999999:1", "a:b"}) {
        auto devt = DevT::parse(bad);
        EXPECT_FALSE(devt.ok()) << bad;
        if (!devt.ok()) {
            EXPECT_EQ(devt.error().code, ErrorCode::InvalidArgument);
        }
    }
}

TEST(ADevT, OrdersByMajorThenMinor) {
    EXPECT_LT((DevT{8, 32}), (DevT{65, 0}));
    EXPECT_LT((DevT{8, 16}), (DevT{8, 32}));
}

TEST(AScsiAddress, RoundTripsHostChannelTargetLun) {
    auto hctl = ScsiAddress::parse("2:0:0:1");
    ASSERT_TRUE(hctl.ok());
    EXPECT_EQ(hctl->host, 2U);
    EXPECT_EQ(hctl->lun, 1U);
    EXPECT_EQ(hctl->to_string(), "2:0:0:1");
}

TEST(AScsiAddress, AcceptsSixtyFourBitLuns) {
    auto hctl = ScsiAddress::parse("7:0:3:18446744073709551615");
    ASSERT_TRUE(hctl.ok());
    EXPECT_EQ(hctl->lun, 18446744073709551615ULL);
}

TEST(AScsiAddress, RejectsWrongFieldCountsAndGarbage) {
    for (const char* bad : {"", "2:0:0", "2:0:0:1:5", "2::0:1", "a:0:0:1", "2:0:0:1 ", "4294967296:0:0:0"}) {
        EXPECT_FALSE(ScsiAddress::parse(bad).ok()) << bad;
    }
}

TEST(AluaStateParsing, AcceptsEveryKernelAccessStateSpelling) {
    const std::pair<const char*, AluaState> cases[] = {
        {"active/optimized", AluaState::ActiveOptimized},
        {"active/non-optimized", AluaState::ActiveNonOptimized},
        {"standby", AluaState::Standby},
        {"unavailable", AluaState::Unavailable},
        {"lba-dependent", AluaState::LbaDependent},
        {"transitioning", AluaState::Transitioning},
        {"offline", AluaState::Offline},
    };
    for (const auto& [spelling, state] : cases) {
        auto parsed = parse_alua_state(spelling);
        ASSERT_TRUE(parsed.ok()) << spelling;
        EXPECT_EQ(*parsed, state);
        EXPECT_STREQ(to_string(state), spelling);
    }
}

TEST(AluaStateParsing, ToleratesTheSysfsTrailingNewlineButNotOtherWords) {
    ASSERT_TRUE(parse_alua_state("standby\n").ok());
    EXPECT_FALSE(parse_alua_state("active").ok());
    EXPECT_FALSE(parse_alua_state("Standby").ok());
    EXPECT_FALSE(parse_alua_state("").ok());
}

TEST(AluaPriority, MatchesMultipathToolsAluaPrioritizer) {
    EXPECT_EQ(alua_priority(AluaState::ActiveOptimized), 50);
    EXPECT_EQ(alua_priority(AluaState::ActiveNonOptimized), 10);
    EXPECT_EQ(alua_priority(AluaState::LbaDependent), 5);
    EXPECT_EQ(alua_priority(AluaState::Standby), 1);
    EXPECT_EQ(alua_priority(AluaState::Unavailable), 0);
    EXPECT_EQ(alua_priority(AluaState::Transitioning), 0);
    EXPECT_EQ(alua_priority(AluaState::Offline), 0);
    EXPECT_EQ(alua_priority(AluaState::Unknown), 0);
}

TEST(AluaPriority, AddsEightyForAPreferredPortThatIsNotAlreadyOptimized) {
    EXPECT_EQ(alua_priority(AluaState::ActiveNonOptimized, true), 90);
    EXPECT_EQ(alua_priority(AluaState::ActiveOptimized, true), 50);
    EXPECT_EQ(alua_priority(AluaState::ActiveOptimized, true, true), 130);
    EXPECT_EQ(alua_priority(AluaState::Standby, false), 1);
}

TEST(EnumSpellings, RoundTripForTransportsAndPathStates) {
    for (const Transport t :
         {Transport::Unknown, Transport::Iscsi, Transport::Fc, Transport::Sas, Transport::Other}) {
        auto parsed = parse_transport(to_string(t));
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(*parsed, t);
    }
    for (const PathState s :
         {PathState::Up, PathState::Down, PathState::Ghost, PathState::Pending, PathState::Shaky}) {
        auto parsed = parse_path_state(to_string(s));
        ASSERT_TRUE(parsed.ok());
        EXPECT_EQ(*parsed, s);
    }
    EXPECT_FALSE(parse_transport("scsi").ok());
    EXPECT_FALSE(parse_path_state("UP").ok());
    EXPECT_STREQ(to_string(DmPathState::Failed), "failed");
}

TEST(TextHelpers, ParseUnsignedRejectsSignsSpacesAndOverflow) {
    EXPECT_EQ(text::to_unsigned("0"), 0U);
    EXPECT_EQ(text::to_unsigned("18446744073709551615"), 18446744073709551615ULL);
    EXPECT_FALSE(text::to_unsigned("18446744073709551616"));
    EXPECT_FALSE(text::to_unsigned("+1"));
    EXPECT_FALSE(text::to_unsigned(" 1"));
    EXPECT_FALSE(text::to_unsigned("11", 10));
    auto r = text::parse_unsigned("x1", 10, "a repeat count");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("a repeat count"), std::string::npos);
}

TEST(TextHelpers, SplitsWhitespaceAndLinesAndQuotesControlBytes) {
    const auto tokens = text::split_whitespace("  a\tbb \n c  ");
    ASSERT_EQ(tokens.size(), 3U);
    EXPECT_EQ(tokens[1], "bb");
    const auto lines = text::split_lines("one\r\ntwo\n\nfour");
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines[0], "one");
    EXPECT_EQ(lines[2], "");
    EXPECT_EQ(text::quote(std::string_view("a\0b", 3)), "a\\x00b");
}
