// multipath.conf syntax: structure, quoting and comments; garbage and truncated input are errors that
// name the line, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_file.hpp"
#include "migrate/import.hpp"
#include "migrate/multipath_conf.hpp"

namespace pathkeeper::migrate {
namespace {

std::string error_of(std::string_view text) {
    auto r = parse_multipath_conf(text, "m.conf");
    EXPECT_FALSE(r.ok()) << "accepted:\n" << text;
    return r.ok() ? std::string() : r.error().message;
}

TEST(TheMultipathConfParser, ReadsSectionsSubsectionsAndAttributes) {
    auto r = parse_multipath_conf(
        "defaults {\n  polling_interval 10\n}\ndevices {\n  device {\n    vendor \"LIO-ORG\"\n  }\n}\n",
        "m.conf");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->sections.size(), 2u);
    EXPECT_EQ(r->sections[0].name, "defaults");
    ASSERT_EQ(r->sections[0].attributes.size(), 1u);
    EXPECT_EQ(r->sections[0].attributes[0].keyword, "polling_interval");
    EXPECT_EQ(r->sections[0].attributes[0].value, "10");
    EXPECT_EQ(r->sections[0].attributes[0].line, 2);
    ASSERT_EQ(r->sections[1].subsections.size(), 1u);
    EXPECT_EQ(r->sections[1].subsections[0].attributes[0].value, "LIO-ORG");
    EXPECT_TRUE(r->sections[1].subsections[0].attributes[0].quoted);
    EXPECT_EQ(r->sections[1].subsections[0].line, 5);
}

TEST(TheMultipathConfParser, TreatsHashAndBangAsCommentsOnlyOutsideQuotes) {
    auto r =
        parse_multipath_conf("blacklist { # c\n devnode \"!^sd#x\" ! trailing\n wwid abc# c\n}\n", "m.conf");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->sections[0].attributes[0].value, "!^sd#x");
    EXPECT_EQ(r->sections[0].attributes[1].value, "abc");
}

TEST(TheMultipathConfParser, UnescapesDoubledQuotesAndKeepsSpacesInsideQuotes) {
    auto r = parse_multipath_conf("devices {\ndevice {\nproduct \"2.5\"\" SSD  \"\n}\n}\n", "m.conf");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->sections[0].subsections[0].attributes[0].value, "2.5\" SSD  ");
}

TEST(TheMultipathConfParser, JoinsTheWordsOfAnUnquotedValue) {
    auto r = parse_multipath_conf("defaults {\npath_selector   round-robin    0\n}\n", "m.conf");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->sections[0].attributes[0].value, "round-robin 0");
}

TEST(TheMultipathConfParser, AcceptsCrLfLineEndsAndABraceWithoutSpace) {
    auto r = parse_multipath_conf("defaults{\r\n failback immediate\r\n}\r\n", "m.conf");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->sections[0].attributes[0].value, "immediate");
}

TEST(TheMultipathConfParser, WarnsAboutTextAfterAClosingBrace) {
    auto r = parse_multipath_conf("defaults {\n} junk\n", "m.conf");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->warnings.size(), 1u);
    EXPECT_EQ(r->warnings[0].line, 2);
}

TEST(ATruncatedFile, IsAnErrorNamingTheUnclosedSection) {
    const std::string message =
        error_of("defaults {\n  polling_interval 5\n}\ndevices {\n  device {\n    vendor X\n");
    EXPECT_NE(message.find("m.conf:4: section \"devices\" is not closed"), std::string::npos) << message;
    EXPECT_NE(message.find("m.conf:5: section \"device\" is not closed"), std::string::npos) << message;
}

TEST(AnUnterminatedQuote, IsAnErrorNamingItsLine) {
    EXPECT_NE(error_of("defaults {\n\n alias_prefix \"mp\n}\n").find("m.conf:3: unterminated quoted string"),
              std::string::npos);
}

TEST(AStrayClosingBrace, IsAnErrorNamingItsLine) {
    EXPECT_NE(error_of("defaults {\n}\n}\n").find("m.conf:3: '}' without an open section"),
              std::string::npos);
}

TEST(AKeywordOutsideAnySection, IsAnError) {
    EXPECT_NE(error_of("polling_interval 5\n").find("m.conf:1: \"polling_interval\" outside any section"),
              std::string::npos);
}

TEST(SectionsNestedThreeDeep, AreAnError) {
    EXPECT_NE(error_of("devices {\ndevice {\ninner {\n}\n}\n}\n").find("m.conf:3:"), std::string::npos);
}

TEST(ABraceInTheMiddleOfALine, IsAnError) {
    EXPECT_NE(error_of("defaults { failback immediate }\n").find("m.conf:1:"), std::string::npos);
}

TEST(BinaryInput, IsAnErrorNotACrash) {
    std::string text = "defaults {\n";
    text += std::string(
        "\x7f"
        "ELF\0\0\x01",
        7);
    text += "\n}\n";
    EXPECT_NE(error_of(text).find("m.conf:2: NUL byte"), std::string::npos);
}

TEST(OversizedInput, IsRefused) {
    std::string text = "defaults {\n";
    while (text.size() <= max_multipath_conf_size) {
        text += "  polling_interval 5\n";
    }
    EXPECT_NE(error_of(text).find("too large"), std::string::npos);
}

TEST(AFileOfGarbageLines, ReportsAFewErrorsAndCountsTheRest) {
    std::string text;
    for (int i = 0; i < 100; ++i) {
        text += "garbage line " + std::to_string(i) + "\n";
    }
    const std::string message = error_of(text);
    EXPECT_NE(message.find("m.conf:1:"), std::string::npos);
    EXPECT_NE(message.find("80 more errors not shown"), std::string::npos) << message;
}

// Every prefix of every example is either a valid file whose import parse_config accepts, or an error
// that names a line; random bytes never crash.
TEST(TruncatedExamples, ImportOrFailWithALineNumber) {
    const auto dir = std::filesystem::path(PATHKEEPER_TEST_DATA_DIR) / "multipath-conf";
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream buffer;
        buffer << in.rdbuf();
        const std::string text = buffer.str();
        ++files;
        for (std::size_t cut = 0; cut < text.size(); cut += 7) {
            const std::string prefix = text.substr(0, cut);
            auto r = import_multipath_conf(prefix, "t.conf");
            if (r.ok()) {
                auto c = config::parse_config(r->yaml, "t.yaml");
                EXPECT_TRUE(c.ok()) << entry.path().filename() << " cut at " << cut << ": "
                                    << (c.ok() ? "" : c.error().message) << "\n"
                                    << r->yaml;
            } else {
                EXPECT_EQ(r.error().message.rfind("t.conf:", 0), 0u) << r.error().message;
                EXPECT_NE(r.error().message.find_first_of("0123456789"), std::string::npos);
            }
        }
    }
    EXPECT_GE(files, 8);
}

TEST(RandomBytes, NeverCrashTheImporter) {
    std::uint32_t state = 12345;
    auto next = [&] {
        state = state * 1664525u + 1013904223u;
        return state >> 24;
    };
    const std::string alphabet = "{}\"#! \n\tabc_019\\";
    for (int round = 0; round < 300; ++round) {
        std::string text;
        const std::size_t length = next() * 2;
        for (std::size_t i = 0; i < length; ++i) {
            text += (next() % 4 == 0) ? static_cast<char>(next()) : alphabet[next() % alphabet.size()];
        }
        auto r = import_multipath_conf(text, "r.conf");
        if (r.ok()) {
            auto c = config::parse_config(r->yaml, "r.yaml");
            EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message) << "\n" << r->yaml;
        }
    }
}

}  // namespace
}  // namespace pathkeeper::migrate
