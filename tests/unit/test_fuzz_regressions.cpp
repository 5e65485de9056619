// Inputs the fuzzers (tests/fuzz, docs/fuzzing.md) care about, replayed in the ordinary unit suite:
//  - every committed seed of tests/fuzz/corpus/<target>/ goes through the same round-trip checks the fuzz
//    target asserts, so a parser change that breaks a round trip fails here without clang or a fuzz run;
//  - one test per crash or invariant failure a fuzzer found, with the minimised input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config/config_file.hpp"
#include "core/bindings.hpp"
#include "core/dm_table.hpp"
#include "core/duration.hpp"
#include "core/udev_properties.hpp"
#include "core/vpd.hpp"

namespace pathkeeper::core {
namespace {

namespace fs = std::filesystem;

struct Seed {
    std::string name;
    std::string bytes;
};

std::vector<Seed> seeds_of(const std::string& target) {
    const fs::path dir = fs::path(PATHKEEPER_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / target;
    std::vector<Seed> seeds;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        seeds.push_back({entry.path().filename().string(),
                         std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>())});
    }
    return seeds;
}

TEST(TheDmTableSeedCorpus, ParsesAndSurvivesAFormatRoundTrip) {
    const auto seeds = seeds_of("dm_table");
    ASSERT_FALSE(seeds.empty());
    for (const auto& seed : seeds) {
        SCOPED_TRACE(seed.name);
        const auto table = parse_table(seed.bytes);
        ASSERT_TRUE(table.ok()) << table.error().message;
        const auto reparsed = parse_table(format_table(table.value()));
        ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
        EXPECT_EQ(reparsed.value(), table.value());
        EXPECT_TRUE(tables_equivalent(table.value(), reparsed.value()));
    }
}

TEST(TheDmStatusSeedCorpus, ParsesWithTheActiveGroupInRange) {
    const auto seeds = seeds_of("dm_status");
    ASSERT_FALSE(seeds.empty());
    for (const auto& seed : seeds) {
        SCOPED_TRACE(seed.name);
        const auto status = parse_status(seed.bytes);
        ASSERT_TRUE(status.ok()) << status.error().message;
        EXPECT_LE(status.value().active_group(), status.value().groups.size());
    }
}

TEST(TheBindingsSeedCorpus, IsStableThroughParseFormatParse) {
    const auto seeds = seeds_of("bindings");
    ASSERT_FALSE(seeds.empty());
    for (const auto& seed : seeds) {
        SCOPED_TRACE(seed.name);
        const auto bindings = parse_bindings(seed.bytes);
        ASSERT_TRUE(bindings.ok());
        const auto again = parse_bindings(format_bindings(bindings.value().bindings));
        ASSERT_TRUE(again.ok());
        EXPECT_TRUE(again.value().rejected.empty());
        EXPECT_EQ(again.value().bindings, bindings.value().bindings);

        const auto wwids = parse_known_wwids(seed.bytes);
        ASSERT_TRUE(wwids.ok());
        const auto wwids_again = parse_known_wwids(format_known_wwids(wwids.value().wwids));
        ASSERT_TRUE(wwids_again.ok());
        EXPECT_TRUE(wwids_again.value().rejected.empty());
        EXPECT_EQ(wwids_again.value().wwids, wwids.value().wwids);
    }
}

TEST(TheDurationSeedCorpus, ReadsBackItsOwnFormatting) {
    const auto seeds = seeds_of("duration");
    ASSERT_FALSE(seeds.empty());
    for (const auto& seed : seeds) {
        SCOPED_TRACE(seed.bytes);
        const auto value = parse_duration(seed.bytes);
        ASSERT_TRUE(value.ok()) << value.error().message;
        const auto again = parse_duration(format_duration(value.value()));
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(again.value(), value.value());
    }
}

TEST(TheVpdSeedCorpus, GivesAWwidOfAtMost127CharactersForEveryPage) {
    const auto seeds = seeds_of("vpd");
    ASSERT_FALSE(seeds.empty());
    for (const auto& seed : seeds) {
        SCOPED_TRACE(seed.name);
        const auto page = parse_vpd_pg83(std::string_view(seed.bytes));
        ASSERT_TRUE(page.ok()) << page.error().message;
        const auto wwid = wwid_from_vpd_pg83(page.value());
        ASSERT_TRUE(wwid.ok()) << wwid.error().message;
        EXPECT_FALSE(wwid.value().empty());
        EXPECT_LE(wwid.value().size(), wwid_max_chars);
    }
}

TEST(TheUdevSeedCorpus, ParsesAsPropertiesOrAsAUevent) {
    const auto seeds = seeds_of("udev");
    ASSERT_FALSE(seeds.empty());
    for (const auto& seed : seeds) {
        SCOPED_TRACE(seed.name);
        const bool is_uevent = seed.bytes.find('\0') != std::string::npos;
        if (is_uevent) {
            EXPECT_TRUE(parse_uevent(seed.bytes).ok());
        } else {
            EXPECT_TRUE(parse_udev_database(seed.bytes).ok());
        }
    }
}

TEST(TheConfigSeedCorpus, NeverThrowsAndAgreesWithTheReport) {
    const auto seeds = seeds_of("config");
    ASSERT_FALSE(seeds.empty());
    for (const auto& seed : seeds) {
        SCOPED_TRACE(seed.name);
        const auto parsed = config::parse_config(seed.bytes, seed.name);
        const auto report = config::parse_config_report(seed.bytes, seed.name);
        EXPECT_EQ(parsed.ok(), report.diagnostics.empty());
    }
}

// Found by fuzz_config: yaml-cpp 0.7's YAML::LoadAll() never returns, allocating ~500 MB/s, when a flow
// collection or a quoted scalar is followed by a stray comma at the top level (jbeder/yaml-cpp#1040, fixed
// upstream by PR #1319, not in Debian 12's 0.7). A reload with such a file would wedge the daemon. The parse
// runs in a child process killed by SIGALRM after 2 s, so the suite fails instead of hanging.
void expect_rejected_within_two_seconds(const std::string& yaml) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        {
            alarm(2);
            const auto parsed = config::parse_config(yaml, "fuzz.yaml");
            std::_Exit(parsed.ok() ? 1 : 0);
        },
        ::testing::ExitedWithCode(0), "");
}

TEST(AConfigWithAStrayCommaAfterAFlowMap, IsRejectedInsteadOfHangingTheParser) {
    expect_rejected_within_two_seconds("{},");
}

TEST(AConfigWithAStrayCommaAfterAQuotedScalar, IsRejectedInsteadOfHangingTheParser) {
    expect_rejected_within_two_seconds("\"x\",");
}

TEST(TheMutatedFlowStyleConfigFuzzConfigFound, IsRejectedInsteadOfHangingTheParser) {
    expect_rejected_within_two_seconds(
        "{defaufind_multipathsnterval: 5, no_path_retry: fail, failback: manual}, mul]}\n");
}

}  // namespace
}  // namespace pathkeeper::core
