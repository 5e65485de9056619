#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "config/config_file.hpp"
#include "core/config.hpp"
#include "core/hwtable.hpp"

namespace pathkeeper::core {
namespace {

using namespace std::chrono_literals;

Config parsed(const std::string& yaml) {
    auto r = config::parse_config(yaml, "pk.yaml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Config{};
}

const char* const layered =
    "defaults:\n"
    "  no_path_retry: 5\n"
    "  failback: 20s\n"
    "  rr_min_io_rq: 2\n"
    "  path_checker: directio\n"
    "devices:\n"
    "  - vendor: ACME\n"
    "    product: Disk\n"
    "    no_path_retry: 7\n"
    "    failback: followover\n"
    "    rr_min_io_rq: 3\n"
    "overrides:\n"
    "  no_path_retry: 9\n"
    "  failback: immediate\n"
    "multipaths:\n"
    "  - wwid: 3600a\n"
    "    alias: db\n"
    "    no_path_retry: queue\n";

TEST(OptionResolution, WithNothingConfiguredUsesBuiltInDefaults) {
    auto r = resolve_map_options(Config{}, "3600", "NOBODY", "NOTHING");
    EXPECT_EQ(r.path_grouping_policy.value, GroupingPolicy::Failover);
    EXPECT_EQ(r.path_grouping_policy.origin, Origin::BuiltIn);
    EXPECT_EQ(r.path_selector.value, PathSelector::ServiceTime);
    EXPECT_EQ(r.path_checker.value, CheckerKind::Tur);
    EXPECT_EQ(r.failback.value, Failback::manual());
    EXPECT_EQ(r.no_path_retry.value, NoPathRetry::fail());
    EXPECT_EQ(r.fast_io_fail.value, 0s);
    EXPECT_FALSE(r.alias.has_value());
}

TEST(OptionResolution, PrefersTheMultipathsEntryOverEverything) {
    auto r = resolve_map_options(parsed(layered), "3600a", "ACME", "Disk");
    EXPECT_EQ(r.no_path_retry.value, NoPathRetry::queue());
    EXPECT_EQ(r.no_path_retry.origin, Origin::Multipath);
    EXPECT_EQ(r.no_path_retry.where.to_string(), "pk.yaml:18:5");
    EXPECT_EQ(r.alias, "db");
}

TEST(OptionResolution, PrefersOverridesOverDevicesAndDefaults) {
    auto r = resolve_map_options(parsed(layered), "3600b", "ACME", "Disk");
    EXPECT_EQ(r.no_path_retry.value, NoPathRetry::retries(9));
    EXPECT_EQ(r.no_path_retry.origin, Origin::Overrides);
    EXPECT_EQ(r.failback.value, Failback::immediate());
    EXPECT_EQ(r.failback.origin, Origin::Overrides);
}

TEST(OptionResolution, PrefersAMatchingDeviceRuleOverDefaults) {
    auto r = resolve_map_options(parsed(layered), "3600b", "ACME", "Disk");
    EXPECT_EQ(r.rr_min_io_rq.value, 3u);
    EXPECT_EQ(r.rr_min_io_rq.origin, Origin::Device);
    EXPECT_EQ(r.rr_min_io_rq.where.to_string(), "pk.yaml:11:5");
}

TEST(OptionResolution, FallsBackToDefaultsWhenNoRuleSetsTheOption) {
    auto r = resolve_map_options(parsed(layered), "3600b", "ACME", "Disk");
    EXPECT_EQ(r.path_checker.value, CheckerKind::Directio);
    EXPECT_EQ(r.path_checker.origin, Origin::Defaults);
    EXPECT_EQ(r.path_checker.where.to_string(), "pk.yaml:5:3");
}

TEST(OptionResolution, IgnoresDeviceRulesThatDoNotMatch) {
    auto r = resolve_map_options(parsed(layered), "3600b", "OTHER", "Disk");
    EXPECT_EQ(r.rr_min_io_rq.value, 2u);
    EXPECT_EQ(r.rr_min_io_rq.origin, Origin::Defaults);
}

TEST(OptionResolution, LetsALaterUserDeviceRuleWinOverAnEarlierOne) {
    auto config = parsed(
        "devices:\n"
        "  - {vendor: ACME, product: \".*\", no_path_retry: 3, rr_min_io_rq: 4}\n"
        "  - {vendor: ACME, product: Disk, no_path_retry: 6}\n");
    auto r = resolve_map_options(config, "x", "ACME", "Disk");
    EXPECT_EQ(r.no_path_retry.value, NoPathRetry::retries(6));
    EXPECT_EQ(r.rr_min_io_rq.value, 4u);  // merged option by option
}

TEST(OptionResolution, LetsAUserDeviceRuleWinOverTheBuiltInOneOptionByOption) {
    auto config = parsed("devices:\n  - vendor: LIO-ORG\n    product: \".*\"\n    no_path_retry: queue\n");
    auto r = resolve_map_options(config, "x", "LIO-ORG", "disk01");
    EXPECT_EQ(r.no_path_retry.value, NoPathRetry::queue());
    EXPECT_EQ(r.no_path_retry.origin, Origin::Device);
    EXPECT_EQ(r.path_grouping_policy.value, GroupingPolicy::GroupByPrio);
    EXPECT_EQ(r.path_grouping_policy.origin, Origin::BuiltInDevice);
}

TEST(OptionResolution, LetsTheBuiltInDeviceTableWinOverDefaults) {
    // As in multipath-tools: defaults apply only where no device entry says otherwise.
    auto config = parsed("defaults:\n  path_grouping_policy: multibus\n  no_path_retry: queue\n");
    auto r = resolve_map_options(config, "x", "LIO-ORG", "disk01");
    EXPECT_EQ(r.path_grouping_policy.value, GroupingPolicy::GroupByPrio);
    EXPECT_EQ(r.no_path_retry.value, NoPathRetry::retries(12));
}

TEST(OptionResolution, ResolvesGlobalOptionsWithOrigins) {
    auto g = resolve_global_options(parsed("defaults:\n  polling_interval: 2s\n"));
    EXPECT_EQ(g.polling_interval.value, 2000ms);
    EXPECT_EQ(g.polling_interval.origin, Origin::Defaults);
    EXPECT_EQ(g.find_multipaths.value, FindMultipaths::On);
    EXPECT_EQ(g.find_multipaths.origin, Origin::BuiltIn);
    EXPECT_EQ(g.fast_recheck_interval.value, 250ms);
}

TEST(OptionResolution, DerivesMaxPollingIntervalFromPollingIntervalLikeMultipathTools) {
    EXPECT_EQ(
        resolve_global_options(parsed("defaults:\n  polling_interval: 2s\n")).max_polling_interval.value,
        8000ms);
    EXPECT_EQ(resolve_global_options(Config{}).max_polling_interval.value, 20000ms);
}

TEST(OptionResolution, ExplainsEveryMapOptionWithItsOrigin) {
    auto lines = explain(resolve_map_options(parsed(layered), "3600a", "ACME", "Disk"));
    EXPECT_EQ(lines.size(), 34u);  // 33 options and the alias
    auto find = [&](const std::string& name) {
        return *std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.name == name; });
    };
    EXPECT_EQ(find("no_path_retry").value, "queue");
    EXPECT_EQ(find("no_path_retry").origin, Origin::Multipath);
    EXPECT_EQ(find("failback").value, "immediate");
    EXPECT_EQ(find("fast_io_fail").value, "0s");
    EXPECT_EQ(find("fast_io_fail").origin, Origin::BuiltIn);
    EXPECT_EQ(find("path_selector").value, "service-time");
    EXPECT_STREQ(to_string(find("rr_min_io_rq").origin), "devices");
    EXPECT_EQ(find("alias").value, "db");
    EXPECT_EQ(find("alias").where.to_string(), "pk.yaml:17:5");
}

TEST(OptionResolution, ExplainsGlobalOptions) {
    auto lines = explain(resolve_global_options(Config{}));
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.front().name, "polling_interval");
    EXPECT_EQ(lines.front().value, "5s");
    EXPECT_EQ(lines.front().where.to_string(), "built-in");
}

TEST(OptionResolution, DetectsAluaPrioForTpgsDevicesUnlessAMultipathEntryNamesAPrio) {
    auto config = parsed("multipaths:\n  - wwid: w1\n    prio: const\n");
    auto plain = resolve_map_options(config, "w2", "X", "Y");
    EXPECT_EQ(effective_prio(plain, true).value, PrioKind::Alua);
    EXPECT_EQ(effective_prio(plain, true).origin, Origin::Detected);
    EXPECT_EQ(effective_prio(plain, false).value, PrioKind::Const);
    auto pinned = resolve_map_options(config, "w1", "X", "Y");
    EXPECT_EQ(effective_prio(pinned, true).value, PrioKind::Const);
}

TEST(OptionResolution, RetainsTheKernelsAluaHandlerForTpgsDevices) {
    auto r = resolve_map_options(Config{}, "w", "X", "Y");
    EXPECT_EQ(effective_hardware_handler(r, true).value, HardwareHandler::Alua);
    EXPECT_EQ(effective_hardware_handler(r, false).value, HardwareHandler::None);
    auto off = resolve_map_options(parsed("defaults:\n  retain_attached_hw_handler: no\n"), "w", "X", "Y");
    EXPECT_EQ(effective_hardware_handler(off, true).value, HardwareHandler::None);
}

TEST(OptionResolution, HasNoReservationKeyUnlessOneIsConfigured) {
    auto r = resolve_map_options(Config{}, "3600", "NOBODY", "NOTHING");
    EXPECT_EQ(r.reservation_key.value, ReservationKey::none());
    EXPECT_EQ(r.reservation_key.origin, Origin::BuiltIn);
    EXPECT_FALSE(r.reservation_aptpl.value);
    EXPECT_FALSE(r.reservation_all_tg_pt.value);
    auto g = resolve_global_options(Config{});
    EXPECT_EQ(g.reservation_keys_file.value, "");
    EXPECT_EQ(g.reservation_keys_file.origin, Origin::BuiltIn);
}

TEST(OptionResolution, TakesTheReservationOptionsFromMultipathsOverridesDevicesDefaultsInThatOrder) {
    const char* const reservations =
        "defaults:\n"
        "  reservation_key: 0x1\n"
        "  reservation_aptpl: yes\n"
        "  reservation_keys_file: /srv/prkeys\n"
        "devices:\n"
        "  - vendor: ACME\n"
        "    product: Disk\n"
        "    reservation_key: 0x2\n"
        "    reservation_all_tg_pt: yes\n"
        "  - vendor: ACME\n"
        "    product: Tape\n"
        "    reservation_key: 0x5\n"
        "overrides:\n"
        "  reservation_key: 0x3\n"
        "multipaths:\n"
        "  - wwid: 3600a\n"
        "    reservation_key: file\n"
        "    reservation_aptpl: no\n";
    const Config config = parsed(reservations);
    auto entry = resolve_map_options(config, "3600a", "ACME", "Disk");
    EXPECT_EQ(entry.reservation_key.value, ReservationKey::file());
    EXPECT_EQ(entry.reservation_key.origin, Origin::Multipath);
    EXPECT_EQ(entry.reservation_key.where.to_string(), "pk.yaml:17:5");
    EXPECT_FALSE(entry.reservation_aptpl.value);
    EXPECT_EQ(entry.reservation_aptpl.origin, Origin::Multipath);
    EXPECT_TRUE(entry.reservation_all_tg_pt.value);
    EXPECT_EQ(entry.reservation_all_tg_pt.origin, Origin::Device);

    auto other = resolve_map_options(config, "3600b", "ACME", "Disk");
    EXPECT_EQ(other.reservation_key.value, ReservationKey::fixed(3));
    EXPECT_EQ(other.reservation_key.origin, Origin::Overrides);
    EXPECT_TRUE(other.reservation_aptpl.value);
    EXPECT_EQ(other.reservation_aptpl.origin, Origin::Defaults);

    Config without_overrides = config;
    without_overrides.overrides = MapOptions{};
    auto device = resolve_map_options(without_overrides, "3600b", "ACME", "Disk");
    EXPECT_EQ(device.reservation_key.value, ReservationKey::fixed(2));
    EXPECT_EQ(device.reservation_key.origin, Origin::Device);
    auto fallback = resolve_map_options(without_overrides, "3600b", "NOBODY", "NOTHING");
    EXPECT_EQ(fallback.reservation_key.value, ReservationKey::fixed(1));
    EXPECT_EQ(fallback.reservation_key.origin, Origin::Defaults);
    EXPECT_FALSE(fallback.reservation_all_tg_pt.value);
    EXPECT_EQ(fallback.reservation_all_tg_pt.origin, Origin::BuiltIn);

    auto g = resolve_global_options(config);
    EXPECT_EQ(g.reservation_keys_file.value, "/srv/prkeys");
    EXPECT_EQ(g.reservation_keys_file.origin, Origin::Defaults);
}

TEST(OptionResolution, ExplainsTheReservationKeyInItsYamlSpelling) {
    auto lines =
        explain(resolve_map_options(parsed("overrides:\n  reservation_key: 0X00ABC\n"), "w", "A", "B"));
    auto find = [&](const std::string& name) {
        return *std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.name == name; });
    };
    EXPECT_EQ(find("reservation_key").value, "0xabc");
    EXPECT_EQ(find("reservation_key").origin, Origin::Overrides);
    EXPECT_EQ(find("reservation_aptpl").value, "no");
    EXPECT_EQ(find("reservation_all_tg_pt").value, "no");
}

TEST(OptionParsing, RoundTripsReservationKeySpellings) {
    for (const ReservationKey& key :
         {ReservationKey::none(), ReservationKey::file(), ReservationKey::fixed(1),
          ReservationKey::fixed(0x123abc), ReservationKey::fixed(~0ULL)}) {
        auto back = parse_reservation_key(to_string(key));
        ASSERT_TRUE(back.ok()) << to_string(key);
        EXPECT_EQ(*back, key) << to_string(key);
    }
    EXPECT_EQ(to_string(ReservationKey::fixed(0x123abc)), "0x123abc");
    EXPECT_EQ(to_string(ReservationKey::fixed(~0ULL)), "0xffffffffffffffff");
    EXPECT_EQ(parse_hex_key("0x0"), 0u);
    EXPECT_FALSE(parse_hex_key("0x").has_value());
    EXPECT_FALSE(parse_hex_key("x12").has_value());
    EXPECT_FALSE(parse_hex_key("0x12g").has_value());
    EXPECT_FALSE(parse_hex_key("0x 12").has_value());
    EXPECT_FALSE(parse_hex_key("0x00000000000000001").has_value());
}

TEST(OptionParsing, RoundTripsFailbackAndNoPathRetrySpellings) {
    for (const char* text : {"immediate", "manual", "followover", "30s"}) {
        EXPECT_EQ(to_string(parse_failback(text).value()), text);
    }
    for (const char* text : {"queue", "fail", "12"}) {
        EXPECT_EQ(to_string(parse_no_path_retry(text).value()), text);
    }
    EXPECT_FALSE(parse_failback("sometimes").ok());
    EXPECT_FALSE(parse_no_path_retry("-1").ok());
    EXPECT_FALSE(parse_no_path_retry("99999999999").ok());
}

TEST(APattern, InvertsWithALeadingBang) {
    auto p = Pattern::compile("!^sd[a-z]").value();
    EXPECT_FALSE(p.matches("sdb"));
    EXPECT_TRUE(p.matches("dm-0"));
}

TEST(APattern, SearchesUnanchoredLikeRegexec) {
    auto p = Pattern::compile("ORG").value();
    EXPECT_TRUE(p.matches("LIO-ORG"));
    EXPECT_FALSE(Pattern::compile("^ORG").value().matches("LIO-ORG"));
}

// Expressions without operators are matched as text: the same answers as the regex search.
TEST(APattern, WithoutOperatorsMatchesAsTheRegexSearchDoes) {
    const std::vector<std::string> subjects = {"",         "LIO-ORG", "ORG",     "ORGANIC", "LIO-ORG ",
                                               "NETAPP",   "netapp",  "sdb",     "xsdb",    "sd",
                                               "IBM 2145", "LIO",     "a$b^c.d*"};
    for (const char* text : {"ORG", "^ORG", "ORG$", "^ORG$", "LIO-ORG", "^sd", "sdb$", "^$", "^", "$", ".*",
                             "!ORG", "!^sd", "!.*", "IBM 2145", "^NETAPP$", " "}) {
        const auto pattern = Pattern::compile(text);
        ASSERT_TRUE(pattern.ok()) << text;
        std::string_view expr = text;
        const bool inverted = expr.starts_with('!');
        const std::regex reference(std::string(expr.substr(inverted ? 1 : 0)),
                                   std::regex::extended | std::regex::nosubs);
        for (const auto& subject : subjects) {
            EXPECT_EQ(pattern.value().matches(subject), std::regex_search(subject, reference) != inverted)
                << "pattern \"" << text << "\" on \"" << subject << "\"";
        }
    }
}

// The pattern compiles exactly when std::regex (POSIX extended) does, and then answers as its search does on
// every subject ("!" inverting the answer).
void expect_matches_as_regex_search(std::string_view text, const std::vector<std::string>& subjects) {
    const bool inverted = text.starts_with('!');
    std::optional<std::regex> reference;
    try {
        reference.emplace(std::string(text.substr(inverted ? 1 : 0)),
                          std::regex::extended | std::regex::nosubs);
    } catch (const std::regex_error&) {
    }
    const auto pattern = Pattern::compile(text);
    ASSERT_EQ(pattern.ok(), reference.has_value()) << text;
    if (!reference) {
        return;
    }
    for (const auto& subject : subjects) {
        EXPECT_EQ(pattern.value().matches(subject), std::regex_search(subject, *reference) != inverted)
            << "pattern \"" << text << "\" on \"" << subject << "\"";
    }
}

// Simple bracket expressions are compiled as alternations: the same answers as the regex search.
TEST(APattern, WithBracketsMatchesAsTheRegexSearchDoes) {
    const std::vector<std::string> subjects = {
        "",      "NVMe",       "NVME",    "NVMx",   "xNVMe",  "MSA1000", "HSV110", "HSV120", "E2000",
        "E5000", "IBM   2145", "IBM2145", "TP9300", "TP9600", "sda",     "sdz",    "sd1",    "dm-3",
        "a-b",   "DD4A-foo",   "LUN_Z",   "[eE]",   "e",      "ram0",    "loop12", "Z",      "-"};
    for (const char* text :
         {"NVM[eE]", "(MSA|HSV)1[01]0", "E[234]000", "IBM[ ]+2145", "TP9[3457]00", "^DD[46]A-", "^sd[a-z]$",
          "!^sd[a-z]", "[0-9]", "^(ram|loop)[0-9]*$", "LUN[_ ]Z", "[a-c][x-z]", "[A-Z]$", "[^a]", "[a-]",
          "[[:digit:]]", "[]a]", "[z-a]x", "[a-Z]"}) {
        expect_matches_as_regex_search(text, subjects);
    }
}

// A group of text alternatives is matched as text too, anchored or not; every pattern of the built-in device
// table answers as the regex search does on every vendor and product text of the table.
TEST(APattern, WithTextAlternativesMatchesAsTheRegexSearchDoes) {
    std::vector<std::string> subjects = {"",  "HP", "HPE", "xHPx", "HITACHI", "A",
                                         "B", "AB", "BA",  "C",    "AC",      "|"};
    std::vector<std::string> texts = {"(A|B)",  "^(A|B)", "(A|B)$",      "^(A|B)$",          "(A|)", "(|A)",
                                      "(A|B)C", "!(A|B)", "!^(HP|HPE)$", "(HITACHI|HP|HPE)", "(A)",  "()"};
    for (const auto& row : device_table_rows()) {
        for (std::string_view field : {row.vendor, row.product, row.revision}) {
            if (!field.empty()) {
                texts.emplace_back(field);
                subjects.emplace_back(field);
            }
        }
        for (const auto& [name, value] : row.settings) {
            if (name == "product_blacklist") {
                texts.emplace_back(value);
            }
        }
    }
    // The table's own texts as subjects, and what a device reports that comes close to them.
    for (std::size_t i = 0, n = subjects.size(); i < n; ++i) {
        std::string inner = subjects[i];
        std::erase_if(inner, [](char c) { return c == '^' || c == '$' || c == '(' || c == ')'; });
        for (std::size_t start = 0; start <= inner.size();) {
            const std::size_t bar = std::min(inner.find('|', start), inner.size());
            const std::string piece = inner.substr(start, bar - start);
            subjects.insert(subjects.end(),
                            {piece, piece + " ", "x" + piece, piece.substr(0, piece.size() / 2)});
            start = bar + 1;
        }
    }
    for (const auto& text : texts) {
        expect_matches_as_regex_search(text, subjects);
    }
}

TEST(APattern, WithOperatorsIsStillARegex) {
    EXPECT_TRUE(Pattern::compile("^(RAID|DISK)").value().matches("DISK ARRAY"));
    EXPECT_FALSE(Pattern::compile("^(RAID|DISK)").value().matches("A DISK"));
    EXPECT_TRUE(Pattern::compile("IBM[ ]+2145").value().matches("IBM   2145"));
    EXPECT_TRUE(Pattern::compile("a.c").value().matches("abc"));
    EXPECT_FALSE(Pattern::compile("a.c").value().matches("a.d"));
    EXPECT_TRUE(Pattern::compile("x$y").ok());  // "$" inside: left to the regex engine
}

TEST(APattern, RejectsBadAndEmptyExpressions) {
    EXPECT_FALSE(Pattern::compile("(").ok());
    EXPECT_FALSE(Pattern::compile("[a-").ok());
    EXPECT_FALSE(Pattern::compile("").ok());
    EXPECT_FALSE(Pattern::compile("!").ok());
}

}  // namespace
}  // namespace pathkeeper::core
