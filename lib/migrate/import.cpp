// One file on purpose: the Importer is one pass over a parsed multipath.conf that translates each section
// keyword by keyword into one notes list; its section handlers share the keyword tables.
#include "migrate/import.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "core/config.hpp"
#include "core/duration.hpp"
#include "core/path_tuning.hpp"
#include "core/uid_attrs.hpp"
#include "core/wwid.hpp"
#include "migrate/multipath_conf.hpp"

namespace pathkeeper::migrate {

namespace {

using Kind = ImportNote::Kind;

constexpr const char* kMultipathKeysFile = "/etc/multipath/prkeys";  // multipath-tools' default prkeys_file

// Where an options block sits; some keywords are valid only in some of them.
enum class Scope { Defaults, Device, Multipath, Overrides };

// multipath.conf keywords pathkeeper deliberately has no equivalent for, with the reason an admin needs.
const std::map<std::string, std::string, std::less<>>& unmapped_reasons() {
    static const std::map<std::string, std::string, std::less<>> reasons{
        {"rr_min_io",
         "applies to bio-based dm-multipath only; pathkeeper builds request-based maps "
         "(rr_min_io_rq is their repeat count)"},
        {"getuid_callout", "removed from multipath-tools; pathkeeper identifies a path by udev's ID_SERIAL"},
        {"san_path_err_forget_rate",
         "counted in path checks, not time; pathkeeper's flap_window (default 30s) "
         "plays this role"},
        {"marginal_path_err_sample_time",
         "marginal path detection is replaced by flap damping (flap_window, "
         "flap_threshold, flap_hold_time, flap_hold_max)"},
        {"marginal_path_err_rate_threshold", "marginal path detection is replaced by flap damping (flap_*)"},
        {"marginal_path_err_recheck_gap_time",
         "marginal path detection is replaced by flap damping (flap_*)"},
        {"marginal_path_double_failed_time", "marginal path detection is replaced by flap damping (flap_*)"},
        {"marginal_pathgroups", "marginal path detection is replaced by flap damping (flap_*)"},
        {"delay_watch_checks",
         "deprecated in multipath-tools; pathkeeper's flap damping (flap_*) replaces it"},
        {"delay_wait_checks",
         "deprecated in multipath-tools; pathkeeper's flap damping (flap_*) replaces it"},
        {"deferred_remove", "pathkeeper removes a map only when it is not in use"},
        {"skip_kpartx", "pathkeeper leaves partition mappings to the udev rules (kpartx)"},
        {"ghost_delay", "pathkeeper sets a map up as soon as it has a usable path"},
        {"reassign_maps", "obsolete: pathkeeper never remaps devices stacked on a path"},
        {"multipath_dir", "deprecated and ignored by multipath-tools too"},
        {"pg_timeout", "removed from the kernel and from multipath-tools"},
        {"max_fds", "pathkeeper needs no file descriptor limit setting (systemd's LimitNOFILE applies)"},
        {"log_checker_err", "pathkeeper logs every checker state change once"},
        {"force_sync", "pathkeeper's checks are always asynchronous (worker pool)"},
        {"strict_timing", "pathkeeper's checks are scheduled by its own timer"},
        {"partition_delimiter", "partition naming is left to kpartx and its udev rules"},
        {"uxsock_timeout", "pathctl talks to pathkeeperd over D-Bus, not a unix socket"},
        {"retrigger_tries", "pathkeeper's udev helper never waits for the daemon, so nothing is retriggered"},
        {"retrigger_delay", "pathkeeper's udev helper never waits for the daemon, so nothing is retriggered"},
        {"missing_uev_wait_timeout", "pathkeeper does not wait for uevents after loading a map"},
        {"disable_changed_wwids",
         "obsolete in multipath-tools; a path whose WWID changes is removed and "
         "re-added"},
        {"remove_retries", "pathkeeper retries a busy map removal from its event loop"},
        {"enable_foreign", "pathkeeper manages dm-multipath maps only (no native NVMe multipath display)"},
        {"recheck_wwid", "a path whose WWID changes is removed and re-added"},
        {"allow_usb_devices", "pathkeeper never multipaths USB devices"},
        {"udev_dir", "obsolete (removed from multipath-tools): udev's device directory is always /dev"},
        {"pg_prio_calc", "obsolete (removed from multipath-tools)"},
        {"mode", "pathkeeper leaves device node permissions to udev"},
        {"uid", "pathkeeper leaves device node ownership to udev"},
        {"gid", "pathkeeper leaves device node ownership to udev"},
        {"wwids_file",
         "pathkeeper keeps its own known-WWIDs list (<state-dir>/wwids); the maps listed in "
         "multipath-tools' file are found again with find_multipaths on"},
    };
    return reasons;
}

bool is_global_keyword(std::string_view k) {
    return k == "verbosity" || k == "polling_interval" || k == "max_polling_interval" ||
           k == "find_multipaths" || k == "bindings_file" || k == "queue_without_daemon" ||
           k == "prkeys_file" || k == "find_multipaths_timeout" || k == "uid_attrs";
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.size() <= 9 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

std::optional<bool> parse_bool(std::string_view text) {
    const std::string t = lower(text);
    if (t == "yes" || t == "on" || t == "true" || t == "1") {
        return true;
    }
    if (t == "no" || t == "off" || t == "false" || t == "0") {
        return false;
    }
    return std::nullopt;
}

// YAML double-quoted scalar: always safe, whatever the regex or name holds.
std::string quote(std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string seconds(unsigned long n) {
    return std::to_string(n) + "s";
}

struct Value {
    std::string yaml;  // already formatted
    int line = 0;
};

// One YAML mapping of options, in the order first set; a keyword set twice keeps its last value, as
// multipath-tools does.
struct Block {
    std::vector<std::pair<std::string, Value>> entries;
    std::optional<Value> features_queue;  // "queue_if_no_path" from features, applied if no no_path_retry

    const Value* find(std::string_view key) const {
        for (const auto& [k, v] : entries) {
            if (k == key) {
                return &v;
            }
        }
        return nullptr;
    }
    void erase(std::string_view key) {
        std::erase_if(entries, [&](const auto& e) { return e.first == key; });
    }
};

struct PatternItem {
    std::string regex;
    int line = 0;
};
struct DeviceMatch {
    std::optional<std::string> vendor;
    std::optional<std::string> product;
    int line = 0;
};
struct Blacklist {
    std::vector<PatternItem> devnode, wwid, property, protocol;
    std::vector<DeviceMatch> device;
    bool empty() const {
        return devnode.empty() && wwid.empty() && property.empty() && protocol.empty() && device.empty();
    }
};
struct Device {
    std::string vendor, product;
    std::optional<std::string> revision;
    Block options;
    int line = 0;
};
struct Multipath {
    std::string wwid;
    std::optional<Value> alias;
    Block options;
    int line = 0;
};

class Importer {
public:
    explicit Importer(std::string file) : file_(std::move(file)) {}

    ImportResult run(const ConfFile& conf) {
        for (const auto& w : conf.warnings) {
            note(Kind::Syntax, w.line, "", w.message);
        }
        for (const auto& section : conf.sections) {
            top_level(section);
        }
        keep_multipath_keys_file();
        finish_block(defaults_, "defaults");
        finish_block(overrides_, "overrides");
        for (auto& d : devices_) {
            finish_block(d.options, "device");
        }
        for (auto& m : multipaths_) {
            finish_block(m.options, "multipath");
        }
        check_defaults();
        ImportResult result;
        result.yaml = emit();
        std::stable_sort(notes_.begin(), notes_.end(),
                         [](const ImportNote& a, const ImportNote& b) { return a.line < b.line; });
        result.notes = std::move(notes_);
        return result;
    }

private:
    void note(Kind kind, int line, std::string option, std::string message) {
        notes_.push_back({kind, file_, line, std::move(option), std::move(message)});
    }

    void set(Block& block, const std::string& key, std::string yaml, int line) {
        for (auto& [k, v] : block.entries) {
            if (k == key) {
                if (v.line != line) {
                    note(Kind::Syntax, v.line, key,
                         "set again at line " + std::to_string(line) + "; the later value wins");
                }
                v = {std::move(yaml), line};
                return;
            }
        }
        block.entries.emplace_back(key, Value{std::move(yaml), line});
    }

    // ---- Sections.

    void top_level(const ConfSection& s) {
        if (s.name == "defaults") {
            options_section(s, Scope::Defaults, defaults_);
        } else if (s.name == "overrides") {
            options_section(s, Scope::Overrides, overrides_);
        } else if (s.name == "blacklist") {
            blacklist_section(s, blacklist_);
        } else if (s.name == "blacklist_exceptions") {
            blacklist_section(s, exceptions_);
        } else if (s.name == "devices") {
            list_section(s, "device", [&](const ConfSection& sub) { device(sub); });
        } else if (s.name == "multipaths") {
            list_section(s, "multipath", [&](const ConfSection& sub) { multipath(sub); });
        } else {
            note(Kind::NotMapped, s.line, s.name,
                 "unknown section (lines " + std::to_string(s.line) + "-" + std::to_string(s.end_line) +
                     ") skipped; multipath.conf has defaults, blacklist, blacklist_exceptions, devices, "
                     "multipaths and overrides");
        }
    }

    template <typename F>
    void list_section(const ConfSection& s, std::string_view item, F&& each) {
        for (const auto& a : s.attributes) {
            note(Kind::NotMapped, a.line, a.keyword,
                 "unknown keyword in " + s.name + " (only \"" + std::string(item) +
                     " { }\" subsections belong here)");
        }
        for (const auto& sub : s.subsections) {
            if (sub.name == item) {
                each(sub);
            } else {
                note(Kind::NotMapped, sub.line, sub.name,
                     "unknown subsection of " + s.name + " skipped (expected \"" + std::string(item) +
                         " {\")");
            }
        }
    }

    void options_section(const ConfSection& s, Scope scope, Block& block) {
        for (const auto& a : s.attributes) {
            option(scope, a, block);
        }
        fc_timeouts(block);
        for (const auto& sub : s.subsections) {
            if (scope == Scope::Overrides && sub.name == "protocol") {
                note(Kind::NotMapped, sub.line, "protocol",
                     "per-protocol overrides (lines " + std::to_string(sub.line) + "-" +
                         std::to_string(sub.end_line) +
                         ") have no pathkeeper equivalent; fast_io_fail applies to the FC remote ports and "
                         "iSCSI sessions of every map alike");
            } else {
                note(Kind::NotMapped, sub.line, sub.name, "unknown subsection of " + s.name + " skipped");
            }
        }
    }

    // FC timeouts the kernel would refuse are refused by pathkeeper's --check-config: a dev_loss_tmo above
    // 600 s with fast_io_fail off is capped at 600 s, as multipath-tools does; any other clash drops it.
    void fc_timeouts(Block& block) {
        const Value* dev_value = block.find("dev_loss_tmo");
        if (dev_value == nullptr) {
            return;
        }
        auto dev = core::parse_dev_loss_tmo(dev_value->yaml);
        std::optional<std::chrono::seconds> fast;
        if (const Value* fast_value = block.find("fast_io_fail")) {
            if (fast_value->yaml == "off") {
                fast = core::kFastIoFailOff;
            } else if (auto d = core::parse_duration(fast_value->yaml)) {
                fast = std::chrono::duration_cast<std::chrono::seconds>(*d);
            }
        }
        if (!dev.ok()) {
            return;
        }
        auto ok = core::check_fc_timeouts(fast, *dev);
        if (ok.ok()) {
            return;
        }
        const int line = dev_value->line;
        if (fast == core::kFastIoFailOff) {
            set(block, "dev_loss_tmo", "600s", line);
            note(Kind::Translated, line, "dev_loss_tmo",
                 ok.error().message + "; written as 600s, the limit multipath-tools applies too");
        } else {
            block.erase("dev_loss_tmo");
            note(Kind::InvalidValue, line, "dev_loss_tmo", ok.error().message + "; left out");
        }
    }

    // A regex for a pathkeeper Pattern: multipath-tools' "\!" (a literal leading '!') becomes "[!]".
    std::optional<std::string> regex(const ConfAttribute& a) {
        std::string text = a.value;
        if (text.starts_with("\\!")) {
            text = "[!]" + text.substr(2);
        }
        if (text.empty()) {
            note(Kind::InvalidValue, a.line, a.keyword, "empty regular expression left out");
            return std::nullopt;
        }
        auto compiled = core::Pattern::compile(text);
        if (!compiled.ok()) {
            note(Kind::InvalidValue, a.line, a.keyword, compiled.error().message + "; left out");
            return std::nullopt;
        }
        return text;
    }

    void blacklist_section(const ConfSection& s, Blacklist& out) {
        for (const auto& a : s.attributes) {
            std::vector<PatternItem>* list = a.keyword == "devnode"    ? &out.devnode
                                             : a.keyword == "wwid"     ? &out.wwid
                                             : a.keyword == "property" ? &out.property
                                             : a.keyword == "protocol" ? &out.protocol
                                                                       : nullptr;
            if (list == nullptr) {
                note(Kind::NotMapped, a.line, a.keyword,
                     "unknown keyword in " + s.name +
                         " (valid: devnode, wwid, property, protocol, device { })");
                continue;
            }
            if (list == &out.wwid) {
                if (auto checked = core::check_literal_wwid_pattern(a.value); !checked) {
                    note(Kind::InvalidValue, a.line, a.keyword,
                         "can never match, left out: " + checked.error().message);
                    continue;
                }
            }
            if (auto r = regex(a)) {
                list->push_back({*r, a.line});
            }
        }
        for (const auto& sub : s.subsections) {
            if (sub.name != "device") {
                note(Kind::NotMapped, sub.line, sub.name, "unknown subsection of " + s.name + " skipped");
                continue;
            }
            DeviceMatch match;
            match.line = sub.line;
            bool ok = true;
            for (const auto& a : sub.attributes) {
                if (a.keyword != "vendor" && a.keyword != "product") {
                    note(Kind::NotMapped, a.line, a.keyword,
                         "a " + s.name + " device matches on vendor and product only");
                    continue;
                }
                auto r = regex(a);
                if (!r) {
                    ok = false;
                    continue;
                }
                (a.keyword == "vendor" ? match.vendor : match.product) = *r;
            }
            if (!ok) {
                note(Kind::InvalidValue, sub.line, "device", "this " + s.name + " device rule is left out");
            } else if (!match.vendor && !match.product) {
                note(Kind::InvalidValue, sub.line, "device",
                     "a " + s.name + " device rule without vendor or product is left out");
            } else {
                out.device.push_back(std::move(match));
            }
        }
    }

    void device(const ConfSection& s) {
        Device d;
        d.line = s.line;
        bool patterns_ok = true;
        std::optional<std::string> vendor, product;
        for (const auto& a : s.attributes) {
            if (a.keyword == "vendor" || a.keyword == "product" || a.keyword == "revision") {
                auto r = regex(a);
                if (!r) {
                    patterns_ok = false;
                    continue;
                }
                (a.keyword == "vendor" ? vendor : a.keyword == "product" ? product : d.revision) = *r;
            } else if (a.keyword == "product_blacklist") {
                // Applied below, once the vendor is known (it may come after this line).
            } else {
                option(Scope::Device, a, d.options);
            }
        }
        fc_timeouts(d.options);
        for (const auto& sub : s.subsections) {
            note(Kind::NotMapped, sub.line, sub.name, "unknown subsection of device skipped");
        }
        for (const auto& a : s.attributes) {
            if (a.keyword != "product_blacklist") {
                continue;
            }
            auto r = regex(a);
            if (!r) {
                continue;
            }
            if (!vendor) {
                note(Kind::InvalidValue, a.line, a.keyword, "needs the device's vendor; left out");
                continue;
            }
            blacklist_.device.push_back({vendor, *r, a.line});
            note(Kind::Translated, a.line, a.keyword,
                 "written as a blacklist device rule (vendor " + *vendor + ", product " + *r +
                     "), which is what it means");
        }
        if (!patterns_ok) {
            note(Kind::InvalidValue, s.line, "device",
                 "device rule left out: a vendor/product/revision regex is invalid");
            return;
        }
        if (!vendor || !product) {
            note(Kind::InvalidValue, s.line, "device",
                 std::string("device rule left out: it has no ") + (!vendor ? "vendor" : "product") +
                     " (multipath-tools ignores it too)");
            return;
        }
        d.vendor = *vendor;
        d.product = *product;
        devices_.push_back(std::move(d));
    }

    void multipath(const ConfSection& s) {
        std::optional<std::string> wwid;
        std::optional<Value> alias;
        Block options;
        for (const auto& a : s.attributes) {
            if (a.keyword == "wwid") {
                if (auto checked = core::check_wwid(a.value); !checked) {
                    note(Kind::InvalidValue, a.line, a.keyword, checked.error().message);
                } else {
                    wwid = a.value;
                }
            } else if (a.keyword == "alias") {
                if (a.value.empty() || a.value.find_first_of(" \t/") != std::string::npos || a.value == "." ||
                    a.value == "..") {
                    note(Kind::InvalidValue, a.line, a.keyword,
                         "alias \"" + a.value + "\" is not a device name (no spaces or '/'); left out");
                } else {
                    alias = Value{a.value, a.line};
                }
            } else {
                option(Scope::Multipath, a, options);
            }
        }
        fc_timeouts(options);
        for (const auto& sub : s.subsections) {
            note(Kind::NotMapped, sub.line, sub.name, "unknown subsection of multipath skipped");
        }
        if (!wwid) {
            note(Kind::InvalidValue, s.line, "multipath",
                 "entry left out: it has no valid wwid (multipath-tools ignores it too)");
            return;
        }
        // Entries for one WWID are merged, later settings winning (multipath.conf(5)).
        auto same = std::find_if(multipaths_.begin(), multipaths_.end(),
                                 [&](const auto& m) { return m.wwid == *wwid; });
        if (same != multipaths_.end()) {
            note(Kind::Syntax, s.line, "multipath",
                 "second entry for WWID " + *wwid + " (first at line " + std::to_string(same->line) +
                     ") merged into it; its settings win");
            if (alias && alias_is_free(*alias, *wwid)) {
                same->alias = alias;
            }
            for (auto& [k, v] : options.entries) {
                set(same->options, k, v.yaml, v.line);
            }
            if (options.features_queue) {
                same->options.features_queue = options.features_queue;
            }
            return;
        }
        if (alias && !alias_is_free(*alias, *wwid)) {
            alias.reset();
        }
        multipaths_.push_back({*wwid, alias, std::move(options), s.line});
    }

    // One alias names one map: an alias another WWID's entry already has is left out, with a note.
    bool alias_is_free(const Value& alias, const std::string& wwid) {
        for (const auto& m : multipaths_) {
            if (m.wwid != wwid && m.alias && m.alias->yaml == alias.yaml) {
                note(Kind::InvalidValue, alias.line, "alias",
                     "alias \"" + alias.yaml + "\" is already used by WWID " + m.wwid + " (line " +
                         std::to_string(m.alias->line) + "); left out");
                return false;
            }
        }
        return true;
    }

    // ---- Options.

    void option(Scope scope, const ConfAttribute& a, Block& block) {
        const std::string& k = a.keyword;
        const std::string& v = a.value;
        if (k == "config_dir") {
            note(Kind::Info, a.line, k,
                 "pathkeeper's drop-in directory is conf.d next to pathkeeper.yaml (/etc/pathkeeper/conf.d); "
                 "import each file of " +
                     v + " with pathctl config import into a .yaml file there");
            return;
        }
        if (auto it = unmapped_reasons().find(k); it != unmapped_reasons().end()) {
            note(Kind::NotMapped, a.line, k, it->second);
            return;
        }
        if (v.empty() && k == "prio_args") {
            set(block, k, quote(v), a.line);  // prio_args "": no arguments, as multipath-tools reads it
            return;
        }
        if (v.empty()) {
            note(Kind::InvalidValue, a.line, k, "has no value; left out");
            return;
        }
        if (k == "alias_prefix") {
            if (scope == Scope::Multipath) {
                note(Kind::InvalidValue, a.line, k,
                     "not allowed in a multipath section (multipath-tools ignores it there too); left out");
            } else if (v.find_first_of("/ \t") != std::string::npos) {
                note(Kind::InvalidValue, a.line, k,
                     "alias_prefix \"" + v + "\" must not contain '/' or spaces; left out");
            } else {
                set(block, k, quote(v), a.line);
            }
            return;
        }
        if (k == "uid_attribute") {
            if (scope == Scope::Multipath) {
                note(Kind::InvalidValue, a.line, k,
                     "not allowed in a multipath section (multipath-tools ignores it there too); left out");
            } else if (!core::valid_udev_property_name(v)) {
                note(Kind::InvalidValue, a.line, k, "\"" + v + "\" is not a udev property name; left out");
            } else {
                set(block, k, quote(v), a.line);
            }
            return;
        }
        if (is_global_keyword(k)) {
            if (scope != Scope::Defaults) {
                note(Kind::NotMapped, a.line, k,
                     "a daemon-wide setting in pathkeeper (defaults only); left out here");
                return;
            }
            global_option(a, block);
            return;
        }
        auto invalid = [&](const std::string& why) {
            note(Kind::InvalidValue, a.line, k, why + "; left out");
        };
        if (k == "selector") {
            note(Kind::Translated, a.line, k, "old name of path_selector, read as path_selector");
            option(scope, ConfAttribute{"path_selector", a.value, a.quoted, a.line}, block);
        } else if (k == "path_grouping_policy") {
            auto r = core::parse_grouping_policy(v);
            r.ok() ? set(block, k, core::to_string(*r), a.line) : invalid(r.error().message);
        } else if (k == "path_selector") {
            auto r = core::parse_path_selector(v);
            if (r.ok()) {
                set(block, k, core::to_string(*r), a.line);
            } else {
                invalid(r.error().message);
            }
        } else if (k == "path_checker") {
            const std::string t = lower(v);
            if (t == "cciss_tur") {
                note(Kind::NotMapped, a.line, k,
                     "hardware-specific checker \"" + v +
                         "\" is not available; pathkeeper checks with tur (default), directio, readsector0, "
                         "rdac, hp_sw, emc_clariion or none");
            } else {
                auto r = core::parse_checker_kind(v);
                r.ok() ? set(block, k, core::to_string(*r), a.line) : invalid(r.error().message);
            }
        } else if (k == "prio") {
            auto r = core::parse_prio_kind(v);
            if (r.ok()) {
                set(block, k, core::to_string(*r), a.line);
            } else {
                note(Kind::NotMapped, a.line, k,
                     "prioritizer \"" + v +
                         "\" is not available (pathkeeper has const, alua, sysfs, rdac, hp_sw, emc, ontap, "
                         "hds, weightedpath and path_latency; detect_prio picks alua for ALUA devices)");
            }
        } else if (k == "prio_args") {
            if (lower(v).starts_with("wwn")) {
                note(Kind::NotMapped, a.line, k,
                     "weightedpath's wwn field (FC host and target port names) is not known to pathkeeper; "
                     "match hbtl, devname or serial instead");
            } else {
                set(block, k, quote(v), a.line);
            }
        } else if (k == "detect_prio" || k == "detect_checker" || k == "retain_attached_hw_handler" ||
                   k == "user_friendly_names") {
            auto b = parse_bool(v);
            b ? set(block, k, *b ? "yes" : "no", a.line)
              : invalid("invalid boolean \"" + v + "\" (valid: yes, no)");
        } else if (k == "flush_on_last_del") {
            const std::string t = lower(v);
            auto b = t == "always"  ? std::optional<bool>(true)
                     : t == "never" ? std::optional<bool>(false)
                                    : parse_bool(v);
            if (b) {
                set(block, k, *b ? "yes" : "no", a.line);
            } else if (t == "unused") {
                note(Kind::NotMapped, a.line, k, "\"unused\" has no equivalent (pathkeeper: yes or no)");
            } else {
                invalid("invalid value \"" + v + "\" (valid: yes, no)");
            }
        } else if (k == "reservation_key") {
            reservation_key(a, block);
        } else if (k == "all_tg_pt") {
            auto b = parse_bool(v);
            if (!b) {
                invalid("invalid boolean \"" + v + "\" (valid: yes, no)");
                return;
            }
            set(block, "reservation_all_tg_pt", *b ? "yes" : "no", a.line);
            note(Kind::Translated, a.line, k, "written as reservation_all_tg_pt");
        } else if (k == "failback") {
            auto r = core::parse_failback(v);
            r.ok() ? set(block, k, core::to_string(*r), a.line) : invalid(r.error().message);
        } else if (k == "no_path_retry") {
            auto r = core::parse_no_path_retry(v);
            r.ok() ? set(block, k, core::to_string(*r), a.line) : invalid(r.error().message);
        } else if (k == "rr_weight") {
            auto r = core::parse_rr_weight(v);
            r.ok() ? set(block, k, core::to_string(*r), a.line) : invalid(r.error().message);
        } else if (k == "rr_min_io_rq") {
            if (all_digits(v) && std::stoul(v) >= 1 && std::stoul(v) <= 1000000) {
                set(block, k, std::to_string(std::stoul(v)), a.line);
            } else {
                invalid("invalid rr_min_io_rq \"" + v + "\" (expected 1..1000000)");
            }
        } else if (k == "hardware_handler") {
            auto r = core::parse_hardware_handler(v);
            if (r.ok()) {
                set(block, k, core::to_string(*r), a.line);
            } else if (lower(v).find("ana") != std::string::npos) {
                note(Kind::NotMapped, a.line, k,
                     "NVMe ANA is handled by the kernel's native NVMe multipath, "
                     "not by pathkeeper");
            } else {
                invalid(r.error().message);
            }
        } else if (k == "vpd_vendor") {
            // multipath-tools knows one vendor page layout, HPE 3PAR's.
            v == "hp3par" ? set(block, k, v, a.line)
                          : invalid("invalid vpd_vendor \"" + v + "\" (valid: hp3par)");
        } else if (k == "features") {
            features(a, block);
        } else if (k == "fast_io_fail_tmo") {
            const std::string t = lower(v);
            if (t == "off" || t == "0") {
                set(block, "fast_io_fail", "off", a.line);
            } else if (all_digits(t)) {
                set(block, "fast_io_fail", seconds(std::stoul(t)), a.line);
            } else {
                invalid("invalid fast_io_fail_tmo \"" + v + "\" (expected seconds or off)");
                return;
            }
            note(
                Kind::Translated, a.line, k,
                "written as fast_io_fail: pathkeeper sets the FC remote port's fast_io_fail_tmo to it, as "
                "multipath-tools does, and the iSCSI session's recovery_tmo while the map has another usable "
                "path" +
                    std::string(t == "0" ? " (0 is written as off: leave recovery_tmo alone)" : ""));
        } else if (k == "dev_loss_tmo") {
            auto r = core::parse_dev_loss_tmo(v);
            if (!r.ok()) {
                invalid(r.error().message);
                return;
            }
            set(block, k, core::to_string(*r), a.line);
            note(Kind::Translated, a.line, k,
                 "written as dev_loss_tmo: set on FC remote ports (SAS end devices have no writable timeout, "
                 "iSCSI paths follow their session); unlike multipath-tools, pathkeeper does not raise it to "
                 "cover no_path_retry");
        } else if (k == "eh_deadline") {
            auto r = core::parse_eh_deadline(v);
            r.ok() ? set(block, k, core::to_string(*r), a.line) : invalid(r.error().message);
        } else if (k == "max_sectors_kb") {
            auto r = core::parse_max_sectors_kb(v);
            r.ok() ? set(block, k, core::to_string(*r), a.line) : invalid(r.error().message);
        } else if (k == "checker_timeout") {
            if (all_digits(v) && std::stoul(v) >= 1) {
                set(block, k, seconds(std::stoul(v)), a.line);
            } else if (v == "0") {
                note(Kind::NotMapped, a.line, k,
                     "0 means the SCSI command timeout in multipath-tools; pathkeeper's default (30s) "
                     "applies");
            } else {
                invalid("invalid checker_timeout \"" + v + "\" (expected seconds)");
            }
        } else if (k == "san_path_err_threshold") {
            if (all_digits(v) && std::stoul(v) >= 1 && std::stoul(v) <= 1000) {
                set(block, "flap_threshold", std::to_string(std::stoul(v)), a.line);
                note(Kind::Translated, a.line, k,
                     "written as flap_threshold: multipath-tools counts path errors before holding the path "
                     "out; "
                     "pathkeeper counts failures soon after reinstatement (flap_window)");
            } else if (lower(v) == "no" || v == "0") {
                note(Kind::NotMapped, a.line, k,
                     "off (multipath-tools' default); pathkeeper's flap damping stays on with its own "
                     "defaults "
                     "(flap_threshold 0 turns it off)");
            } else {
                invalid("invalid san_path_err_threshold \"" + v + "\" (expected 1..1000 or no)");
            }
        } else if (k == "san_path_err_recovery_time") {
            if (all_digits(v) && std::stoul(v) >= 1) {
                const unsigned long n = std::stoul(v);
                set(block, "flap_hold_time", seconds(n), a.line);
                std::string extra;
                if (n > 300) {  // beyond the built-in flap_hold_max (5m), which must not be shorter
                    set(block, "flap_hold_max", seconds(n), a.line);
                    extra = " (flap_hold_max raised to the same value: no doubling)";
                }
                note(Kind::Translated, a.line, k,
                     "written as flap_hold_time: how long a flapping path is held out; pathkeeper doubles it "
                     "for "
                     "each further flap up to flap_hold_max" +
                         extra);
            } else if (lower(v) == "no" || v == "0") {
                note(Kind::NotMapped, a.line, k,
                     "off (multipath-tools' default); pathkeeper's flap damping keeps "
                     "its own defaults");
            } else {
                invalid("invalid san_path_err_recovery_time \"" + v + "\" (expected seconds)");
            }
        } else {
            note(Kind::NotMapped, a.line, k, "unknown multipath.conf keyword");
        }
    }

    // "<hex key>[:aptpl]" (with or without 0x, as multipath-tools reads it) or "file". The APTPL suffix
    // becomes the option reservation_aptpl.
    void reservation_key(const ConfAttribute& a, Block& block) {
        const std::string& k = a.keyword;
        std::string_view key = a.value;
        std::optional<std::string_view> flag;
        if (const auto colon = key.find(':'); colon != std::string_view::npos) {
            flag = key.substr(colon + 1);
            key = key.substr(0, colon);
        }
        if (lower(key) == "file") {
            set(block, k, "file", a.line);
            if (!file_key_line_) {
                file_key_line_ = a.line;
            }
            if (flag) {
                note(Kind::NotMapped, a.line, k,
                     "\":" + std::string(*flag) +
                         "\" after file left out: the keys file records APTPL with each key (0X)");
            }
            return;
        }
        const std::string hex =
            key.starts_with("0x") || key.starts_with("0X") ? std::string(key) : "0x" + std::string(key);
        const auto parsed = core::parse_hex_key(hex);
        if (!parsed) {
            note(Kind::InvalidValue, a.line, k,
                 "invalid reservation_key \"" + a.value +
                     "\" (expected a hexadecimal key of 1 to 16 digits, optionally followed by :aptpl, or "
                     "file); left out");
            return;
        }
        if (*parsed == 0) {
            note(Kind::NotMapped, a.line, k, "a zero key registers nothing; left out");
            return;
        }
        set(block, k, core::to_string(core::ReservationKey::fixed(*parsed)), a.line);
        if (!flag) {
            return;
        }
        if (*flag == "aptpl") {
            set(block, "reservation_aptpl", "yes", a.line);
            note(Kind::Translated, a.line, k, "the :aptpl suffix written as reservation_aptpl: yes");
        } else {
            note(Kind::NotMapped, a.line, k,
                 "unknown flag \":" + std::string(*flag) + "\" left out (only :aptpl exists)");
        }
    }

    void global_option(const ConfAttribute& a, Block& block) {
        const std::string& k = a.keyword;
        const std::string& v = a.value;
        auto invalid = [&](const std::string& why) {
            note(Kind::InvalidValue, a.line, k, why + "; left out");
        };
        if (k == "verbosity") {
            if (!all_digits(v) || std::stoul(v) > 6) {
                invalid("invalid verbosity \"" + v + "\" (expected 0..6)");
                return;
            }
            const unsigned long n = std::stoul(v);
            const char* level = n <= 1 ? "error" : n == 2 ? "notice" : n == 3 ? "info" : "debug";
            set(block, "log_level", level, a.line);
            note(Kind::Translated, a.line, k, "verbosity " + v + " written as log_level: " + level);
        } else if (k == "polling_interval" || k == "max_polling_interval") {
            if (all_digits(v) && std::stoul(v) >= 1) {
                set(block, k, seconds(std::stoul(v)), a.line);
            } else {
                invalid("invalid " + k + " \"" + v + "\" (expected whole seconds >= 1)");
            }
        } else if (k == "find_multipaths") {
            auto r = core::parse_find_multipaths(v);
            if (!r.ok()) {
                invalid(r.error().message);
                return;
            }
            // "on" is a YAML 1.1 boolean: quoted so it stays the word.
            set(block, k, *r == core::FindMultipaths::On ? "\"on\"" : core::to_string(*r), a.line);
            const std::string t = lower(v);
            if (t == "no" || t == "off") {
                note(Kind::Translated, a.line, k,
                     v + " written as greedy (what multipathd does with it; `multipath -u` treated it as "
                         "strict)");
            }
        } else if (k == "find_multipaths_timeout") {
            find_multipaths_timeout(a, block);
        } else if (k == "uid_attrs") {
            if (auto r = core::parse_uid_attrs(v); !r) {
                invalid(r.error().message);
            } else {
                set(block, k, quote(v), a.line);
            }
        } else if (k == "queue_without_daemon") {
            auto b = parse_bool(v);
            b ? set(block, k, *b ? "yes" : "no", a.line)
              : invalid("invalid boolean \"" + v + "\" (valid: yes, no)");
        } else if (k == "bindings_file") {
            if (!v.starts_with("/")) {
                invalid("bindings_file \"" + v + "\" is not an absolute path");
                return;
            }
            set(block, "import_multipath_bindings", "yes", a.line);
            set(block, "multipath_bindings_file", quote(v), a.line);
            note(Kind::Translated, a.line, k,
                 "written as multipath_bindings_file: pathkeeper keeps its own bindings "
                 "(<state-dir>/bindings) and "
                 "imports this file on first start, so every map keeps its name");
        } else if (k == "prkeys_file") {
            if (!v.starts_with("/")) {
                invalid("prkeys_file \"" + v + "\" is not an absolute path");
                return;
            }
            set(block, "reservation_keys_file", quote(v), a.line);
            note(Kind::Translated, a.line, k,
                 "written as reservation_keys_file: pathkeeper reads and writes the keys of maps with "
                 "reservation_key file in the same file and format");
        }
    }

    // multipath-tools: N > 0 waits N s for every device; -N waits N s for devices of its hardware table and
    // 1 s for the others; 0 is its default (-10). pathkeeper has one wait for every device.
    void find_multipaths_timeout(const ConfAttribute& a, Block& block) {
        const std::string& v = a.value;
        const bool negative = v.starts_with("-");
        const std::string digits = negative ? v.substr(1) : v;
        if (!all_digits(digits)) {
            note(Kind::InvalidValue, a.line, a.keyword,
                 "invalid find_multipaths_timeout \"" + v + "\" (expected whole seconds); left out");
            return;
        }
        const unsigned long n = std::stoul(digits);
        if (n == 0) {
            note(Kind::Translated, a.line, a.keyword,
                 "0 (multipath-tools' default) left to pathkeeper's default wait of 10s");
            return;
        }
        set(block, a.keyword, seconds(n), a.line);
        if (negative) {
            note(Kind::Translated, a.line, a.keyword,
                 v + " written as " + seconds(n) +
                     ": pathkeeper waits that long for every device (multipath-tools waits only 1s for "
                     "devices outside its hardware table)");
        }
    }

    // features "N f1 f2 ...": the features pathkeeper sets from its own options are translated to them.
    void features(const ConfAttribute& a, Block& block) {
        std::vector<std::string> words;
        std::size_t i = 0;
        const std::string& v = a.value;
        while (i < v.size()) {
            while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) {
                ++i;
            }
            std::size_t start = i;
            while (i < v.size() && v[i] != ' ' && v[i] != '\t') {
                ++i;
            }
            if (i > start) {
                words.push_back(v.substr(start, i - start));
            }
        }
        if (words.empty() || !all_digits(words[0])) {
            note(Kind::InvalidValue, a.line, "features",
                 "expected \"<count> <feature>...\", got \"" + v + "\"; left out");
            return;
        }
        if (words.size() == 1) {
            note(Kind::Translated, a.line, "features", "no features listed: nothing to write");
            return;
        }
        for (std::size_t w = 1; w < words.size(); ++w) {
            const std::string& f = words[w];
            if (f == "queue_if_no_path") {
                block.features_queue = Value{"queue", a.line};
            } else if (f == "pg_init_retries" && w + 1 < words.size() && all_digits(words[w + 1]) &&
                       std::stoul(words[w + 1]) <= 50) {
                set(block, "pg_init_retries", std::to_string(std::stoul(words[w + 1])), a.line);
                note(Kind::Translated, a.line, "features",
                     "pg_init_retries " + words[w + 1] + " written as pg_init_retries");
                ++w;
            } else if (f == "retain_attached_hw_handler") {
                set(block, "retain_attached_hw_handler", "yes", a.line);
                note(Kind::Translated, a.line, "features",
                     "retain_attached_hw_handler written as retain_attached_hw_handler: yes");
            } else if (f == "queue_mode" && w + 1 < words.size() && core::parse_queue_mode(words[w + 1])) {
                const auto mode = *core::parse_queue_mode(words[w + 1]);
                set(block, "queue_mode", core::to_string(mode), a.line);
                note(Kind::Translated, a.line, "features",
                     "queue_mode " + words[w + 1] + " written as queue_mode: " + core::to_string(mode));
                ++w;
            } else if (f == "pg_init_delay_msecs" || f == "queue_mode") {
                note(Kind::NotMapped, a.line, "features", "feature " + f + " is not supported; left out");
                if (w + 1 < words.size()) {
                    ++w;  // its argument
                }
            } else if (f == "no_partitions") {
                note(Kind::NotMapped, a.line, "features",
                     "no_partitions is not supported (partitions are left to kpartx's udev rules); left out");
            } else {
                note(Kind::NotMapped, a.line, "features", "unknown feature \"" + f + "\" left out");
            }
        }
    }

    // Settles what depends on the whole block: features' queue_if_no_path yields to no_path_retry.
    void finish_block(Block& block, const std::string& where) {
        if (!block.features_queue) {
            return;
        }
        const Value q = *block.features_queue;
        block.features_queue.reset();
        if (const Value* npr = block.find("no_path_retry")) {
            note(Kind::Translated, q.line, "features",
                 "queue_if_no_path in " + where + " ignored: no_path_retry (line " +
                     std::to_string(npr->line) + ") takes precedence, as in multipath-tools");
            return;
        }
        set(block, "no_path_retry", q.yaml, q.line);
        note(Kind::Translated, q.line, "features", "queue_if_no_path written as no_path_retry: queue");
    }

    // multipath-tools keeps the keys of "reservation_key file" maps in /etc/multipath/prkeys unless
    // prkeys_file says otherwise; pathkeeper's default is its state directory. Pointing pathkeeper at the
    // same file keeps the keys mpathpersist --register recorded.
    void keep_multipath_keys_file() {
        if (!file_key_line_ || defaults_.find("reservation_keys_file")) {
            return;
        }
        set(defaults_, "reservation_keys_file", quote(kMultipathKeysFile), *file_key_line_);
        note(Kind::Translated, *file_key_line_, "reservation_key",
             std::string("file: reservation_keys_file set to ") + kMultipathKeysFile +
                 ", where multipath-tools keeps the keys mpathpersist --register recorded");
    }

    void check_defaults() {
        const Value* poll = defaults_.find("polling_interval");
        const Value* max = defaults_.find("max_polling_interval");
        auto secs = [](const Value* v) { return std::stoul(v->yaml); };  // "Ns"
        if (poll && max && secs(max) < secs(poll)) {
            note(Kind::InvalidValue, max->line, "max_polling_interval",
                 "shorter than polling_interval (" + poll->yaml + "); left out");
            defaults_.erase("max_polling_interval");
        } else if (!poll && max && secs(max) < 5) {
            note(Kind::InvalidValue, max->line, "max_polling_interval",
                 "shorter than the default polling_interval (5s); left out");
            defaults_.erase("max_polling_interval");
        }
        if (poll && secs(poll) * 1000 < 250) {
            // fast_recheck_interval (250ms) must not be longer than polling_interval: unreachable with whole
            // seconds, kept as a guard should the units change.
            set(defaults_, "fast_recheck_interval", poll->yaml, poll->line);
        }
        if (!defaults_.find("find_multipaths")) {
            note(Kind::Info, 0, "find_multipaths",
                 "not set: multipath-tools 0.9.4 defaults to strict, pathkeeper to on (a WWID seen on two "
                 "paths "
                 "becomes a map); add `find_multipaths: strict` under defaults to keep the old behaviour");
        }
    }

    // ---- YAML.

    static void emit_block(std::string& out, const Block& block, const std::string& indent) {
        for (const auto& [k, v] : block.entries) {
            out += indent + k + ": " + v.yaml + "  # line " + std::to_string(v.line) + "\n";
        }
    }

    static void emit_patterns(std::string& out, const char* key, const std::vector<PatternItem>& items) {
        if (items.empty()) {
            return;
        }
        out += std::string("  ") + key + ":\n";
        for (const auto& p : items) {
            out += "    - " + quote(p.regex) + "  # line " + std::to_string(p.line) + "\n";
        }
    }

    static void emit_blacklist(std::string& out, const char* name, const Blacklist& b) {
        if (b.empty()) {
            return;
        }
        out += std::string("\n") + name + ":\n";
        emit_patterns(out, "devnode", b.devnode);
        emit_patterns(out, "wwid", b.wwid);
        emit_patterns(out, "property", b.property);
        emit_patterns(out, "protocol", b.protocol);
        if (!b.device.empty()) {
            out += "  device:\n";
            for (const auto& d : b.device) {
                const char* lead = "    - ";
                if (d.vendor) {
                    out += std::string(lead) + "vendor: " + quote(*d.vendor) + "  # line " +
                           std::to_string(d.line) + "\n";
                    lead = "      ";
                }
                if (d.product) {
                    out += std::string(lead) + "product: " + quote(*d.product) +
                           (d.vendor ? "" : "  # line " + std::to_string(d.line)) + "\n";
                }
            }
        }
    }

    std::string emit() const {
        std::string out =
            "# pathkeeper.yaml imported from " + file_ +
            " by `pathctl config import`.\n"
            "# \"# line N\" names the multipath.conf line each value came from. Options pathkeeper "
            "cannot\n# express were reported by the import and left out. Reference: "
            "docs/configuration.md.\n";
        if (!defaults_.entries.empty()) {
            out += "\ndefaults:\n";
            emit_block(out, defaults_, "  ");
        }
        emit_blacklist(out, "blacklist", blacklist_);
        emit_blacklist(out, "blacklist_exceptions", exceptions_);
        if (!devices_.empty()) {
            out += "\ndevices:\n";
            for (const auto& d : devices_) {
                out += "  - vendor: " + quote(d.vendor) + "  # line " + std::to_string(d.line) + "\n";
                out += "    product: " + quote(d.product) + "\n";
                if (d.revision) {
                    out += "    revision: " + quote(*d.revision) + "\n";
                }
                emit_block(out, d.options, "    ");
            }
        }
        if (!multipaths_.empty()) {
            out += "\nmultipaths:\n";
            for (const auto& m : multipaths_) {
                out += "  - wwid: " + quote(m.wwid) + "  # line " + std::to_string(m.line) + "\n";
                if (m.alias) {
                    out += "    alias: " + quote(m.alias->yaml) + "\n";
                }
                emit_block(out, m.options, "    ");
            }
        }
        if (!overrides_.entries.empty()) {
            out += "\noverrides:\n";
            emit_block(out, overrides_, "  ");
        }
        return out;
    }

    std::string file_;
    std::vector<ImportNote> notes_;
    Block defaults_, overrides_;
    Blacklist blacklist_, exceptions_;
    std::vector<Device> devices_;
    std::vector<Multipath> multipaths_;
    std::optional<int> file_key_line_;  // the first "reservation_key file"
};

}  // namespace

const char* to_string(ImportNote::Kind kind) noexcept {
    switch (kind) {
        case Kind::Translated:
            return "translated";
        case Kind::NotMapped:
            return "not mapped";
        case Kind::InvalidValue:
            return "invalid value";
        case Kind::Syntax:
            return "syntax";
        case Kind::Info:
            return "note";
    }
    return "note";
}

std::string ImportNote::to_string() const {
    std::string out = file;
    if (line > 0) {
        out += ":" + std::to_string(line);
    }
    out += ": ";
    if (!option.empty()) {
        out += option + ": ";
    }
    return out + message;
}

core::Result<ImportResult> import_multipath_conf(std::string_view text, std::string_view file_name) {
    auto conf = parse_multipath_conf(text, file_name);
    if (!conf.ok()) {
        return conf.error();
    }
    return Importer(file_name.empty() ? std::string("<input>") : std::string(file_name)).run(*conf);
}

}  // namespace pathkeeper::migrate
