// render_config: `pathctl show config`'s YAML, read back by the daemon's own parser.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_file.hpp"
#include "core/blacklist.hpp"
#include "core/config.hpp"
#include "core/config_render.hpp"

namespace pathkeeper::core {
namespace {

Config parsed(const std::string& yaml, const std::string& file = "pk.yaml") {
    auto r = config::parse_config(yaml, file);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message) << "\n" << yaml;
    return r.ok() ? std::move(r).value() : Config{};
}

const char* const every_section =
    "defaults:\n"
    "  polling_interval: 2s\n"
    "  find_multipaths: strict\n"
    "  alias_prefix: disk\n"
    "  wwids_file: /var/lib/pk/wwids\n"
    "  no_path_retry: 5\n"
    "  failback: 20s\n"
    "  flap_threshold: 3\n"
    "  reservation_key: file\n"
    "  reservation_keys_file: /var/lib/pk/prkeys\n"
    "blacklist:\n"
    "  devnode: [\"^hd[a-z]\", \"^loop\"]\n"
    "  wwid: \"^36000dead\"\n"
    "  device:\n"
    "    - vendor: Foo\n"
    "      product: 'Bar\\.x'\n"
    "    - product: OnlyProduct\n"
    "  property: \"^ID_FOO\"\n"
    "  protocol: \"scsi:sas\"\n"
    "blacklist_exceptions:\n"
    "  wwid: \"^3600beef\"\n"
    "  devnode: \"^sdz\"\n"
    "devices:\n"
    "  - vendor: ACME\n"
    "    product: 'Disk \"2\"'\n"
    "    revision: '^1\\.'\n"
    "    no_path_retry: 7\n"
    "    hardware_handler: 1 alua\n"
    "  - vendor: LIO-ORG\n"
    "    product: .*\n"
    "    failback: followover\n"
    "    flap_hold_time: 20s\n"
    "    reservation_all_tg_pt: yes\n"
    "overrides:\n"
    "  rr_min_io_rq: 4\n"
    "  fast_io_fail: off\n"
    "  reservation_aptpl: yes\n"
    "multipaths:\n"
    "  - wwid: 3600a\n"
    "    alias: db\n"
    "    no_path_retry: queue\n"
    "    last_path_recovery_tmo: 20s\n"
    "    reservation_key: 0xABCDEF0123456789\n"
    "  - wwid: 3600b\n"
    "    reservation_key: none\n"
    "    path_selector: round-robin\n";

struct Device {
    const char* wwid;
    const char* vendor;
    const char* product;
    const char* revision;
};

// Built-in device table entries (LIO-ORG, IET, SCST, scsi_debug), the file's rules, multipaths entries and a
// device nothing names.
const std::vector<Device> devices{
    {"3600a", "ACME", "Disk \"2\"", "1.0"}, {"3600b", "LIO-ORG", "TCMU device", "4.0"},
    {"3600c", "ACME", "Disk \"2\"", "2.0"}, {"3600d", "LIO-ORG", "TCMU device", ""},
    {"3600e", "IET", "VIRTUAL-DISK", ""},   {"3600f", "SCST_BIO", "disk", ""},
    {"3600g", "Linux", "scsi_debug", ""},   {"", "NOBODY", "NOTHING", ""},
};

std::vector<std::pair<std::string, std::string>> values(const std::vector<ExplainedSetting>& settings) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& s : settings) {
        out.emplace_back(s.name, s.value);
    }
    return out;
}

void expect_same_effective_config(const Config& original, const Config& reread) {
    EXPECT_EQ(values(explain(resolve_global_options(original))),
              values(explain(resolve_global_options(reread))));
    for (const auto& d : devices) {
        SCOPED_TRACE(std::string(d.wwid) + " " + d.vendor + " " + d.product);
        EXPECT_EQ(values(explain(resolve_map_options(original, d.wwid, d.vendor, d.product, d.revision))),
                  values(explain(resolve_map_options(reread, d.wwid, d.vendor, d.product, d.revision))));
    }
    std::vector<PathInfo> paths(6);
    paths[0].devnode = "hda";
    paths[1].devnode = "sdb";
    paths[1].wwid = "36000deadbeef";
    paths[2].devnode = "sdc";
    paths[2].vendor = "Foo";
    paths[2].product = "Bar.x";
    paths[3].devnode = "sdz";
    paths[3].wwid = "36000dead1";
    paths[4].devnode = "sdd";
    paths[4].vendor = "DGC";
    paths[4].product = "LUNZ";
    paths[5].devnode = "sde";
    paths[5].wwid = "3600beef";
    for (const auto& p : paths) {
        SCOPED_TRACE(p.devnode);
        EXPECT_EQ(is_blacklisted(original, p).blacklisted, is_blacklisted(reread, p).blacklisted);
        EXPECT_EQ(is_blacklisted(original, p).category, is_blacklisted(reread, p).category);
    }
}

// The text between "section:" at the top level and the next top-level key.
std::string section(const std::string& text, const std::string& name) {
    const auto start = text.find("\n" + name + ":");
    if (start == std::string::npos) {
        return {};
    }
    auto end = start + 1;
    while (true) {
        end = text.find('\n', end);
        if (end == std::string::npos || end + 1 >= text.size() ||
            (text[end + 1] != ' ' && text[end + 1] != '#')) {
            break;
        }
        ++end;
    }
    return text.substr(start + 1, end == std::string::npos ? std::string::npos : end - start);
}

TEST(ConfigRender, ReadBackByTheDaemonsParserGivesTheSameEffectiveConfiguration) {
    const Config original = parsed(every_section);
    const std::string text = render_config(original);
    const Config reread = parsed(text, "rendered.yaml");
    expect_same_effective_config(original, reread);
}

TEST(ConfigRender, TheBuiltInConfigurationRoundTripsToo) {
    const std::string text = render_config(Config{});
    expect_same_effective_config(Config{}, parsed(text, "rendered.yaml"));
}

TEST(ConfigRender, TheMetricsOptionsRoundTrip) {
    for (const char* yaml : {"defaults:\n  metrics_textfile_directory: off\n  metrics_interval: 1s\n",
                             "defaults:\n  metrics_textfile_directory: \"/srv/node exporter/#1\"\n"
                             "  metrics_interval: 2m\n"}) {
        SCOPED_TRACE(yaml);
        const Config original = parsed(yaml);
        const std::string text = render_config(original);
        const Config reread = parsed(text, "rendered.yaml");
        expect_same_effective_config(original, reread);
        EXPECT_EQ(reread.defaults.global.metrics_textfile_directory,
                  original.defaults.global.metrics_textfile_directory);
        EXPECT_EQ(reread.defaults.global.metrics_interval, original.defaults.global.metrics_interval);
    }
    const std::string text = render_config(parsed("defaults:\n  metrics_textfile_directory: off\n"));
    EXPECT_NE(text.find("  metrics_textfile_directory: off"), std::string::npos) << text;
    EXPECT_NE(text.find("  metrics_interval: 15s"), std::string::npos) << text;
}

// The file may set one side of a pair the parser checks (fast_recheck_interval <= polling_interval,
// flap_hold_time <= flap_hold_max) beyond the other side's built-in value: that built-in value stays unset.
TEST(ConfigRender, BuiltInValuesThatWouldConflictWithTheFilesAreLeftAsComments) {
    for (const char* yaml : {"defaults:\n  polling_interval: 100ms\n  flap_hold_time: 10m\n",
                             "defaults:\n  flap_hold_max: 5s\n"}) {
        SCOPED_TRACE(yaml);
        const Config original = parsed(yaml);
        const std::string text = render_config(original);
        expect_same_effective_config(original, parsed(text, "rendered.yaml"));
    }
    const std::string text = render_config(parsed("defaults:\n  polling_interval: 100ms\n"));
    EXPECT_NE(text.find("  # fast_recheck_interval: 250ms  (built-in; conflicts with the file's value)\n"),
              std::string::npos)
        << text;
}

TEST(ConfigRender, ExplainedTextIsValidConfigurationToo) {
    const Config original = parsed(every_section);
    const std::string text = render_config(original, {.explain = true});
    expect_same_effective_config(original, parsed(text, "rendered.yaml"));
    EXPECT_NE(text.find("  polling_interval: 2s  # defaults (pk.yaml:2)\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  path_checker: tur  # built-in\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# devices[1] (pk.yaml:29)"), std::string::npos) << text;
}

TEST(ConfigRender, EverySectionAppearsWithTheUsersValues) {
    const std::string text = render_config(parsed(every_section));
    const std::string defaults = section(text, "defaults");
    EXPECT_NE(defaults.find("  polling_interval: 2s\n"), std::string::npos) << text;
    EXPECT_NE(defaults.find("  find_multipaths: strict\n"), std::string::npos);
    EXPECT_NE(defaults.find("  alias_prefix: \"disk\"\n"), std::string::npos);
    EXPECT_NE(defaults.find("  wwids_file: \"/var/lib/pk/wwids\"\n"), std::string::npos);
    EXPECT_NE(defaults.find("  # bindings_file: <state-dir>/bindings\n"), std::string::npos);
    EXPECT_NE(defaults.find("  no_path_retry: 5\n"), std::string::npos);
    EXPECT_NE(defaults.find("  failback: 20s\n"), std::string::npos);
    EXPECT_NE(defaults.find("  path_checker: tur\n"), std::string::npos) << "built-in defaults are listed";

    const std::string blacklist = section(text, "blacklist");
    EXPECT_NE(blacklist.find("    - \"!^(sd[a-z]|dasd[a-z]|nvme[0-9])\"  # built-in\n"), std::string::npos)
        << text;
    EXPECT_NE(blacklist.find("    - \"^loop\"\n"), std::string::npos);
    EXPECT_NE(blacklist.find("  wwid:\n    - \"^36000dead\"\n"), std::string::npos);
    EXPECT_NE(blacklist.find("    - vendor: \"Foo\"\n      product: \"Bar\\\\.x\"\n"), std::string::npos);
    EXPECT_NE(blacklist.find("    - product: \"OnlyProduct\"\n"), std::string::npos);
    EXPECT_NE(blacklist.find("  property:\n    - \"^ID_FOO\"\n"), std::string::npos);
    EXPECT_NE(blacklist.find("  protocol:\n    - \"scsi:sas\"\n"), std::string::npos);

    const std::string exceptions = section(text, "blacklist_exceptions");
    EXPECT_NE(exceptions.find("    - \"(SCSI_IDENT_|ID_WWN)\"  # built-in\n"), std::string::npos) << text;
    EXPECT_NE(exceptions.find("  wwid:\n    - \"^3600beef\"\n"), std::string::npos);
    EXPECT_NE(exceptions.find("  devnode:\n    - \"^sdz\"\n"), std::string::npos);

    const std::string devices = section(text, "devices");
    EXPECT_NE(
        devices.find("  - vendor: \"ACME\"\n    product: \"Disk \\\"2\\\"\"\n    revision: \"^1\\\\.\"\n"
                     "    no_path_retry: 7\n    hardware_handler: alua\n"),
        std::string::npos)
        << text;
    EXPECT_NE(devices.find("    failback: followover\n    flap_hold_time: 20s\n"), std::string::npos);

    EXPECT_EQ(section(text, "overrides"),
              "overrides:\n  rr_min_io_rq: 4\n  fast_io_fail: off\n  reservation_aptpl: yes\n");

    const std::string multipaths = section(text, "multipaths");
    EXPECT_NE(multipaths.find("  - wwid: \"3600a\"\n    alias: \"db\"\n    no_path_retry: queue\n"
                              "    last_path_recovery_tmo: 20s\n"),
              std::string::npos)
        << text;
    EXPECT_NE(multipaths.find("  - wwid: \"3600b\"\n    path_selector: round-robin\n"), std::string::npos);
}

TEST(ConfigRender, WritesTheReservationOptionsInTheirYamlSpelling) {
    const std::string text = render_config(parsed(every_section));
    const std::string defaults = section(text, "defaults");
    EXPECT_NE(defaults.find("  reservation_keys_file: \"/var/lib/pk/prkeys\"\n"), std::string::npos) << text;
    EXPECT_NE(defaults.find("  reservation_key: file\n"), std::string::npos) << text;
    EXPECT_NE(defaults.find("  reservation_aptpl: no\n"), std::string::npos) << text;
    EXPECT_NE(defaults.find("  reservation_all_tg_pt: no\n"), std::string::npos) << text;
    EXPECT_NE(section(text, "devices").find("    flap_hold_time: 20s\n    reservation_all_tg_pt: yes\n"),
              std::string::npos)
        << text;
    const std::string multipaths = section(text, "multipaths");
    EXPECT_NE(multipaths.find("    last_path_recovery_tmo: 20s\n    reservation_key: 0xabcdef0123456789\n"),
              std::string::npos)
        << text;
    EXPECT_NE(multipaths.find("    path_selector: round-robin\n    reservation_key: none\n"),
              std::string::npos)
        << text;

    const std::string builtin = render_config(Config{});
    EXPECT_NE(builtin.find("  # reservation_keys_file: <state-dir>/prkeys\n"), std::string::npos) << builtin;
    EXPECT_NE(builtin.find("  reservation_key: none\n"), std::string::npos) << builtin;
}

TEST(ConfigRender, OverridesAreNotPrintedUnderDefaults) {
    const std::string text = render_config(parsed(every_section));
    const std::string defaults = section(text, "defaults");
    EXPECT_NE(defaults.find("  rr_min_io_rq: 1\n"), std::string::npos) << text;
    EXPECT_EQ(defaults.find("rr_min_io_rq: 4"), std::string::npos);
    EXPECT_NE(defaults.find("  fast_io_fail: 0s\n"), std::string::npos);
    EXPECT_EQ(defaults.find("fast_io_fail: off"), std::string::npos);
}

TEST(ConfigRender, ListsTheBuiltInDeviceTableBeforeTheUsersRulesInMatchOrder) {
    const std::string devices = section(render_config(parsed(every_section)), "devices");
    const auto lio_builtin = devices.find("  - vendor: \"(LIO-ORG|SUSE)\"  # built-in device table\n");
    const auto scsi_debug = devices.find(
        "  - vendor: \"^Linux\"  # built-in device table\n"
        "    product: \"^scsi_debug\"\n    path_grouping_policy: group_by_prio\n"
        "    prio: alua\n    detect_prio: yes\n    failback: immediate\n"
        "    no_path_retry: 12\n");
    const auto acme = devices.find("  - vendor: \"ACME\"");
    const auto lio_mine = devices.find("  - vendor: \"LIO-ORG\"");
    ASSERT_NE(lio_builtin, std::string::npos) << devices;
    ASSERT_NE(scsi_debug, std::string::npos) << devices;
    ASSERT_NE(acme, std::string::npos);
    ASSERT_NE(lio_mine, std::string::npos);
    EXPECT_LT(lio_builtin, scsi_debug);
    EXPECT_LT(scsi_debug, acme);
    EXPECT_LT(acme, lio_mine);
}

TEST(ConfigRender, EmptySectionsAreStillShown) {
    const std::string text = render_config(Config{});
    EXPECT_NE(text.find("\noverrides: {}\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\nmultipaths: []\n"), std::string::npos);
    EXPECT_NE(text.find("\ndevices:\n"), std::string::npos);
    EXPECT_NE(text.find("# effective pathkeeper configuration (built-in defaults)\n"), std::string::npos);
}

TEST(ConfigRender, QuotesStringsForYaml) {
    EXPECT_EQ(yaml_quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(yaml_quoted(std::string("x\ny\x01", 4)), "\"x\\x0ay\\x01\"");
    EXPECT_EQ(yaml_quoted("!^(sd[a-z])"), "\"!^(sd[a-z])\"");
}

}  // namespace
}  // namespace pathkeeper::core
