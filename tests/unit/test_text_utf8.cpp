// core/text UTF-8 helpers: what D-Bus and JSON output accept, and how INQUIRY bytes are made acceptable.
#include <gtest/gtest.h>

#include "core/text.hpp"

namespace {

using namespace pathkeeper::core::text;

TEST(Utf8Validation, AcceptsAsciiAndWellFormedMultiByteText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("LIO-ORG"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9"));          // é
    EXPECT_TRUE(is_valid_utf8("\xe2\x82\xac"));      // €
    EXPECT_TRUE(is_valid_utf8("\xf0\x9f\x92\xbe"));  // 💾
}

TEST(Utf8Validation, RejectsStrayTruncatedOverlongAndSurrogateBytes) {
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\x80"));
    EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // UTF-16 surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(Utf8Repair, ReplacesEachInvalidByteAndKeepsEverythingElse) {
    EXPECT_EQ(to_valid_utf8("plain"), "plain");
    EXPECT_EQ(to_valid_utf8("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
    EXPECT_EQ(to_valid_utf8("A\xff"
                            "B"),
              "A\xef\xbf\xbd"
              "B");
    EXPECT_EQ(to_valid_utf8("\xc3"), "\xef\xbf\xbd");
    const std::string repaired = to_valid_utf8("x\xed\xa0\x80y\xf0\x9f\x92");
    EXPECT_TRUE(is_valid_utf8(repaired));
    EXPECT_EQ(to_valid_utf8(repaired), repaired);
}

}  // namespace
