#include <gtest/gtest.h>

#include <string>

#include "core/duration.hpp"

namespace pathkeeper::core {
namespace {

using namespace std::chrono_literals;

TEST(ADuration, ReadsSecondsWithAUnit) {
    EXPECT_EQ(parse_duration("5s").value(), 5000ms);
}

TEST(ADuration, ReadsMilliseconds) {
    EXPECT_EQ(parse_duration("500ms").value(), 500ms);
}

TEST(ADuration, ReadsMinutesAndHours) {
    EXPECT_EQ(parse_duration("2m").value(), 120000ms);
    EXPECT_EQ(parse_duration("1h").value(), 3600000ms);
}

TEST(ADuration, TreatsABareNumberAsSecondsLikeMultipathConf) {
    EXPECT_EQ(parse_duration("5").value(), 5000ms);
    EXPECT_EQ(parse_duration("0").value(), 0ms);
}

TEST(ADuration, AcceptsCompoundTerms) {
    EXPECT_EQ(parse_duration("1m30s").value(), 90000ms);
    EXPECT_EQ(parse_duration("1s250ms").value(), 1250ms);
}

TEST(ADuration, AcceptsADecimalFraction) {
    EXPECT_EQ(parse_duration("1.5s").value(), 1500ms);
    EXPECT_EQ(parse_duration("0.25s").value(), 250ms);
}

TEST(ADuration, IgnoresSurroundingBlanks) {
    EXPECT_EQ(parse_duration("  10s ").value(), 10000ms);
}

TEST(ADuration, RejectsAnUnknownUnitAndNamesTheText) {
    auto r = parse_duration("5x");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(r.error().message.find("\"5x\""), std::string::npos);
    EXPECT_NE(r.error().message.find("unknown unit"), std::string::npos);
}

TEST(ADuration, RejectsEmptyNegativeAndUnitOnlyText) {
    EXPECT_FALSE(parse_duration("").ok());
    EXPECT_FALSE(parse_duration("   ").ok());
    EXPECT_FALSE(parse_duration("-5s").ok());
    EXPECT_FALSE(parse_duration("s").ok());
    EXPECT_FALSE(parse_duration("ms").ok());
    EXPECT_FALSE(parse_duration("5.s").ok());
}

TEST(ADuration, RejectsAFractionOfAMillisecond) {
    EXPECT_FALSE(parse_duration("1.5ms").ok());
    EXPECT_FALSE(parse_duration("0.0001s").ok());
}

TEST(ADuration, RejectsAUnitlessTermAfterAUnit) {
    EXPECT_FALSE(parse_duration("1m30").ok());
}

TEST(ADuration, RejectsHugeValuesWithoutOverflow) {
    EXPECT_FALSE(parse_duration("99999999999999999999999s").ok());
    EXPECT_FALSE(parse_duration("999999999h").ok());
    EXPECT_FALSE(parse_duration(std::string(10000, '9')).ok());
}

TEST(ADuration, RejectsGarbageWithoutCrashing) {
    for (const char* text : {"\x01\x02", "5s5s5s5sx", "..", "1..5s", "5 s s", "\xff\xfe", "1e3s", "0x10s"}) {
        EXPECT_FALSE(parse_duration(text).ok()) << text;
    }
}

TEST(ADuration, FormatsTheShortestExactSpelling) {
    EXPECT_EQ(format_duration(250ms), "250ms");
    EXPECT_EQ(format_duration(5000ms), "5s");
    EXPECT_EQ(format_duration(120000ms), "2m");
    EXPECT_EQ(format_duration(90000ms), "1m30s");
    EXPECT_EQ(format_duration(0ms), "0s");
}

TEST(ADuration, RoundTripsThroughFormatAndParse) {
    for (auto ms : {1ms, 999ms, 1001ms, 61001ms, 3723004ms}) {
        EXPECT_EQ(parse_duration(format_duration(ms)).value(), ms);
    }
}

}  // namespace
}  // namespace pathkeeper::core
