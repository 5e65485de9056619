// The reservation keys file: multipath-tools' prkeys format, read tolerantly and written so that both
// tools read it.
#include "core/reservation_keys.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pathkeeper::core {
namespace {

ReservationKeysFile parsed(std::string_view text) {
    auto r = parse_reservation_keys(text);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : ReservationKeysFile{};
}

// What multipath-tools writes: a comment header, a key, an APTPL key (0X) and a key removed by turning the
// first byte of its line into '#'.
const char* const multipath_tools_file =
    "# a header of comment lines, as multipathd writes one\n"
    "#\n"
    "# prkey wwid\n"
    "0x0000000000123abc 3600140512345678901234567890abcd\n"
    "0X00000000deadbeef 36001405aaaabbbbccccddddeeeeffff\n"
    "#x000000000000beef 36001405removed\n";

TEST(TheReservationKeysFile, ReadsWhatMultipathToolsWrites) {
    auto file = parsed(multipath_tools_file);
    EXPECT_TRUE(file.rejected.empty());
    EXPECT_TRUE(file.warnings.empty());
    ASSERT_EQ(file.keys.size(), 2u);
    const auto* first = file.keys.find("3600140512345678901234567890abcd");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->key, 0x123abcu);
    EXPECT_FALSE(first->aptpl);
    const auto* second = file.keys.find("36001405aaaabbbbccccddddeeeeffff");
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->key, 0xdeadbeefu);
    EXPECT_TRUE(second->aptpl);
    EXPECT_EQ(file.keys.find("36001405removed"), nullptr);
}

TEST(TheReservationKeysFile, WritesTheFixedWidthLinesMultipathToolsReads) {
    ReservationKeys keys;
    ASSERT_TRUE(keys.set("3600a", 0x123abc, false).ok());
    ASSERT_TRUE(keys.set("3600b", 0xffffffffffffffffULL, true).ok());
    const std::string text = format_reservation_keys(keys);
    EXPECT_NE(text.find("\n0x0000000000123abc 3600a\n0Xffffffffffffffff 3600b\n"), std::string::npos) << text;
    for (const auto& line :
         {std::string("0x0000000000123abc 3600a"), std::string("0Xffffffffffffffff 3600b")}) {
        EXPECT_EQ(line.find(' '), 18u) << "multipath-tools expects the key in the 18 bytes before the WWID";
    }
    EXPECT_EQ(text.front(), '#');
}

TEST(TheReservationKeysFile, RoundTripsThroughFormatAndParse) {
    auto file = parsed(multipath_tools_file);
    const std::string text = format_reservation_keys(file.keys);
    auto again = parsed(text);
    EXPECT_EQ(again.keys, file.keys);
    EXPECT_TRUE(again.rejected.empty());
    EXPECT_TRUE(again.warnings.empty());
    EXPECT_EQ(format_reservation_keys(again.keys), text);
}

TEST(TheReservationKeysFile, SetsAKeyInPlaceAppendsANewOneAndRemovesOne) {
    auto file = parsed(multipath_tools_file);
    ReservationKeys& keys = file.keys;
    ASSERT_TRUE(keys.set("3600140512345678901234567890abcd", 0x77, true).ok());
    ASSERT_TRUE(keys.set("3600c", 0x5, false).ok());
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys.entries()[0], (ReservationKeyEntry{"3600140512345678901234567890abcd", 0x77, true}));
    EXPECT_EQ(keys.entries()[2], (ReservationKeyEntry{"3600c", 0x5, false}));
    EXPECT_TRUE(keys.remove("36001405aaaabbbbccccddddeeeeffff"));
    EXPECT_FALSE(keys.remove("36001405aaaabbbbccccddddeeeeffff"));
    EXPECT_EQ(keys.size(), 2u);
    const std::string text = format_reservation_keys(keys);
    EXPECT_NE(text.find("0X0000000000000077 3600140512345678901234567890abcd\n0x0000000000000005 3600c\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("36001405aaaabbbbccccddddeeeeffff"), std::string::npos);
}

TEST(TheReservationKeysFile, RefusesToSetAZeroKeyOrABadWwid) {
    ReservationKeys keys;
    EXPECT_EQ(keys.set("3600a", 0, false).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(keys.set("3600 a", 1, false).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(keys.set("", 1, false).error().code, ErrorCode::InvalidArgument);
    EXPECT_TRUE(keys.empty());
}

TEST(TheReservationKeysFile, KeepsTheGoodLinesAndNamesEachBadOneWithItsLine) {
    auto file = parsed(
        "0x0000000000000001 3600a\n"      // 1: good
        "0x0000000000000002\n"            // 2: no WWID
        "0xZZ 3600b\n"                    // 3: not hex
        "0x0000000000000000 3600c\n"      // 4: zero
        "0x0000000000000004 3600a\n"      // 5: duplicate WWID
        "0x0000000000000005 36 00\n"      // 6: three words
        "0x0000000000000006 3600\x01x\n"  // 7: control byte
        "0x00000000000000007 3600d\n"     // 8: 17 digits
        "   \n"
        "0x0000000000000009 3600e\n");  // 10: good
    ASSERT_EQ(file.keys.size(), 2u);
    EXPECT_EQ(file.keys.find("3600a")->key, 1u) << "the first line of a WWID wins, as in multipath-tools";
    EXPECT_EQ(file.keys.find("3600e")->key, 9u);
    ASSERT_EQ(file.rejected.size(), 7u);
    const std::size_t lines[] = {2, 3, 4, 5, 6, 7, 8};
    for (std::size_t i = 0; i < 7; ++i) {
        EXPECT_EQ(file.rejected[i].line, lines[i]) << file.rejected[i].reason;
        EXPECT_FALSE(file.rejected[i].reason.empty());
    }
    EXPECT_NE(file.rejected[0].reason.find("expected \"<key> <wwid>\""), std::string::npos);
    EXPECT_NE(file.rejected[1].reason.find("not a key"), std::string::npos);
    EXPECT_NE(file.rejected[2].reason.find("zero key"), std::string::npos);
    EXPECT_NE(file.rejected[3].reason.find("line 1"), std::string::npos);
    EXPECT_NE(file.rejected[5].reason.find("control characters"), std::string::npos);
}

TEST(TheReservationKeysFile, WarnsAboutLinesMultipathToolsCouldNotReadAndRewritesThem) {
    auto file = parsed("0x123abc 3600a\n0x0000000000000002\t3600b\n0x0000000000000003  3600c\r\n");
    EXPECT_TRUE(file.rejected.empty());
    ASSERT_EQ(file.keys.size(), 3u);
    ASSERT_EQ(file.warnings.size(), 3u);
    EXPECT_EQ(file.warnings[0].line, 1u);
    EXPECT_NE(file.warnings[0].reason.find("16 hex digits"), std::string::npos);
    const std::string text = format_reservation_keys(file.keys);
    EXPECT_NE(text.find("0x0000000000123abc 3600a\n0x0000000000000002 3600b\n0x0000000000000003 3600c\n"),
              std::string::npos)
        << text;
    EXPECT_TRUE(parsed(text).warnings.empty());
}

TEST(TheReservationKeysFile, ThatIsEmptyOrOnlyCommentsHasNoKeys) {
    EXPECT_TRUE(parsed("").keys.empty());
    EXPECT_TRUE(parsed("# nothing\n\n   # indented comment\n").keys.empty());
    EXPECT_TRUE(parsed(format_reservation_keys(ReservationKeys{})).keys.empty());
}

TEST(TheReservationKeysFile, RefusesOversizedText) {
    const std::string huge(reservation_keys_max_text_bytes + 1, '#');
    auto r = parse_reservation_keys(huge);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace pathkeeper::core
