#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "config/config_file.hpp"

namespace pathkeeper::config {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;
using ::testing::HasSubstr;

// Parses text that must be rejected and returns the combined error message.
std::string errors_of(const std::string& yaml) {
    auto r = parse_config(yaml, "test.yaml");
    EXPECT_FALSE(r.ok()) << "accepted:\n" << yaml;
    if (r.ok()) {
        return {};
    }
    EXPECT_EQ(r.error().code, ErrorCode::InvalidConfig);
    return r.error().message;
}

core::Config parsed(const std::string& yaml) {
    auto r = parse_config(yaml, "test.yaml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : core::Config{};
}

TEST(AConfigFile, ThatIsEmptyGivesTheBuiltInConfiguration) {
    auto config = parsed("");
    EXPECT_TRUE(config.devices.empty());
    EXPECT_TRUE(config.multipaths.empty());
    EXPECT_FALSE(config.defaults.global.polling_interval.has_value());
    EXPECT_EQ(config.source_file, "test.yaml");
}

TEST(AConfigFile, WithOnlyCommentsIsValid) {
    auto config = parsed("# nothing here\n\n# still nothing\n");
    EXPECT_TRUE(config.multipaths.empty());
}

TEST(AConfigFile, ReadsDefaultsWithTheirTypes) {
    auto config = parsed(
        "defaults:\n"
        "  polling_interval: 2s\n"
        "  fast_recheck_interval: 100ms\n"
        "  find_multipaths: greedy\n"
        "  user_friendly_names: yes\n"
        "  no_path_retry: 12\n"
        "  failback: 30\n"
        "  path_selector: \"round-robin 0\"\n"
        "  hardware_handler: \"1 alua\"\n"
        "  fast_io_fail: 2s\n");
    const auto& d = config.defaults;
    EXPECT_EQ(d.global.polling_interval, 2000ms);
    EXPECT_EQ(d.global.fast_recheck_interval, 100ms);
    EXPECT_EQ(d.global.find_multipaths, core::FindMultipaths::Greedy);
    EXPECT_EQ(d.map.user_friendly_names, true);
    EXPECT_EQ(d.map.no_path_retry, core::NoPathRetry::retries(12));
    EXPECT_EQ(d.map.failback, core::Failback::after(30s));
    EXPECT_EQ(d.map.path_selector, core::PathSelector::RoundRobin);
    EXPECT_EQ(d.map.hardware_handler, core::HardwareHandler::Alua);
    EXPECT_EQ(d.map.fast_io_fail, 2s);
}

TEST(AConfigFile, RecordsWhereEachOptionWasWritten) {
    auto config = parsed("defaults:\n  polling_interval: 2s\n  prio: alua\n");
    EXPECT_EQ(config.defaults.global.locations.at("polling_interval").to_string(), "test.yaml:2:3");
    EXPECT_EQ(config.defaults.map.locations.at("prio").to_string(), "test.yaml:3:3");
}

TEST(AConfigFile, WithATypoedKeyNamesFileLineColumnAndTheKey) {
    auto msg = errors_of("defaults:\n  polling_intervall: 5s\n");
    EXPECT_THAT(msg, HasSubstr("test.yaml:2:3: defaults.polling_intervall: unknown key"));
    EXPECT_THAT(msg, HasSubstr("did you mean 'polling_interval'"));
}

TEST(AConfigFile, WithAnUnknownSectionIsRejected) {
    auto msg = errors_of("default:\n  polling_interval: 5s\n");
    EXPECT_THAT(msg, HasSubstr("test.yaml:1:1: default: unknown key"));
    EXPECT_THAT(msg, HasSubstr("did you mean 'defaults'"));
}

TEST(AConfigFile, WithABadDurationNamesTheKeyAndTheText) {
    auto msg = errors_of("defaults:\n  polling_interval: 5x\n");
    EXPECT_THAT(msg, HasSubstr("test.yaml:2:21: defaults.polling_interval: invalid duration \"5x\""));
}

TEST(AConfigFile, WithATooShortPollingIntervalIsRejected) {
    auto msg = errors_of("defaults:\n  polling_interval: 1ms\n");
    EXPECT_THAT(msg, HasSubstr("defaults.polling_interval: duration \"1ms\" is too short"));
}

TEST(AConfigFile, WithABadEnumValueListsTheValidOnes) {
    auto msg = errors_of("defaults:\n  path_grouping_policy: group_by_color\n");
    EXPECT_THAT(msg, HasSubstr("test.yaml:2:25: defaults.path_grouping_policy: invalid path_grouping_policy "
                               "\"group_by_color\""));
    EXPECT_THAT(msg, HasSubstr("failover, multibus, group_by_prio, group_by_serial, group_by_node_name"));
}

TEST(AConfigFile, WithABadCheckerListsTheValidCheckers) {
    EXPECT_THAT(errors_of("defaults:\n  path_checker: cciss_tur\n"),
                HasSubstr("(valid: tur, directio, none, readsector0, rdac, hp_sw, emc_clariion)"));
}

TEST(AConfigFile, TurnsLocalLinkFailoverOffOrRejectsABadValue) {
    EXPECT_EQ(core::resolve_global_options(core::Config{}).local_link_failover.value, true);
    EXPECT_EQ(parsed("defaults:\n  local_link_failover: off\n").defaults.global.local_link_failover, false);
    EXPECT_THAT(errors_of("defaults:\n  local_link_failover: fast\n"),
                HasSubstr("test.yaml:2:24: defaults.local_link_failover: invalid boolean \"fast\""));
}

TEST(AConfigFile, WithABadBooleanIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  user_friendly_names: maybe\n"),
                HasSubstr("test.yaml:2:24: defaults.user_friendly_names: invalid boolean \"maybe\""));
}

TEST(AConfigFile, WithAListWhereAValueBelongsIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  no_path_retry: [1, 2]\n"),
                HasSubstr("defaults.no_path_retry: expected queue, fail or a number, got a list"));
}

TEST(AConfigFile, WithAMissingValueIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  prio:\n"), HasSubstr("defaults.prio: missing value"));
}

TEST(AConfigFile, WithAnOutOfRangeNumberIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  pg_init_retries: 51\n"),
                HasSubstr("defaults.pg_init_retries: value 51 out of range (0..50)"));
    EXPECT_THAT(errors_of("defaults:\n  rr_min_io_rq: 0\n"), HasSubstr("rr_min_io_rq: value 0 out of range"));
}

TEST(AConfigFile, WithFractionalFastIoFailIsRejectedBecauseRecoveryTmoIsInSeconds) {
    EXPECT_THAT(errors_of("defaults:\n  fast_io_fail: 1500ms\n"),
                HasSubstr("defaults.fast_io_fail: must be whole seconds"));
}

TEST(AConfigFile, AcceptsFastIoFailOff) {
    EXPECT_EQ(parsed("defaults:\n  fast_io_fail: off\n").defaults.map.fast_io_fail, core::kFastIoFailOff);
}

TEST(AConfigFile, KeepsFastIoFailZeroApartFromOffBecauseZeroMeansFailAtOnce) {
    EXPECT_EQ(parsed("defaults:\n  fast_io_fail: 0s\n").defaults.map.fast_io_fail, 0s);
    EXPECT_EQ(parsed("defaults:\n  fast_io_fail: 0\n").defaults.map.fast_io_fail, 0s);
}

TEST(AConfigFile, AcceptsLastPathRecoveryTmoSessionOrWholeSecondsAndNamesAnythingElse) {
    EXPECT_EQ(parsed("defaults:\n  last_path_recovery_tmo: session\n").defaults.map.last_path_recovery_tmo,
              core::kRecoveryTmoOfSession);
    EXPECT_EQ(parsed("defaults:\n  last_path_recovery_tmo: 30s\n").defaults.map.last_path_recovery_tmo, 30s);
    EXPECT_THAT(errors_of("defaults:\n  last_path_recovery_tmo: off\n"),
                HasSubstr("test.yaml:2:27: defaults.last_path_recovery_tmo"));
    EXPECT_THAT(errors_of("defaults:\n  last_path_recovery_tmo: 2500ms\n"),
                HasSubstr("defaults.last_path_recovery_tmo: must be whole seconds"));
}

TEST(AConfigFile, ReadsReservationOptionsInEverySection) {
    auto config = parsed(
        "defaults:\n"
        "  reservation_key: 0x123abc\n"
        "  reservation_aptpl: yes\n"
        "  reservation_all_tg_pt: yes\n"
        "  reservation_keys_file: /etc/multipath/prkeys\n"
        "devices:\n"
        "  - vendor: ACME\n"
        "    product: Disk\n"
        "    reservation_key: file\n"
        "overrides:\n"
        "  reservation_key: 0XFFFFFFFFFFFFFFFF\n"
        "  reservation_aptpl: no\n"
        "multipaths:\n"
        "  - wwid: 3600a\n"
        "    reservation_key: none\n"
        "    reservation_all_tg_pt: no\n");
    EXPECT_EQ(config.defaults.map.reservation_key, core::ReservationKey::fixed(0x123abc));
    EXPECT_EQ(config.defaults.map.reservation_aptpl, true);
    EXPECT_EQ(config.defaults.map.reservation_all_tg_pt, true);
    EXPECT_EQ(config.defaults.global.reservation_keys_file, "/etc/multipath/prkeys");
    ASSERT_EQ(config.devices.size(), 1u);
    EXPECT_EQ(config.devices[0].options.reservation_key, core::ReservationKey::file());
    EXPECT_EQ(config.overrides.reservation_key, core::ReservationKey::fixed(0xffffffffffffffffULL));
    EXPECT_EQ(config.overrides.reservation_aptpl, false);
    ASSERT_EQ(config.multipaths.size(), 1u);
    EXPECT_EQ(config.multipaths[0].options.reservation_key, core::ReservationKey::none());
    EXPECT_EQ(config.multipaths[0].options.reservation_all_tg_pt, false);
    EXPECT_EQ(config.multipaths[0].options.locations.at("reservation_key").to_string(), "test.yaml:15:5");
}

TEST(AConfigFile, AcceptsAReservationKeyOfOneToSixteenHexDigits) {
    EXPECT_EQ(parsed("defaults:\n  reservation_key: 0x1\n").defaults.map.reservation_key,
              core::ReservationKey::fixed(1));
    EXPECT_EQ(parsed("defaults:\n  reservation_key: \"0x00000000000000aB\"\n").defaults.map.reservation_key,
              core::ReservationKey::fixed(0xab));
    EXPECT_EQ(parsed("defaults:\n  reservation_key: FILE\n").defaults.map.reservation_key,
              core::ReservationKey::file());
}

TEST(AConfigFile, WithABadReservationKeyNamesTheKeyAndTheValueInEverySection) {
    EXPECT_THAT(errors_of("defaults:\n  reservation_key: 0xZZ\n"),
                HasSubstr("test.yaml:2:20: defaults.reservation_key: invalid reservation_key \"0xZZ\": not a "
                          "hexadecimal key (0x followed by 1 to 16 hex digits), file or none"));
    EXPECT_THAT(errors_of("devices:\n  - vendor: A\n    product: B\n    reservation_key: 123abc\n"),
                HasSubstr("devices[0].reservation_key: invalid reservation_key \"123abc\""));
    EXPECT_THAT(errors_of("overrides:\n  reservation_key: 0x12345678901234567\n"),
                HasSubstr("overrides.reservation_key: invalid reservation_key \"0x12345678901234567\""));
    EXPECT_THAT(errors_of("multipaths:\n  - wwid: 3600a\n    reservation_key: 0x\n"),
                HasSubstr("multipaths[0].reservation_key: invalid reservation_key \"0x\""));
    EXPECT_THAT(errors_of("defaults:\n  reservation_key: 0x123abc:aptpl\n"),
                HasSubstr("defaults.reservation_key: invalid reservation_key \"0x123abc:aptpl\""));
    EXPECT_THAT(errors_of("defaults:\n  reservation_key: [0x1]\n"), HasSubstr("defaults.reservation_key"));
}

TEST(AConfigFile, WithAZeroReservationKeySaysThatNoneMeansNoKey) {
    EXPECT_THAT(errors_of("defaults:\n  reservation_key: 0x0000\n"),
                HasSubstr("defaults.reservation_key: invalid reservation_key \"0x0000\": the key must not be "
                          "zero (none: no key)"));
}

TEST(AConfigFile, WithBadReservationFlagsOrKeysFileIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  reservation_aptpl: maybe\n"),
                HasSubstr("defaults.reservation_aptpl"));
    EXPECT_THAT(errors_of("overrides:\n  reservation_all_tg_pt: 2\n"),
                HasSubstr("overrides.reservation_all_tg_pt"));
    EXPECT_THAT(errors_of("defaults:\n  reservation_keys_file: prkeys\n"),
                HasSubstr("defaults.reservation_keys_file: must be an absolute path"));
    EXPECT_THAT(errors_of("overrides:\n  reservation_keys_file: /etc/multipath/prkeys\n"),
                HasSubstr("reservation_keys_file"));
}

TEST(AConfigFile, WithAGlobalOptionOutsideDefaultsIsRejected) {
    EXPECT_THAT(errors_of("overrides:\n  polling_interval: 5s\n"),
                HasSubstr("test.yaml:2:3: overrides.polling_interval: unknown key in overrides"));
}

TEST(AConfigFile, WithADuplicateKeyIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  prio: alua\n  prio: const\n"),
                HasSubstr("test.yaml:3:3: defaults.prio: duplicate key"));
}

TEST(AConfigFile, ReportsEveryErrorNotJustTheFirst) {
    auto msg = errors_of(
        "defaults:\n"
        "  polling_interval: soon\n"
        "  prio: magic\n"
        "  bogus: 1\n"
        "devices:\n"
        "  - vendor: \"(\"\n"
        "    product: x\n");
    EXPECT_THAT(msg, HasSubstr("test.yaml:2:"));
    EXPECT_THAT(msg, HasSubstr("test.yaml:3:"));
    EXPECT_THAT(msg, HasSubstr("test.yaml:4:"));
    EXPECT_THAT(msg, HasSubstr("test.yaml:6:"));
    // In file order, one per line.
    EXPECT_LT(msg.find("test.yaml:2:"), msg.find("test.yaml:3:"));
    EXPECT_LT(msg.find("test.yaml:4:"), msg.find("test.yaml:6:"));
}

TEST(AConfigFile, ReadsDeviceRulesWithOptions) {
    auto config = parsed(
        "devices:\n"
        "  - vendor: \"ACME\"\n"
        "    product: \"^Disk\"\n"
        "    no_path_retry: queue\n"
        "    path_grouping_policy: multibus\n");
    ASSERT_EQ(config.devices.size(), 1u);
    const auto& rule = config.devices[0];
    EXPECT_EQ(rule.vendor, "ACME");
    EXPECT_TRUE(rule.matches("ACME", "Disk 9000"));
    EXPECT_FALSE(rule.matches("ACME", "A Disk"));
    EXPECT_EQ(rule.options.no_path_retry, core::NoPathRetry::queue());
    EXPECT_EQ(rule.where.to_string(), "test.yaml:2:5");
}

TEST(AConfigFile, WithABadRegexNamesItsLocation) {
    auto msg = errors_of("devices:\n  - vendor: \"LIO[\"\n    product: \".*\"\n");
    EXPECT_THAT(msg, HasSubstr("test.yaml:2:13: devices[0].vendor: invalid regular expression \"LIO[\""));
}

TEST(AConfigFile, WithADeviceRuleMissingProductIsRejected) {
    EXPECT_THAT(
        errors_of("devices:\n  - vendor: ACME\n    prio: alua\n"),
        HasSubstr(
            "test.yaml:2:5: devices[0]: a device rule needs both vendor and product (missing product)"));
}

TEST(AConfigFile, WithDevicesAsAMappingIsRejected) {
    EXPECT_THAT(errors_of("devices:\n  vendor: ACME\n"),
                HasSubstr("devices: expected a list of device rules"));
}

TEST(AConfigFile, ReadsMultipathEntries) {
    auto config = parsed(
        "multipaths:\n"
        "  - wwid: 36001405aaaa\n"
        "    alias: data\n"
        "    no_path_retry: queue\n"
        "  - wwid: 36001405bbbb\n");
    ASSERT_EQ(config.multipaths.size(), 2u);
    EXPECT_EQ(config.multipaths[0].alias, "data");
    EXPECT_FALSE(config.multipaths[1].alias.has_value());
    ASSERT_NE(config.find_multipath("36001405bbbb"), nullptr);
    EXPECT_EQ(config.find_multipath("36001405bbb"), nullptr);  // exact match, not a prefix
}

TEST(AConfigFile, WithADuplicateWwidNamesBothPlaces) {
    auto msg = errors_of(
        "multipaths:\n"
        "  - wwid: 36001405aaaa\n"
        "  - wwid: 36001405aaaa\n");
    EXPECT_THAT(msg, HasSubstr("test.yaml:3:11: multipaths[1].wwid: duplicate WWID 36001405aaaa (first at "
                               "test.yaml:2:11)"));
}

TEST(AConfigFile, WithADuplicateAliasNamesTheOtherWwid) {
    auto msg = errors_of(
        "multipaths:\n"
        "  - wwid: 36001405aaaa\n"
        "    alias: data\n"
        "  - wwid: 36001405bbbb\n"
        "    alias: data\n");
    EXPECT_THAT(msg,
                HasSubstr("test.yaml:5:12: multipaths[1].alias: duplicate alias data (already used for WWID "
                          "36001405aaaa at test.yaml:3:12)"));
}

TEST(AConfigFile, WithAnAliasContainingASlashIsRejected) {
    EXPECT_THAT(errors_of("multipaths:\n  - wwid: 3600\n    alias: a/b\n"),
                HasSubstr("multipaths[0].alias: an alias is a device name"));
}

TEST(AConfigFile, WithAMultipathsWwidTheWwidRuleRefusesIsRejectedNamingIt) {
    EXPECT_THAT(errors_of("multipaths:\n  - wwid: \"3600 a0b8\"\n"),
                HasSubstr("test.yaml:2:11: multipaths[0].wwid: WWID '3600 a0b8' contains whitespace"));
    EXPECT_THAT(errors_of("multipaths:\n  - wwid: 3600/a0b8\n"),
                HasSubstr("test.yaml:2:11: multipaths[0].wwid: WWID '3600/a0b8' contains '/'"));
    EXPECT_THAT(errors_of("multipaths:\n  - wwid: \"3600\\nX=1\"\n"),
                HasSubstr("multipaths[0].wwid: WWID '3600\\x0aX=1' contains whitespace"));
    EXPECT_THAT(errors_of("multipaths:\n  - wwid: " + std::string(123, '3') + "\n"),
                HasSubstr("multipaths[0].wwid: WWID '"));
    EXPECT_THAT(errors_of("multipaths:\n  - wwid: \"36\u00e9\"\n"),
                HasSubstr("multipaths[0].wwid: WWID '36\\xc3\\xa9' contains non-ASCII bytes"));
}

TEST(AConfigFile, WithABlacklistWwidLiteralThatCanNeverMatchIsRejectedButRegexesPass) {
    EXPECT_THAT(
        errors_of("blacklist:\n  wwid:\n    - \"3600 a0b8\"\n"),
        HasSubstr("test.yaml:3:7: blacklist.wwid: can never match: WWID '3600 a0b8' contains whitespace"));
    EXPECT_THAT(errors_of("blacklist:\n  wwid: 3600/a0b8\n"),
                HasSubstr("blacklist.wwid: can never match: WWID '3600/a0b8' contains '/'"));
    auto config = parsed("blacklist:\n  wwid:\n    - \"^3600a0b8.*\"\n    - \"[^ ]+ x\"\n    - 3600a0b8\n");
    EXPECT_EQ(config.blacklist.wwid.size(), 3U);
}

TEST(AConfigFile, WithAMultipathEntryWithoutWwidIsRejected) {
    EXPECT_THAT(errors_of("multipaths:\n  - alias: data\n"),
                HasSubstr("test.yaml:2:5: multipaths[0]: a multipaths entry needs a wwid"));
}

TEST(AConfigFile, ReadsBlacklistsAsAListOrASingleRegex) {
    auto config = parsed(
        "blacklist:\n"
        "  devnode: \"^sda$\"\n"
        "  wwid: [\"^3600508\", \"^35000\"]\n"
        "  device:\n"
        "    - vendor: ATA\n"
        "blacklist_exceptions:\n"
        "  property: \"ID_SCSI\"\n");
    EXPECT_EQ(config.blacklist.devnode.size(), 1u);
    EXPECT_EQ(config.blacklist.wwid.size(), 2u);
    ASSERT_EQ(config.blacklist.device.size(), 1u);
    EXPECT_FALSE(config.blacklist.device[0].product.has_value());
    EXPECT_EQ(config.blacklist_exceptions.property.size(), 1u);
    EXPECT_EQ(config.blacklist.wwid[1].where.to_string(), "test.yaml:3:22");
}

TEST(AConfigFile, WithABadBlacklistRegexNamesItsListIndex) {
    EXPECT_THAT(errors_of("blacklist:\n  wwid: [\"ok\", \"(unclosed\"]\n"),
                HasSubstr("test.yaml:2:16: blacklist.wwid[1]: invalid regular expression \"(unclosed\""));
}

TEST(AConfigFile, WithAnEmptyBlacklistDeviceRuleIsRejected) {
    EXPECT_THAT(errors_of("blacklist:\n  device:\n    - {}\n"), HasSubstr("needs a vendor or a product"));
}

TEST(AConfigFile, WithAnUnknownBlacklistKindIsRejected) {
    EXPECT_THAT(errors_of("blacklist:\n  getuid_callout: scsi\n"),
                HasSubstr("blacklist.getuid_callout: unknown key"));
}

TEST(AConfigFile, WithMaxPollingBelowPollingIsRejected) {
    EXPECT_THAT(
        errors_of("defaults:\n  polling_interval: 10s\n  max_polling_interval: 5s\n"),
        HasSubstr("test.yaml:3:3: defaults.max_polling_interval: must not be shorter than polling_interval"));
}

TEST(AConfigFile, WithARelativeBindingsPathIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  bindings_file: bindings\n"),
                HasSubstr("defaults.bindings_file: must be an absolute path"));
}

TEST(AConfigFile, TakesAnAbsoluteMetricsDirectoryOrOff) {
    const auto config =
        parsed("defaults:\n  metrics_textfile_directory: /run/node-exporter\n  metrics_interval: 1m\n");
    EXPECT_EQ(config.defaults.global.metrics_textfile_directory, "/run/node-exporter");
    EXPECT_EQ(config.defaults.global.metrics_interval, 60s);
    EXPECT_EQ(
        parsed("defaults:\n  metrics_textfile_directory: off\n").defaults.global.metrics_textfile_directory,
        "off");
    const auto resolved = core::resolve_global_options(parsed(""));
    EXPECT_EQ(resolved.metrics_textfile_directory.value, "/var/lib/prometheus/node-exporter");
    EXPECT_EQ(resolved.metrics_interval.value, 15s);
}

TEST(AConfigFile, WithARelativeOrEmptyMetricsDirectoryIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  metrics_textfile_directory: prometheus\n"),
                HasSubstr("test.yaml:2:31: defaults.metrics_textfile_directory: must be an absolute path"));
    EXPECT_THAT(errors_of("defaults:\n  metrics_textfile_directory: \"\"\n"),
                HasSubstr("defaults.metrics_textfile_directory: must not be empty"));
    EXPECT_THAT(errors_of("defaults:\n  metrics_textfile_directory:\n"),
                HasSubstr("defaults.metrics_textfile_directory: missing value"));
    EXPECT_THAT(errors_of("defaults:\n  metrics_textfile_directory: [/a, /b]\n"),
                HasSubstr("defaults.metrics_textfile_directory: expected a string, got a list"));
}

TEST(AConfigFile, WithAMetricsIntervalUnderASecondIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  metrics_interval: 500ms\n"),
                HasSubstr("defaults.metrics_interval: duration \"500ms\" is too short (minimum 1s)"));
    EXPECT_THAT(errors_of("defaults:\n  metrics_interval: 0\n"), HasSubstr("defaults.metrics_interval: "));
    EXPECT_EQ(parsed("defaults:\n  metrics_interval: 1s\n").defaults.global.metrics_interval, 1s);
}

TEST(AConfigFile, TakesTheMetricsOptionsOnlyUnderDefaults) {
    EXPECT_THAT(errors_of("devices:\n  - vendor: ACME\n    metrics_interval: 5s\n"),
                HasSubstr("unknown key"));
    EXPECT_THAT(errors_of("multipaths:\n  - wwid: 3600a\n    metrics_textfile_directory: /tmp\n"),
                HasSubstr("unknown key"));
}

TEST(AConfigFile, WithATopLevelListIsRejected) {
    EXPECT_THAT(errors_of("- defaults\n"), HasSubstr("test.yaml:1:1: the top level must be a mapping"));
}

TEST(AConfigFile, WithASectionOfTheWrongShapeIsRejected) {
    EXPECT_THAT(errors_of("defaults: 5\n"), HasSubstr("test.yaml:1:11: defaults: expected a mapping"));
}

TEST(AConfigFile, WithASyntaxErrorReportsItsLocation) {
    auto msg = errors_of("defaults:\n  prio: [alua\n");
    EXPECT_THAT(msg, HasSubstr("test.yaml:"));
    EXPECT_THAT(msg, HasSubstr("YAML syntax error"));
}

TEST(AConfigFile, MapsMultipathConfFindMultipathsSpellings) {
    EXPECT_EQ(parsed("defaults:\n  find_multipaths: yes\n").defaults.global.find_multipaths,
              core::FindMultipaths::On);
    EXPECT_EQ(parsed("defaults:\n  find_multipaths: smart\n").defaults.global.find_multipaths,
              core::FindMultipaths::Smart);
    EXPECT_EQ(parsed("defaults:\n  find_multipaths: no\n").defaults.global.find_multipaths,
              core::FindMultipaths::Greedy);
    EXPECT_EQ(parsed("defaults:\n  find_multipaths: strict\n").defaults.global.find_multipaths,
              core::FindMultipaths::Strict);
}

TEST(AConfigFile, TreatsNoPathRetryZeroAsFailLikeMultipathTools) {
    EXPECT_EQ(parsed("defaults:\n  no_path_retry: 0\n").defaults.map.no_path_retry,
              core::NoPathRetry::fail());
}

TEST(AConfigFile, WithABadValueInsideADeviceRuleNamesTheRuleIndex) {
    EXPECT_THAT(
        errors_of(
            "devices:\n  - vendor: A\n    product: B\n  - vendor: C\n    product: D\n    prio: random\n"),
        HasSubstr(
            "test.yaml:6:11: devices[1].prio: invalid prio \"random\" (valid: const, alua, sysfs, rdac"));
}

TEST(AConfigFile, WithAnUnknownKeyInAMultipathEntryIsRejected) {
    EXPECT_THAT(
        errors_of("multipaths:\n  - wwid: w1\n    alais: data\n"),
        HasSubstr("test.yaml:3:5: multipaths[0].alais: unknown key in a multipaths entry (did you mean "
                  "'alias'?)"));
}

TEST(AConfigFile, WithAFlapHoldMaxBelowTheHoldTimeIsRejected) {
    EXPECT_THAT(
        errors_of("overrides:\n  flap_hold_time: 1m\n  flap_hold_max: 30s\n"),
        HasSubstr("test.yaml:3:3: overrides.flap_hold_max: must not be shorter than flap_hold_time (1m)"));
}

TEST(AConfigFile, WithAFastRecheckSlowerThanPollingIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  polling_interval: 1s\n  fast_recheck_interval: 2s\n"),
                HasSubstr("defaults.fast_recheck_interval: must not be longer than polling_interval (1s)"));
}

TEST(AConfigFile, WithTwoDocumentsIsRejectedInsteadOfIgnoringTheSecond) {
    EXPECT_THAT(errors_of("defaults: {}\n---\noverrides: {no_path_retry: queue}\n"),
                HasSubstr("more than one YAML document"));
}

TEST(AConfigFile, WithAFailbackDelayInMillisecondsIsRejected) {
    EXPECT_THAT(errors_of("defaults:\n  failback: 1500ms\n"), HasSubstr("the delay must be whole seconds"));
}

TEST(AConfigFile, ThatIsMissingIsNotFound) {
    auto r = load_config_file("/nonexistent/pathkeeper.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::NotFound);
}

TEST(AConfigFile, ThatIsADirectoryIsAnIoErrorNotAnEmptyConfig) {
    auto r = load_config_file(PATHKEEPER_TEST_DATA_DIR);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().code, ErrorCode::NotFound);
}

TEST(AConfigFile, LoadedFromDiskNamesThatFileInErrors) {
    const std::string path = std::string(PATHKEEPER_TEST_DATA_DIR) + "/config/typo.yaml";
    auto r = load_config_file(path);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr(path + ":3:3: defaults.no_path_retyr: unknown key"));
    EXPECT_THAT(r.error().message, HasSubstr(path + ":4:21: defaults.polling_interval: invalid duration"));
}

}  // namespace
}  // namespace pathkeeper::config
