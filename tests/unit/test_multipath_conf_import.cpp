// pathctl config import: multipath.conf -> pathkeeper.yaml. The YAML must always be accepted by the
// project's own parse_config, and every option of the input must be written or reported.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config_file.hpp"
#include "migrate/import.hpp"
#include "migrate/multipath_conf.hpp"

namespace pathkeeper::migrate {
namespace {

using core::FindMultipaths;
using core::NoPathRetry;
using Kind = ImportNote::Kind;

const std::filesystem::path data_dir = std::filesystem::path(PATHKEEPER_TEST_DATA_DIR) / "multipath-conf";

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::vector<std::filesystem::path> example_files() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
        if (entry.path().extension() == ".conf") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

ImportResult import_ok(std::string_view text) {
    auto r = import_multipath_conf(text, "multipath.conf");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : ImportResult{};
}

// Imports and parses the YAML back; fails the test if parse_config rejects it.
core::Config import_and_parse(std::string_view text, ImportResult* out = nullptr) {
    ImportResult result = import_ok(text);
    auto config = config::parse_config(result.yaml, "imported.yaml");
    EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().message) << "\n--- YAML ---\n"
                             << result.yaml;
    if (out != nullptr) {
        *out = result;
    }
    return config.ok() ? *config : core::Config{};
}

const ImportNote* find_note(const ImportResult& r, std::string_view option, Kind kind) {
    for (const auto& n : r.notes) {
        if (n.option == option && n.kind == kind) {
            return &n;
        }
    }
    return nullptr;
}

std::string all_notes(const ImportResult& r) {
    std::string out;
    for (const auto& n : r.notes) {
        out += n.to_string() + "\n";
    }
    return out;
}

// ---- Every example file.

TEST(EveryExampleMultipathConf, ImportsToYamlThatParseConfigAccepts) {
    const auto files = example_files();
    ASSERT_GE(files.size(), 8u);
    for (const auto& file : files) {
        SCOPED_TRACE(file.filename().string());
        auto result = import_multipath_conf(read_text(file), file.string());
        ASSERT_TRUE(result.ok()) << result.error().message;
        auto report = config::parse_config_report(result->yaml, "imported.yaml");
        for (const auto& d : report.diagnostics) {
            ADD_FAILURE() << d.to_string() << "\n--- YAML ---\n" << result->yaml;
        }
    }
}

// Each attribute line is either written to the YAML ("# line N") or named by a note; the keys that
// identify a device/multipath entry count when their entry does.
TEST(EveryExampleMultipathConf, AccountsForEveryAttributeLine) {
    for (const auto& file : example_files()) {
        SCOPED_TRACE(file.filename().string());
        const std::string text = read_text(file);
        auto conf = parse_multipath_conf(text, file.string());
        ASSERT_TRUE(conf.ok());
        auto result = import_multipath_conf(text, file.string());
        ASSERT_TRUE(result.ok());
        std::set<int> noted;
        for (const auto& n : result->notes) {
            noted.insert(n.line);
        }
        auto accounted = [&](int line) {
            return noted.count(line) > 0 ||
                   result->yaml.find("# line " + std::to_string(line) + "\n") != std::string::npos;
        };
        auto check_section = [&](const ConfSection& s, auto&& self) -> void {
            for (const auto& a : s.attributes) {
                static const std::set<std::string> identity{"vendor", "product", "revision",
                                                            "wwid",   "alias",   "type"};
                const bool ok = accounted(a.line) || (identity.count(a.keyword) > 0 && accounted(s.line));
                EXPECT_TRUE(ok) << file.filename().string() << ":" << a.line << ": " << a.keyword
                                << " was neither written nor reported\n"
                                << result->yaml << all_notes(*result);
            }
            for (const auto& sub : s.subsections) {
                if (noted.count(sub.line) > 0 && sub.name == "protocol") {
                    continue;  // the whole subsection is reported as one note
                }
                self(sub, self);
            }
        };
        for (const auto& s : conf->sections) {
            check_section(s, check_section);
        }
    }
}

TEST(TheManPageDefaultsExample, ReportsEachOptionPathkeeperHasNoEquivalentFor) {
    ImportResult result;
    import_and_parse(read_text(data_dir / "manpage-defaults.conf"), &result);
    for (const char* keyword : {"reassign_maps",
                                "multipath_dir",
                                "rr_min_io",
                                "max_fds",
                                "wwids_file",
                                "log_checker_err",
                                "force_sync",
                                "strict_timing",
                                "deferred_remove",
                                "partition_delimiter",
                                "san_path_err_threshold",
                                "san_path_err_forget_rate",
                                "san_path_err_recovery_time",
                                "marginal_path_double_failed_time",
                                "marginal_path_err_sample_time",
                                "marginal_path_err_rate_threshold",
                                "marginal_path_err_recheck_gap_time",
                                "delay_watch_checks",
                                "delay_wait_checks",
                                "marginal_pathgroups",
                                "uxsock_timeout",
                                "retrigger_tries",
                                "retrigger_delay",
                                "missing_uev_wait_timeout",
                                "skip_kpartx",
                                "disable_changed_wwids",
                                "remove_retries",
                                "ghost_delay",
                                "enable_foreign",
                                "recheck_wwid",
                                "allow_usb_devices"}) {
        const ImportNote* n = find_note(result, keyword, Kind::NotMapped);
        ASSERT_NE(n, nullptr) << keyword << " not reported\n" << all_notes(result);
        EXPECT_FALSE(n->message.empty());
        EXPECT_GT(n->line, 0) << keyword;
    }
}

TEST(TheManPageDefaultsExample, TranslatesPrioArgsAndDetectChecker) {
    ImportResult result;
    auto config = import_and_parse(read_text(data_dir / "manpage-defaults.conf"), &result);
    EXPECT_EQ(config.defaults.map.prio_args, std::optional<std::string>(""));
    EXPECT_EQ(config.defaults.map.detect_checker, std::optional<bool>(true));
    EXPECT_EQ(find_note(result, "prio_args", Kind::NotMapped), nullptr);
    EXPECT_EQ(find_note(result, "prio_args", Kind::InvalidValue), nullptr);
    EXPECT_EQ(find_note(result, "detect_checker", Kind::NotMapped), nullptr);
}

TEST(TheManPageDefaultsExample, PointsConfigDirAtTheDropInDirectory) {
    ImportResult result;
    import_and_parse(read_text(data_dir / "manpage-defaults.conf"), &result);
    const ImportNote* n = find_note(result, "config_dir", Kind::Info);
    ASSERT_NE(n, nullptr) << all_notes(result);
    EXPECT_NE(n->message.find("/etc/pathkeeper/conf.d"), std::string::npos) << n->message;
    EXPECT_NE(n->message.find("/etc/multipath/conf.d"), std::string::npos) << n->message;
}

TEST(TheManPageDefaultsExample, KeepsTheDefaultsPathkeeperShares) {
    ImportResult result;
    auto config = import_and_parse(read_text(data_dir / "manpage-defaults.conf"), &result);
    const auto& g = config.defaults.global;
    const auto& m = config.defaults.map;
    EXPECT_EQ(g.polling_interval, core::Millis{5000});
    EXPECT_EQ(g.max_polling_interval, core::Millis{20000});
    EXPECT_EQ(g.find_multipaths, FindMultipaths::Strict);
    EXPECT_EQ(g.log_level, core::LogLevel::Notice);
    EXPECT_EQ(m.alias_prefix, "mpath");
    EXPECT_EQ(g.uid_attrs, "sd:ID_SERIAL dasd:ID_UID");
    EXPECT_EQ(m.uid_attribute, "ID_SERIAL");
    EXPECT_EQ(g.find_multipaths_timeout, core::Millis{10000});  // -10: 10s for every device
    EXPECT_NE(find_note(result, "find_multipaths_timeout", Kind::Translated), nullptr);
    EXPECT_EQ(g.multipath_bindings_file, "/etc/multipath/bindings");
    EXPECT_EQ(m.path_selector, core::PathSelector::ServiceTime);
    EXPECT_EQ(m.no_path_retry, NoPathRetry::fail());
    EXPECT_EQ(m.failback, core::Failback::manual());
    EXPECT_EQ(m.checker_timeout, core::Millis{30000});
    EXPECT_EQ(m.fast_io_fail, std::chrono::seconds{5});
    EXPECT_EQ(m.detect_prio, true);
    EXPECT_EQ(m.user_friendly_names, false);
    EXPECT_EQ(g.queue_without_daemon, false);
    EXPECT_NE(find_note(result, "fast_io_fail_tmo", Kind::Translated), nullptr);
    EXPECT_NE(find_note(result, "verbosity", Kind::Translated), nullptr);
    EXPECT_EQ(m.reservation_key, core::ReservationKey::file());
    EXPECT_EQ(g.reservation_keys_file, "/etc/multipath/prkeys");
    EXPECT_EQ(m.reservation_all_tg_pt, false);
    EXPECT_NE(find_note(result, "prkeys_file", Kind::Translated), nullptr);
    EXPECT_NE(find_note(result, "all_tg_pt", Kind::Translated), nullptr);
}

TEST(TheManPageDevicesExample, WritesTheRulesAndReportsHardwareSpecificOptions) {
    ImportResult result;
    auto config = import_and_parse(read_text(data_dir / "manpage-devices.conf"), &result);
    ASSERT_EQ(config.devices.size(), 3u);
    const auto& compellent = config.devices[0];
    EXPECT_EQ(compellent.vendor, "COMPELNT");
    EXPECT_EQ(compellent.product, "Compellent Vol");
    EXPECT_EQ(compellent.revision, "0[0-9]");
    EXPECT_EQ(compellent.options.hardware_handler, core::HardwareHandler::Alua);
    EXPECT_EQ(compellent.options.path_selector, core::PathSelector::QueueLength);
    EXPECT_EQ(compellent.options.pg_init_retries, 50u);
    EXPECT_EQ(compellent.options.no_path_retry, NoPathRetry::queue());
    EXPECT_EQ(compellent.options.flap_threshold, 5u);
    EXPECT_EQ(compellent.options.flap_hold_time, core::Millis{600000});
    EXPECT_EQ(compellent.options.flap_hold_max, core::Millis{600000});
    // product_blacklist is a blacklist rule; the quoted '""' is one '"'.
    ASSERT_EQ(config.blacklist.device.size(), 1u);
    EXPECT_EQ(config.blacklist.device[0].product->text(), "2.5\" SSD");
    EXPECT_TRUE(config.blacklist.device[0].vendor->matches("COMPELNT"));
    EXPECT_EQ(compellent.options.alias_prefix, "cmp");
    EXPECT_EQ(compellent.options.uid_attribute, "ID_SERIAL");
    EXPECT_EQ(compellent.options.vpd_vendor, "hp3par");
    EXPECT_EQ(find_note(result, "vpd_vendor", Kind::NotMapped), nullptr);
    // HP HSV: hw handler, the hp_sw checker and prioritizer kept.
    EXPECT_EQ(config.devices[1].options.hardware_handler, core::HardwareHandler::HpSw);
    EXPECT_EQ(config.devices[1].options.no_path_retry, NoPathRetry::retries(12));
    EXPECT_EQ(config.devices[1].options.path_checker, core::CheckerKind::HpSw);
    EXPECT_EQ(config.devices[1].options.prio, core::PrioKind::HpSw);
    EXPECT_EQ(find_note(result, "path_checker", Kind::NotMapped), nullptr);
    // NVMe's ana prioritizer is not available.
    EXPECT_NE(find_note(result, "prio", Kind::NotMapped), nullptr);
    // NVMe ANA is the kernel's business.
    EXPECT_FALSE(config.devices[2].options.hardware_handler.has_value());
    EXPECT_EQ(config.devices[2].options.path_selector, core::PathSelector::HistoricalServiceTime);
}

TEST(TheImporter, CarriesVpdVendorAndReportsALayoutItDoesNotKnow) {
    ImportResult result;
    const core::Config config = import_and_parse(
        "devices {\n device {\n  vendor \"3PARdata\"\n  product \"VV\"\n  vpd_vendor hp3par\n }\n"
        " device {\n  vendor \"ACME\"\n  product \"Box\"\n  vpd_vendor acme\n }\n}\n",
        &result);
    ASSERT_EQ(config.devices.size(), 2u);
    EXPECT_EQ(config.devices[0].options.vpd_vendor, "hp3par");
    EXPECT_FALSE(config.devices[1].options.vpd_vendor.has_value());
    const ImportNote* note = find_note(result, "vpd_vendor", Kind::InvalidValue);
    ASSERT_NE(note, nullptr);
    EXPECT_NE(note->message.find("acme"), std::string::npos) << note->message;
}

TEST(TheManPageMultipathsExample, MergesEntriesForOneWwidLaterSettingsWinning) {
    ImportResult result;
    auto config = import_and_parse(read_text(data_dir / "manpage-multipaths.conf"), &result);
    ASSERT_EQ(config.multipaths.size(), 2u);
    const auto* ora = config.find_multipath("3600a098038303634722b4d59646c4436");
    ASSERT_NE(ora, nullptr);
    EXPECT_EQ(ora->alias, "oradata");
    EXPECT_EQ(ora->options.path_grouping_policy, core::GroupingPolicy::Multibus);
    EXPECT_EQ(ora->options.path_selector, core::PathSelector::RoundRobin);
    EXPECT_EQ(ora->options.failback, core::Failback::immediate());  // from the second entry
    EXPECT_EQ(ora->options.rr_min_io_rq, 4u);
    // features queue_if_no_path yields to the explicit no_path_retry, as in multipath-tools.
    EXPECT_EQ(ora->options.no_path_retry, NoPathRetry::retries(12));
    EXPECT_EQ(ora->options.reservation_key, core::ReservationKey::fixed(0x123abc));
    EXPECT_FALSE(ora->options.reservation_aptpl.has_value());
    const auto* iscsi = config.find_multipath("36001405d27e5d898829468b90ce4ef8c");
    ASSERT_NE(iscsi, nullptr);
    EXPECT_EQ(iscsi->options.no_path_retry, NoPathRetry::queue());
}

TEST(TheManPageBlacklistExample, KeepsEveryRuleKindAndTheInversion) {
    auto config = import_and_parse(read_text(data_dir / "manpage-blacklist.conf"));
    const auto& b = config.blacklist;
    ASSERT_EQ(b.devnode.size(), 2u);
    EXPECT_FALSE(b.devnode[0].pattern.matches("sdb"));
    EXPECT_TRUE(b.devnode[0].pattern.matches("loop0"));
    ASSERT_EQ(b.wwid.size(), 2u);
    EXPECT_TRUE(b.wwid[1].pattern.matches("!literal-bang"));
    EXPECT_FALSE(b.wwid[1].pattern.matches("literal-bang"));
    EXPECT_EQ(b.property.size(), 1u);
    EXPECT_EQ(b.protocol.size(), 1u);
    EXPECT_EQ(b.device.size(), 2u);
    const auto& e = config.blacklist_exceptions;
    EXPECT_EQ(e.property.size(), 1u);
    EXPECT_EQ(e.devnode.size(), 1u);
    EXPECT_EQ(e.wwid.size(), 1u);
    EXPECT_EQ(e.protocol.size(), 1u);
    ASSERT_EQ(e.device.size(), 1u);
    EXPECT_FALSE(e.device[0].product.has_value());
}

TEST(TheManPageOverridesExample, ReportsTheProtocolSubsections) {
    ImportResult result;
    auto config = import_and_parse(read_text(data_dir / "manpage-overrides.conf"), &result);
    EXPECT_EQ(config.overrides.failback, core::Failback::followover());
    EXPECT_EQ(config.overrides.fast_io_fail, core::kFastIoFailOff);
    int protocol_notes = 0;
    for (const auto& n : result.notes) {
        protocol_notes += n.option == "protocol" && n.kind == Kind::NotMapped ? 1 : 0;
    }
    EXPECT_EQ(protocol_notes, 2);
    EXPECT_EQ(config.overrides.alias_prefix, "ovr");
}

TEST(ARealRhelSanConfig, DropsTheDuplicateAliasAndTheEntryWithoutWwid) {
    ImportResult result;
    auto config = import_and_parse(read_text(data_dir / "admin-rhel-san.conf"), &result);
    ASSERT_EQ(config.multipaths.size(), 2u);
    EXPECT_EQ(config.multipaths[0].alias, "db01");
    EXPECT_FALSE(config.multipaths[1].alias.has_value());
    EXPECT_EQ(config.multipaths[1].options.no_path_retry, NoPathRetry::retries(30));
    EXPECT_NE(find_note(result, "alias", Kind::InvalidValue), nullptr);
    EXPECT_NE(find_note(result, "multipath", Kind::InvalidValue), nullptr);
    // max_polling_interval 10 < polling_interval 20 would be rejected: reported instead.
    EXPECT_FALSE(config.defaults.global.max_polling_interval.has_value());
    EXPECT_NE(find_note(result, "max_polling_interval", Kind::InvalidValue), nullptr);
    EXPECT_EQ(config.defaults.global.find_multipaths, FindMultipaths::Smart);
    // NetApp: explicit no_path_retry queue, pg_init_retries from features; ontap prio reported.
    EXPECT_EQ(config.devices[0].options.pg_init_retries, 50u);
    EXPECT_EQ(config.devices[0].options.no_path_retry, NoPathRetry::queue());
    // Pure: no_path_retry 0 means fail.
    EXPECT_EQ(config.devices[1].options.no_path_retry, NoPathRetry::fail());
    // DGC: product_blacklist LUNZ becomes a blacklist rule; queue_if_no_path yields to no_path_retry 60.
    EXPECT_EQ(config.devices[2].options.no_path_retry, NoPathRetry::retries(60));
    bool lunz = false;
    for (const auto& d : config.blacklist.device) {
        lunz = lunz || (d.product && d.product->text() == "LUNZ" && d.vendor && d.vendor->text() == "DGC");
    }
    EXPECT_TRUE(lunz);
}

// Found by fuzz_multipath_conf: WWIDs the WWID rule refuses were written to the YAML, which then failed to
// parse.
TEST(AMultipathConfWithBadWwids, LeavesThemOutAndNamesThem) {
    ImportResult result;
    auto c = import_and_parse(std::string("blacklist {\nwwid \"3600 a0b8\"\nwwid \"^3600.*\"\n}\n"
                                          "multipaths {\nmultipath {\nwwid 36001405ffff\x1c"
                                          "1222\n}\n"
                                          "multipath {\nwwid 36001405good\n}\n}\n"),
                              &result);
    ASSERT_EQ(c.multipaths.size(), 1u);
    EXPECT_EQ(c.multipaths[0].wwid, "36001405good");
    ASSERT_EQ(c.blacklist.wwid.size(), 1u);
    const auto* wwid_note = find_note(result, "wwid", Kind::InvalidValue);
    ASSERT_NE(wwid_note, nullptr);
    EXPECT_NE(find_note(result, "multipath", Kind::InvalidValue), nullptr);
}

// Found by fuzz_multipath_conf: a second entry for a WWID, merged into the first, brought an alias another
// WWID already had, and the YAML was refused for the duplicate alias.
TEST(AMultipathConfWithADuplicateAliasInAMergedEntry, LeavesTheSecondAliasOut) {
    ImportResult result;
    auto c = import_and_parse(
        "multipaths {\nmultipath {\nwwid 36001405aaaa\nalias data01\n}\n"
        "multipath {\nwwid 36001405bbbb\nalias data02\n}\n"
        "multipath {\nwwid 36001405bbbb\nalias data01\n}\n}\n",
        &result);
    ASSERT_EQ(c.multipaths.size(), 2u);
    EXPECT_EQ(c.multipaths[0].alias, "data01");
    EXPECT_EQ(c.multipaths[1].alias, "data02");
    EXPECT_NE(find_note(result, "alias", Kind::InvalidValue), nullptr);
}

TEST(AnOldMultipathConf, TranslatesDeprecatedSpellingsAndReportsTheInvalidGlob) {
    ImportResult result;
    auto config = import_and_parse(read_text(data_dir / "admin-legacy.conf"), &result);
    EXPECT_EQ(config.defaults.map.path_selector, core::PathSelector::RoundRobin);  // "selector"
    EXPECT_EQ(config.defaults.map.path_checker, core::CheckerKind::Readsector0);
    EXPECT_EQ(config.defaults.map.rr_weight, core::RrWeight::Priorities);
    EXPECT_EQ(config.blacklist.devnode.size(), 3u);  // "*" is not a regex
    EXPECT_NE(find_note(result, "devnode", Kind::InvalidValue), nullptr);
    EXPECT_NE(find_note(result, "udev_dir", Kind::NotMapped), nullptr);
    EXPECT_NE(find_note(result, "getuid_callout", Kind::NotMapped), nullptr);
    EXPECT_NE(find_note(result, "features", Kind::NotMapped), nullptr);  // no_partitions
    ASSERT_EQ(config.devices.size(), 1u);
    EXPECT_EQ(config.devices[0].vendor, "COMPAQ  ");  // whitespace inside quotes is kept
    EXPECT_EQ(config.devices[0].options.failback, core::Failback::after(std::chrono::seconds{15}));
    EXPECT_EQ(config.devices[0].options.hardware_handler, core::HardwareHandler::None);
}

TEST(AnIscsiHostConfig, ImportsUserFriendlyNamesAliasAndTheLioRule) {
    ImportResult result;
    auto config = import_and_parse(read_text(data_dir / "admin-iscsi-lio.conf"), &result);
    EXPECT_EQ(config.defaults.map.user_friendly_names, true);
    EXPECT_EQ(config.defaults.global.find_multipaths, FindMultipaths::On);
    EXPECT_EQ(config.defaults.global.polling_interval, core::Millis{10000});
    EXPECT_EQ(config.defaults.global.log_level, core::LogLevel::Info);
    ASSERT_EQ(config.devices.size(), 1u);
    EXPECT_EQ(config.devices[0].options.fast_io_fail, std::chrono::seconds{2});
    EXPECT_EQ(config.devices[0].options.path_grouping_policy, core::GroupingPolicy::GroupByPrio);
    ASSERT_EQ(config.multipaths.size(), 1u);
    EXPECT_EQ(config.multipaths[0].alias, "vmstore");
    // The "!" comment after dev_loss_tmo's value is a comment, not part of the value.
    EXPECT_EQ(config.devices[0].options.dev_loss_tmo, core::DevLossTmo::after(std::chrono::seconds{10}));
    const ImportNote* n = find_note(result, "dev_loss_tmo", Kind::Translated);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->line, 25);
    EXPECT_EQ(n->to_string().rfind("multipath.conf:25: dev_loss_tmo: ", 0), 0u);
}

// ---- Value translation, one option at a time.

core::MapOptions defaults_map(const std::string& line) {
    return import_and_parse("defaults {\n" + line + "\n}\n").defaults.map;
}

TEST(AnImportedNoPathRetry, TranslatesQueueFailAndCounts) {
    EXPECT_EQ(defaults_map("no_path_retry queue").no_path_retry, NoPathRetry::queue());
    EXPECT_EQ(defaults_map("no_path_retry fail").no_path_retry, NoPathRetry::fail());
    EXPECT_EQ(defaults_map("no_path_retry 18").no_path_retry, NoPathRetry::retries(18));
    EXPECT_EQ(defaults_map("no_path_retry \"0\"").no_path_retry, NoPathRetry::fail());
    EXPECT_FALSE(defaults_map("no_path_retry sometimes").no_path_retry.has_value());
}

TEST(ImportedTransportSettings, TranslateDevLossTmoEhDeadlineAndMaxSectorsKb) {
    using namespace std::chrono_literals;
    const core::MapOptions o = defaults_map(
        "fast_io_fail_tmo 5\ndev_loss_tmo infinity\neh_deadline off\n"
        "max_sectors_kb 512");
    EXPECT_EQ(o.fast_io_fail, 5s);
    EXPECT_EQ(o.dev_loss_tmo, core::DevLossTmo::infinity());
    EXPECT_EQ(o.eh_deadline, core::EhDeadline::off());
    EXPECT_EQ(o.max_sectors_kb, core::MaxSectorsKb::of(512));
    EXPECT_EQ(defaults_map("eh_deadline 30").eh_deadline, core::EhDeadline::after(30s));
    EXPECT_EQ(defaults_map("dev_loss_tmo 60").dev_loss_tmo, core::DevLossTmo::after(60s));
    EXPECT_FALSE(defaults_map("max_sectors_kb lots").max_sectors_kb.has_value());
}

TEST(ImportedTransportSettings, CapDevLossTmoAt600sWhileFastIoFailIsOffAsMultipathToolsDoes) {
    using namespace std::chrono_literals;
    ImportResult result;
    auto c = import_and_parse("overrides {\nfast_io_fail_tmo off\ndev_loss_tmo infinity\n}\n", &result);
    EXPECT_EQ(c.overrides.dev_loss_tmo, core::DevLossTmo::after(600s));
    EXPECT_NE(
        all_notes(result).find("dev_loss_tmo infinity is longer than 600s while fast_io_fail is off: the "
                               "kernel refuses it (give fast_io_fail seconds); written as 600s"),
        std::string::npos)
        << all_notes(result);
}

TEST(ImportedTransportSettings, KeepADevLossTmoNotLongerThanFastIoFail) {
    // Applied with the port's fast_io_fail_tmo off, as multipath-tools does; arrays' entries say so.
    ImportResult result;
    auto c = import_and_parse("defaults {\nfast_io_fail_tmo 40\ndev_loss_tmo 30\n}\n", &result);
    EXPECT_EQ(c.defaults.map.dev_loss_tmo, core::DevLossTmo::after(std::chrono::seconds{30}));
    EXPECT_EQ(find_note(result, "dev_loss_tmo", Kind::InvalidValue), nullptr) << all_notes(result);
}

TEST(AnImportedFailback, TranslatesEveryMode) {
    EXPECT_EQ(defaults_map("failback immediate").failback, core::Failback::immediate());
    EXPECT_EQ(defaults_map("failback manual").failback, core::Failback::manual());
    EXPECT_EQ(defaults_map("failback followover").failback, core::Failback::followover());
    EXPECT_EQ(defaults_map("failback 45").failback, core::Failback::after(std::chrono::seconds{45}));
}

TEST(AnImportedPathSelector, AcceptsTheKernelSelectorWithItsArgumentCount) {
    EXPECT_EQ(defaults_map("path_selector \"round-robin 0\"").path_selector, core::PathSelector::RoundRobin);
    EXPECT_EQ(defaults_map("path_selector round-robin 0").path_selector, core::PathSelector::RoundRobin);
    EXPECT_EQ(defaults_map("path_selector \"queue-length 0\"").path_selector,
              core::PathSelector::QueueLength);
}

TEST(AnImport, TranslatesQueueModeAndHistoricalServiceTimeAndAMultipathAliasPrefix) {
    ImportResult result;
    auto config = import_and_parse(
        "defaults {\n features \"2 queue_mode bio\"\n path_selector \"historical-service-time 0\"\n"
        " path_grouping_policy group_by_tpg\n}\nmultipaths {\n multipath {\n"
        "  wwid 36001405aaaaaaaaaaaaaaaaaaaaaaaa1\n  alias_prefix x\n }\n}\n",
        &result);
    EXPECT_EQ(config.defaults.map.queue_mode, core::QueueMode::Bio);
    EXPECT_EQ(config.defaults.map.path_selector, core::PathSelector::HistoricalServiceTime);
    EXPECT_EQ(config.defaults.map.path_grouping_policy, core::GroupingPolicy::GroupByTpg);
    EXPECT_NE(find_note(result, "alias_prefix", Kind::InvalidValue), nullptr) << all_notes(result);
    EXPECT_EQ(find_note(result, "features", Kind::NotMapped), nullptr) << all_notes(result);
}

TEST(AnImportedFindMultipaths, MapsEveryMultipathConfSpelling) {
    auto find = [](const char* v) {
        return import_and_parse(std::string("defaults {\nfind_multipaths ") + v + "\n}\n")
            .defaults.global.find_multipaths;
    };
    EXPECT_EQ(find("yes"), FindMultipaths::On);
    EXPECT_EQ(find("on"), FindMultipaths::On);
    EXPECT_EQ(find("smart"), FindMultipaths::Smart);
    EXPECT_EQ(find("greedy"), FindMultipaths::Greedy);
    EXPECT_EQ(find("no"), FindMultipaths::Greedy);
    EXPECT_EQ(find("off"), FindMultipaths::Greedy);
    EXPECT_EQ(find("strict"), FindMultipaths::Strict);
}

TEST(AnImportedFindMultipaths, WhenUnsetTellsTheAdminThatTheDefaultDiffers) {
    ImportResult result;
    import_and_parse("defaults {\nuser_friendly_names yes\n}\n", &result);
    EXPECT_NE(find_note(result, "find_multipaths", Kind::Info), nullptr);
}

TEST(ImportedFeatures, QueueIfNoPathBecomesNoPathRetryQueue) {
    ImportResult result;
    auto config = import_and_parse(
        "devices {\ndevice {\nvendor X\nproduct Y\nfeatures \"1 queue_if_no_path\"\n}\n}\n", &result);
    ASSERT_EQ(config.devices.size(), 1u);
    EXPECT_EQ(config.devices[0].options.no_path_retry, NoPathRetry::queue());
}

TEST(ImportedFeatures, YieldToAnExplicitNoPathRetryWrittenLater) {
    auto m = defaults_map("features \"1 queue_if_no_path\"\nno_path_retry 5");
    EXPECT_EQ(m.no_path_retry, NoPathRetry::retries(5));
}

TEST(BooleansAndDurations, AreWrittenInPathkeeperSpelling) {
    auto m = defaults_map(
        "user_friendly_names yes\nflush_on_last_del no\nchecker_timeout 15\nfast_io_fail_tmo off");
    EXPECT_EQ(m.user_friendly_names, true);
    EXPECT_EQ(m.flush_on_last_del, false);
    EXPECT_EQ(m.checker_timeout, core::Millis{15000});
    EXPECT_EQ(m.fast_io_fail, core::kFastIoFailOff);
    ImportResult result;
    auto c = import_and_parse("defaults {\npolling_interval 7\n}\n", &result);
    EXPECT_EQ(c.defaults.global.polling_interval, core::Millis{7000});
    EXPECT_NE(result.yaml.find("polling_interval: 7s  # line 2\n"), std::string::npos) << result.yaml;
}

TEST(AnOptionSetTwice, KeepsTheLaterValueAndSaysSo) {
    ImportResult result;
    auto c = import_and_parse("defaults {\nfailback manual\nfailback immediate\n}\n", &result);
    EXPECT_EQ(c.defaults.map.failback, core::Failback::immediate());
    const ImportNote* n = find_note(result, "failback", Kind::Syntax);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->line, 2);  // the value that lost
    EXPECT_NE(n->message.find("line 3"), std::string::npos);
}

TEST(InvalidValues, AreReportedWithTheirLineAndLeftOut) {
    ImportResult result;
    auto c = import_and_parse(
        "defaults {\npath_grouping_policy sideways\nrr_min_io_rq 0\npolling_interval "
        "soon\nuser_friendly_names "
        "maybe\n}\nblacklist {\nwwid \"(unclosed\"\n}\n",
        &result);
    EXPECT_FALSE(c.defaults.map.path_grouping_policy.has_value());
    EXPECT_TRUE(c.blacklist.wwid.empty());
    for (auto [option, line] : std::vector<std::pair<const char*, int>>{{"path_grouping_policy", 2},
                                                                        {"rr_min_io_rq", 3},
                                                                        {"polling_interval", 4},
                                                                        {"user_friendly_names", 5},
                                                                        {"wwid", 8}}) {
        const ImportNote* n = find_note(result, option, Kind::InvalidValue);
        ASSERT_NE(n, nullptr) << option << "\n" << all_notes(result);
        EXPECT_EQ(n->line, line) << option;
    }
}

TEST(AnUnknownSection, IsReportedAndSkipped) {
    ImportResult result;
    auto c = import_and_parse("pci {\nslot 3\n}\ndefaults {\nfailback immediate\n}\n", &result);
    const ImportNote* n = find_note(result, "pci", Kind::NotMapped);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->line, 1);
    EXPECT_EQ(c.defaults.map.failback, core::Failback::immediate());
}

TEST(AnUnknownKeyword, IsReported) {
    ImportResult result;
    import_and_parse("defaults {\nfrobnicate yes\n}\n", &result);
    EXPECT_NE(find_note(result, "frobnicate", Kind::NotMapped), nullptr);
}

TEST(StringsWithYamlSpecialCharacters, SurviveTheRoundTrip) {
    auto c = import_and_parse(
        "blacklist {\ndevnode \"^(a|b): #x\\\\d\"\n}\nmultipaths {\nmultipath {\nwwid 3600a0b80\nalias "
        "\"yes\"\n}\n}\n");
    ASSERT_EQ(c.blacklist.devnode.size(), 1u);
    EXPECT_EQ(c.blacklist.devnode[0].pattern.text(), "^(a|b): #x\\\\d");
    ASSERT_EQ(c.multipaths.size(), 1u);
    EXPECT_EQ(c.multipaths[0].alias, "yes");
}

TEST(AnImportedReservationKey, KeepsAFixedKeyWithOrWithout0x) {
    EXPECT_EQ(defaults_map("reservation_key 0x123ABC").reservation_key,
              core::ReservationKey::fixed(0x123abc));
    EXPECT_EQ(defaults_map("reservation_key 123abc").reservation_key, core::ReservationKey::fixed(0x123abc));
    EXPECT_EQ(defaults_map("reservation_key 0xffffffffffffffff").reservation_key,
              core::ReservationKey::fixed(0xffffffffffffffffULL));
    EXPECT_FALSE(defaults_map("reservation_key 0x123abc").reservation_aptpl.has_value());
}

TEST(AnImportedReservationKey, TurnsTheAptplSuffixIntoReservationAptpl) {
    ImportResult result;
    auto c = import_and_parse("defaults {\nreservation_key 0x123abc:aptpl\n}\n", &result);
    EXPECT_EQ(c.defaults.map.reservation_key, core::ReservationKey::fixed(0x123abc));
    EXPECT_EQ(c.defaults.map.reservation_aptpl, true);
    const ImportNote* n = find_note(result, "reservation_key", Kind::Translated);
    ASSERT_NE(n, nullptr) << all_notes(result);
    EXPECT_EQ(n->line, 2);
    EXPECT_NE(result.yaml.find("reservation_aptpl: yes  # line 2\n"), std::string::npos) << result.yaml;
}

TEST(AnImportedReservationKey, InEachSectionLandsInThatSection) {
    auto c = import_and_parse(
        "defaults {\nreservation_key 0x1\n}\n"
        "devices {\ndevice {\nvendor LIO-ORG\nproduct .*\nreservation_key 0x2:aptpl\nall_tg_pt yes\n}\n}\n"
        "overrides {\nreservation_key file\n}\n"
        "multipaths {\nmultipath {\nwwid 3600a0b80\nreservation_key 0x4\n}\n}\n");
    EXPECT_EQ(c.defaults.map.reservation_key, core::ReservationKey::fixed(1));
    ASSERT_EQ(c.devices.size(), 1u);
    EXPECT_EQ(c.devices[0].options.reservation_key, core::ReservationKey::fixed(2));
    EXPECT_EQ(c.devices[0].options.reservation_aptpl, true);
    EXPECT_EQ(c.devices[0].options.reservation_all_tg_pt, true);
    EXPECT_EQ(c.overrides.reservation_key, core::ReservationKey::file());
    ASSERT_EQ(c.multipaths.size(), 1u);
    EXPECT_EQ(c.multipaths[0].options.reservation_key, core::ReservationKey::fixed(4));
}

TEST(AnImportedFileReservationKey, PointsPathkeeperAtMultipathToolsKeysFile) {
    ImportResult result;
    auto c =
        import_and_parse("multipaths {\nmultipath {\nwwid 3600a0b80\nreservation_key file\n}\n}\n", &result);
    ASSERT_EQ(c.multipaths.size(), 1u);
    EXPECT_EQ(c.multipaths[0].options.reservation_key, core::ReservationKey::file());
    EXPECT_EQ(c.defaults.global.reservation_keys_file, "/etc/multipath/prkeys");
    EXPECT_NE(find_note(result, "reservation_key", Kind::Translated), nullptr) << all_notes(result);
}

TEST(AnImportedPrkeysFile, BecomesReservationKeysFileAndWinsOverTheDefaultLocation) {
    ImportResult result;
    auto c = import_and_parse("defaults {\nreservation_key file\nprkeys_file /srv/keys\n}\n", &result);
    EXPECT_EQ(c.defaults.map.reservation_key, core::ReservationKey::file());
    EXPECT_EQ(c.defaults.global.reservation_keys_file, "/srv/keys");
    const ImportNote* n = find_note(result, "prkeys_file", Kind::Translated);
    ASSERT_NE(n, nullptr) << all_notes(result);
    EXPECT_EQ(n->line, 3);
}

TEST(AnImportedPrkeysFile, OutsideDefaultsIsReportedAndLeftOut) {
    ImportResult result;
    auto c = import_and_parse("overrides {\nprkeys_file /srv/keys\n}\n", &result);
    EXPECT_FALSE(c.defaults.global.reservation_keys_file.has_value());
    EXPECT_NE(find_note(result, "prkeys_file", Kind::NotMapped), nullptr) << all_notes(result);
}

TEST(AnImportedReservationKey, ReportsBadKeysZeroAndUnknownFlags) {
    ImportResult result;
    auto c = import_and_parse(
        "defaults {\nreservation_key 0xZZ\nreservation_key 0x12345678901234567\nreservation_key 0\n"
        "prkeys_file keys\nall_tg_pt maybe\n}\n"
        "multipaths {\nmultipath {\nwwid 3600a0b80\nreservation_key 0x5:persist\n}\n}\n",
        &result);
    EXPECT_FALSE(c.defaults.map.reservation_key.has_value());
    EXPECT_FALSE(c.defaults.global.reservation_keys_file.has_value());
    EXPECT_FALSE(c.defaults.map.reservation_all_tg_pt.has_value());
    int invalid_keys = 0;
    for (const auto& n : result.notes) {
        if (n.option == "reservation_key" && n.kind == Kind::InvalidValue) {
            ++invalid_keys;
            EXPECT_TRUE(n.line == 2 || n.line == 3) << n.line;
        }
    }
    EXPECT_EQ(invalid_keys, 2) << all_notes(result);
    const ImportNote* zero = find_note(result, "reservation_key", Kind::NotMapped);
    ASSERT_NE(zero, nullptr);
    EXPECT_EQ(zero->line, 4);
    EXPECT_NE(find_note(result, "prkeys_file", Kind::InvalidValue), nullptr);
    EXPECT_NE(find_note(result, "all_tg_pt", Kind::InvalidValue), nullptr);
    // An unknown flag is reported; the key itself is kept, as multipath-tools keeps it.
    ASSERT_EQ(c.multipaths.size(), 1u);
    EXPECT_EQ(c.multipaths[0].options.reservation_key, core::ReservationKey::fixed(5));
    EXPECT_FALSE(c.multipaths[0].options.reservation_aptpl.has_value());
}

TEST(AnEmptyFile, ImportsToAnEmptyConfiguration) {
    auto c = import_and_parse("# nothing here\n\n");
    EXPECT_TRUE(c.devices.empty());
    EXPECT_TRUE(c.multipaths.empty());
}

TEST(AnAdminsArrayAndTransportConfig, TranslatesEveryOptionItUses) {
    ImportResult result;
    auto c = import_and_parse(read_text(data_dir / "admin-arrays-and-transports.conf"), &result);
    for (const auto& n : result.notes) {
        EXPECT_NE(n.kind, Kind::NotMapped) << n.to_string();
        EXPECT_NE(n.kind, Kind::InvalidValue) << n.to_string();
    }
    EXPECT_EQ(c.defaults.global.find_multipaths, core::FindMultipaths::Smart);
    EXPECT_EQ(c.defaults.map.path_selector, core::PathSelector::HistoricalServiceTime);
    EXPECT_EQ(c.defaults.map.detect_checker, std::optional<bool>(true));
    EXPECT_EQ(c.defaults.map.dev_loss_tmo, core::DevLossTmo::after(std::chrono::seconds{600}));
    ASSERT_EQ(c.devices.size(), 7u);
    const auto& eseries = c.devices[0].options;
    EXPECT_EQ(eseries.path_checker, core::CheckerKind::Rdac);
    EXPECT_EQ(eseries.prio, core::PrioKind::Rdac);
    EXPECT_EQ(eseries.pg_init_retries, std::optional<unsigned>(50));
    EXPECT_EQ(eseries.detect_checker, std::optional<bool>(false));
    EXPECT_EQ(eseries.dev_loss_tmo, core::DevLossTmo::infinity());
    EXPECT_EQ(eseries.alias_prefix, std::optional<std::string>("eseries"));
    EXPECT_EQ(c.devices[1].options.path_checker, core::CheckerKind::HpSw);
    EXPECT_EQ(c.devices[2].options.path_checker, core::CheckerKind::EmcClariion);
    EXPECT_EQ(c.devices[2].options.prio, core::PrioKind::Emc);
    EXPECT_EQ(c.devices[3].options.prio, core::PrioKind::Ontap);
    EXPECT_EQ(c.devices[4].options.prio, core::PrioKind::Hds);
    EXPECT_EQ(c.devices[4].options.path_checker, core::CheckerKind::Readsector0);
    EXPECT_EQ(c.devices[5].options.path_grouping_policy, core::GroupingPolicy::GroupByTpg);
    EXPECT_EQ(c.devices[5].options.queue_mode, core::QueueMode::Bio);
    EXPECT_EQ(c.devices[5].options.prio, core::PrioKind::WeightedPath);
    EXPECT_EQ(c.devices[6].options.prio, core::PrioKind::PathLatency);
}

}  // namespace
}  // namespace pathkeeper::migrate
