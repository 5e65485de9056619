#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "config/config_file.hpp"
#include "core/config.hpp"

namespace pathkeeper::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

const std::string example_path = std::string(PATHKEEPER_SOURCE_DIR) + "/conf/pathkeeper.yaml";

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

TEST(TheShippedExampleConfig, Parses) {
    auto r = load_config_file(example_path);
    ASSERT_TRUE(r.ok()) << r.error().message;
}

TEST(TheShippedExampleConfig, SetsEveryDefaultToItsBuiltInValue) {
    auto config = load_config_file(example_path);
    ASSERT_TRUE(config.ok());
    // Identical values to the built-ins, only the origin differs.
    const auto from_file = core::explain(core::resolve_map_options(*config, "w", "ACME", "Disk"));
    const auto builtin = core::explain(core::resolve_map_options(core::Config{}, "w", "ACME", "Disk"));
    ASSERT_EQ(from_file.size(), builtin.size());
    for (std::size_t i = 0; i < builtin.size(); ++i) {
        EXPECT_EQ(from_file[i].value, builtin[i].value) << builtin[i].name;
        EXPECT_EQ(from_file[i].origin, core::Origin::Defaults) << builtin[i].name << " is not in the example";
    }
    const auto globals = core::explain(core::resolve_global_options(*config));
    const auto builtin_globals = core::explain(core::resolve_global_options(core::Config{}));
    for (std::size_t i = 0; i < globals.size(); ++i) {
        EXPECT_EQ(globals[i].value, builtin_globals[i].value) << globals[i].name;
    }
}

TEST(TheShippedExampleConfig, DocumentsEveryOptionInTheReference) {
    const std::string doc = read_text(std::string(PATHKEEPER_SOURCE_DIR) + "/docs/configuration.md");
    core::for_each_map_option(core::MapOptions{}, [&](const char* name, const auto&) {
        EXPECT_THAT(doc, HasSubstr(std::string("`") + name + "`"));
    });
    core::for_each_global_option(core::GlobalOptions{}, [&](const char* name, const auto&) {
        EXPECT_THAT(doc, HasSubstr(std::string("`") + name + "`"));
    });
}

TEST(TheConfigParser, RejectsEveryTruncationOfAValidFileOrParsesItWithoutCrashing) {
    const std::string text =
        "defaults:\n"
        "  polling_interval: 5s\n"
        "  no_path_retry: queue\n"
        "devices:\n"
        "  - vendor: \"LIO-ORG\"\n"
        "    product: \".*\"\n"
        "    failback: 30s\n"
        "multipaths:\n"
        "  - wwid: \"36001405abc\"\n"
        "    alias: \"data\"\n";
    int rejected = 0;
    for (std::size_t n = 0; n <= text.size(); ++n) {
        auto r = parse_config(text.substr(0, n), "t.yaml");
        if (!r.ok()) {
            ++rejected;
            EXPECT_THAT(r.error().message, HasSubstr("t.yaml")) << "prefix of " << n << " bytes";
        }
    }
    // Cuts inside a key ("polling_inter"), a value ("queu") or a quoted string are errors; cuts at a
    // line end are valid shorter files. Either way every prefix must be handled.
    EXPECT_GT(rejected, 20);
}

TEST(TheConfigParser, RejectsBinaryGarbage) {
    std::string garbage;
    unsigned state = 12345;
    for (int i = 0; i < 4096; ++i) {
        state = state * 1103515245u + 12345u;
        garbage.push_back(static_cast<char>(state >> 16));
    }
    auto r = parse_config(garbage, "g.yaml");
    EXPECT_FALSE(r.ok());
}

TEST(TheConfigParser, RejectsAssortedHostileInputsWithALocatedMessage) {
    const std::string inputs[] = {
        "{",
        "[[[[",
        "defaults: {polling_interval: [",
        ":",
        "- - - -",
        "defaults:\n  prio: &a alua\n  detect_prio: *a\n",
        "defaults:\n  prio: *undefined\n",
        "!!binary AAAA",
        "devices:\n  - !!str x\n",
        "multipaths:\n  - wwid: [1]\n    alias: {a: b}\n",
        "blacklist:\n  device: 5\n",
        "blacklist:\n  devnode: {a: b}\n",
        "defaults:\n  ? [complex, key]\n  : 1\n",
        "defaults: {}\n---\nfoo: bar\n",
        "\t\tdefaults:",
        std::string("defaults:\n  prio: a\0lua\n", 22),
        "defaults:\n  polling_interval: 99999999999999999999h\n",
        "defaults:\n  alias_prefix: \"a b\"\n",
    };
    for (const auto& text : inputs) {
        auto r = parse_config(text, "h.yaml");
        ASSERT_FALSE(r.ok()) << "accepted: " << text;
        EXPECT_THAT(r.error().message, HasSubstr("h.yaml")) << text;
    }
}

TEST(TheConfigParser, AcceptsUnusualButValidYaml) {
    const std::string inputs[] = {
        "\xef\xbb\xbf"
        "defaults:\n  prio: alua\n",  // UTF-8 byte order mark
        "defaults: !!map {}",
        "%YAML 1.2\n---\ndefaults: {prio: alua}\n...\n",
        "defaults:\r\n  prio: alua\r\n",  // CRLF line ends
        "defaults: {prio: alua, no_path_retry: queue}\nmultipaths: [{wwid: w1, alias: a}]\n",
    };
    for (const auto& text : inputs) {
        auto r = parse_config(text, "v.yaml");
        EXPECT_TRUE(r.ok()) << text << "\n" << (r.ok() ? "" : r.error().message);
    }
}

TEST(TheConfigParser, RejectsDeeplyNestedInputWithoutOverflowingTheStack) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    EXPECT_FALSE(parse_config(deep, "deep.yaml").ok());
    const std::string deep_map = "defaults: " + std::string(50000, '{');
    EXPECT_FALSE(parse_config(deep_map, "deep.yaml").ok());
}

TEST(TheConfigParser, RefusesOversizedInput) {
    std::string big = "defaults:\n";
    while (big.size() <= 4 * 1024 * 1024) {
        big += "  # padding padding padding padding padding padding padding padding padding\n";
    }
    auto r = parse_config(big, "big.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("larger than 4 MiB"));
}

TEST(TheConfigParser, HandlesManyMultipathEntries) {
    std::string text = "multipaths:\n";
    for (int i = 0; i < 2000; ++i) {
        text +=
            "  - wwid: 36001405" + std::to_string(100000 + i) + "\n    alias: m" + std::to_string(i) + "\n";
    }
    auto r = parse_config(text, "many.yaml");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->multipaths.size(), 2000u);
    EXPECT_EQ(core::resolve_map_options(*r, "36001405101999", "X", "Y").alias, "m1999");
}

TEST(TheConfigParser, GivesAStructuredReportToo) {
    auto report = parse_config_report("defaults:\n  prio: x\n  bogus: 1\n", "r.yaml");
    ASSERT_EQ(report.diagnostics.size(), 2u);
    EXPECT_EQ(report.diagnostics[0].key, "defaults.prio");
    EXPECT_EQ(report.diagnostics[0].where.line, 2);
    EXPECT_EQ(report.diagnostics[1].key, "defaults.bogus");
}

}  // namespace
}  // namespace pathkeeper::config
