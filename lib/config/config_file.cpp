#include "config/config_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <utility>

#include "config/yaml_reader.hpp"
#include "core/path_tuning.hpp"
#include "core/prio_args.hpp"
#include "core/uid_attrs.hpp"
#include "core/wwid.hpp"

namespace pathkeeper::config {
namespace {

using core::Config;
using core::Error;
using core::ErrorCode;
using core::MapOptions;
using core::Result;
using core::SourceLocation;

constexpr std::size_t max_config_bytes = 4 * 1024 * 1024;

// The section parsers: walk the YAML tree section by section, reading values with YamlReader.
class Parser : private YamlReader {
public:
    explicit Parser(std::string_view file_name) : YamlReader(file_name) {}

    ParseReport run(std::string_view text) {
        ParseReport report;
        report.config.source_file = file();
        if (text.size() > max_config_bytes) {
            add({file(), 0, 0}, "", "file is larger than 4 MiB; refusing to parse");
            report.diagnostics = std::move(diagnostics());
            return report;
        }
        YAML::Node root;
        try {
            // A second document would be silently ignored by a single-document load, so count them first.
            // Not with YAML::LoadAll: yaml-cpp 0.7 (Debian 12) loops forever, allocating without bound, when
            // a top-level flow collection or quoted scalar is followed by a stray comma (`{},`), a hang found
            // by tests/fuzz. Stopping after the second document start avoids that loop.
            std::optional<YAML::Mark> second = second_document_start(text);
            if (second) {
                add(loc(*second), "", "more than one YAML document; put everything in one");
                report.diagnostics = std::move(diagnostics());
                return report;
            }
            root = YAML::Load(std::string(text));
        } catch (const YAML::Exception& e) {
            add(loc(e.mark), "", "YAML syntax error: " + e.msg);
            report.diagnostics = std::move(diagnostics());
            return report;
        } catch (const std::exception& e) {
            add({file(), 0, 0}, "", std::string("YAML syntax error: ") + e.what());
            report.diagnostics = std::move(diagnostics());
            return report;
        }
        try {
            parse_root(root, report.config);
        } catch (const std::exception& e) {
            // yaml-cpp accessors throw on shapes we did not anticipate; never let that escape.
            add({file(), 0, 0}, "", std::string("unexpected document structure: ") + e.what());
        }
        std::stable_sort(
            diagnostics().begin(), diagnostics().end(), [](const Diagnostic& a, const Diagnostic& b) {
                return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
            });
        report.diagnostics = std::move(diagnostics());
        return report;
    }

private:
    // ---- Map options: shared by defaults, devices, multipaths and overrides.

    static const std::vector<std::string>& map_option_names() {
        static const std::vector<std::string> names = [] {
            std::vector<std::string> out;
            core::for_each_map_option(MapOptions{},
                                      [&](const char* name, const auto&) { out.emplace_back(name); });
            return out;
        }();
        return names;
    }
    static const std::vector<std::string>& global_option_names() {
        static const std::vector<std::string> names = [] {
            std::vector<std::string> out;
            core::for_each_global_option(core::GlobalOptions{},
                                         [&](const char* name, const auto&) { out.emplace_back(name); });
            return out;
        }();
        return names;
    }

    template <typename T>
    void store(std::optional<T>& field, std::optional<T> value,
               std::map<std::string, SourceLocation, std::less<>>& locs, const std::string& name,
               const YAML::Node& key) {
        if (value) {
            field = std::move(value);
            locs[name] = loc(key);
        }
    }

    // Returns false if `name` is not a map option.
    bool map_option(MapOptions& o, const std::string& name, const YAML::Node& key, const YAML::Node& v,
                    const std::string& path) {
        using namespace std::chrono_literals;
        auto& l = o.locations;
        if (name == "path_grouping_policy") {
            store(o.path_grouping_policy,
                  read_with(v, path, "a grouping policy", core::parse_grouping_policy), l, name, key);
        } else if (name == "path_selector") {
            store(o.path_selector, read_with(v, path, "a path selector", core::parse_path_selector), l, name,
                  key);
        } else if (name == "path_checker") {
            store(o.path_checker, read_with(v, path, "a checker name", core::parse_checker_kind), l, name,
                  key);
        } else if (name == "prio") {
            store(o.prio, read_with(v, path, "a prioritizer name", core::parse_prio_kind), l, name, key);
        } else if (name == "prio_args") {
            store(o.prio_args, scalar(v, path, "a string"), l, name, key);
        } else if (name == "detect_prio") {
            store(o.detect_prio, read_bool(v, path), l, name, key);
        } else if (name == "detect_checker") {
            store(o.detect_checker, read_bool(v, path), l, name, key);
        } else if (name == "failback") {
            store(o.failback,
                  read_with(v, path, "immediate, manual, followover or a delay", core::parse_failback), l,
                  name, key);
        } else if (name == "no_path_retry") {
            store(o.no_path_retry, read_with(v, path, "queue, fail or a number", core::parse_no_path_retry),
                  l, name, key);
        } else if (name == "rr_weight") {
            store(o.rr_weight, read_with(v, path, "uniform or priorities", core::parse_rr_weight), l, name,
                  key);
        } else if (name == "rr_min_io_rq") {
            store(o.rr_min_io_rq, read_unsigned(v, path, 1, 1000000), l, name, key);
        } else if (name == "hardware_handler") {
            store(o.hardware_handler, read_with(v, path, "a hardware handler", core::parse_hardware_handler),
                  l, name, key);
        } else if (name == "pg_init_retries") {
            store(o.pg_init_retries, read_unsigned(v, path, 0, 50), l, name, key);
        } else if (name == "queue_mode") {
            store(o.queue_mode, read_with(v, path, "a queue mode", core::parse_queue_mode), l, name, key);
        } else if (name == "retain_attached_hw_handler") {
            store(o.retain_attached_hw_handler, read_bool(v, path), l, name, key);
        } else if (name == "flush_on_last_del") {
            store(o.flush_on_last_del, read_bool(v, path), l, name, key);
        } else if (name == "user_friendly_names") {
            store(o.user_friendly_names, read_bool(v, path), l, name, key);
        } else if (name == "alias_prefix") {
            auto s = read_string(v, path);
            if (s && (s->empty() || s->find_first_of("/ \t") != std::string::npos)) {
                add(loc(v), path, "must be a non-empty name without '/' or spaces");
                s.reset();
            }
            store(o.alias_prefix, s, l, name, key);
        } else if (name == "fast_io_fail") {
            store(o.fast_io_fail, read_off_or_seconds(v, path), l, name, key);
        } else if (name == "last_path_recovery_tmo") {
            store(o.last_path_recovery_tmo, read_session_or_seconds(v, path), l, name, key);
        } else if (name == "checker_timeout") {
            store(o.checker_timeout, read_duration(v, path, 100ms), l, name, key);
        } else if (name == "dev_loss_tmo") {
            store(o.dev_loss_tmo, read_with(v, path, "kernel, infinity or seconds", core::parse_dev_loss_tmo),
                  l, name, key);
        } else if (name == "eh_deadline") {
            store(o.eh_deadline, read_with(v, path, "kernel, off or seconds", core::parse_eh_deadline), l,
                  name, key);
        } else if (name == "max_sectors_kb") {
            store(o.max_sectors_kb, read_with(v, path, "kernel or KiB", core::parse_max_sectors_kb), l, name,
                  key);
        } else if (name == "uid_attribute") {
            auto s = read_string(v, path);
            if (s && !core::valid_udev_property_name(*s)) {
                add(loc(v), path, "\"" + *s + "\" is not a udev property name (letters, digits and _)");
                s.reset();
            }
            store(o.uid_attribute, s, l, name, key);
        } else if (name == "vpd_vendor") {
            store(o.vpd_vendor, scalar(v, path, "a string"), l, name, key);
        } else if (name == "flap_window") {
            store(o.flap_window, read_duration(v, path, 0ms), l, name, key);
        } else if (name == "flap_threshold") {
            store(o.flap_threshold, read_unsigned(v, path, 0, 1000), l, name, key);
        } else if (name == "flap_hold_time") {
            store(o.flap_hold_time, read_duration(v, path, 0ms), l, name, key);
        } else if (name == "flap_hold_max") {
            store(o.flap_hold_max, read_duration(v, path, 0ms), l, name, key);
        } else if (name == "reservation_key") {
            store(o.reservation_key,
                  read_with(v, path, "a reservation key (0x...), file or none", core::parse_reservation_key),
                  l, name, key);
        } else if (name == "reservation_aptpl") {
            store(o.reservation_aptpl, read_bool(v, path), l, name, key);
        } else if (name == "reservation_all_tg_pt") {
            store(o.reservation_all_tg_pt, read_bool(v, path), l, name, key);
        } else {
            return false;
        }
        return true;
    }

    // Cross-field checks within one options block (values known only after the whole block is read).
    void check_map_options(const MapOptions& o, const std::string& path) {
        if (o.flap_hold_time && o.flap_hold_max && *o.flap_hold_max < *o.flap_hold_time) {
            add(o.locations.at("flap_hold_max"), join(path, "flap_hold_max"),
                "must not be shorter than flap_hold_time (" + core::format_duration(*o.flap_hold_time) + ")");
        }
        // A block that sets dev_loss_tmo manages FC remote ports: the kernel's rules decide what it may say.
        if (o.dev_loss_tmo) {
            if (auto ok = core::check_fc_timeouts(o.fast_io_fail, *o.dev_loss_tmo); !ok) {
                add(o.locations.at("dev_loss_tmo"), join(path, "dev_loss_tmo"), ok.error().message);
            }
        }
        // prio_args set beside the prio that reads them: checked now, not at the first plan.
        if (o.prio && o.prio_args) {
            if (auto valid = core::validate_prio_args(*o.prio, *o.prio_args); !valid) {
                add(o.locations.at("prio_args"), join(path, "prio_args"), valid.error().message);
            }
        }
    }

    bool global_option(core::GlobalOptions& g, const std::string& name, const YAML::Node& key,
                       const YAML::Node& v, const std::string& path) {
        using namespace std::chrono_literals;
        auto& l = g.locations;
        if (name == "polling_interval") {
            store(g.polling_interval, read_duration(v, path, 100ms), l, name, key);
        } else if (name == "max_polling_interval") {
            store(g.max_polling_interval, read_duration(v, path, 100ms), l, name, key);
        } else if (name == "fast_recheck_interval") {
            store(g.fast_recheck_interval, read_duration(v, path, 10ms), l, name, key);
        } else if (name == "find_multipaths") {
            store(g.find_multipaths,
                  read_with(v, path, "strict, on, smart or greedy", core::parse_find_multipaths), l, name,
                  key);
        } else if (name == "find_multipaths_timeout") {
            store(g.find_multipaths_timeout, read_duration(v, path, 1s), l, name, key);
        } else if (name == "uid_attrs") {
            auto s = scalar(v, path, "a string");  // "" = none
            if (s) {
                if (auto parsed = core::parse_uid_attrs(*s); !parsed) {
                    add(loc(v), path, parsed.error().message);
                    s.reset();
                }
            }
            store(g.uid_attrs, s, l, name, key);
        } else if (name == "bindings_file") {
            store(g.bindings_file, read_path(v, path), l, name, key);
        } else if (name == "wwids_file") {
            store(g.wwids_file, read_path(v, path), l, name, key);
        } else if (name == "reservation_keys_file") {
            store(g.reservation_keys_file, read_path(v, path), l, name, key);
        } else if (name == "queue_without_daemon") {
            store(g.queue_without_daemon, read_bool(v, path), l, name, key);
        } else if (name == "local_link_failover") {
            store(g.local_link_failover, read_bool(v, path), l, name, key);
        } else if (name == "import_multipath_bindings") {
            store(g.import_multipath_bindings, read_bool(v, path), l, name, key);
        } else if (name == "multipath_bindings_file") {
            store(g.multipath_bindings_file, read_path(v, path), l, name, key);
        } else if (name == "log_level") {
            store(g.log_level, read_with(v, path, "a log level", core::parse_log_level), l, name, key);
        } else if (name == "metrics_textfile_directory") {
            const bool off = v.IsScalar() && v.Scalar() == "off";
            store(g.metrics_textfile_directory, off ? std::optional<std::string>("off") : read_path(v, path),
                  l, name, key);
        } else if (name == "metrics_interval") {
            store(g.metrics_interval, read_duration(v, path, 1s), l, name, key);
        } else {
            return false;
        }
        return true;
    }

    // ---- Sections.

    void parse_root(const YAML::Node& root, Config& config) {
        if (root.IsNull()) {
            return;  // empty file or only comments: all built-in
        }
        if (!root.IsMap()) {
            add(loc(root), "", "the top level must be a mapping of sections (defaults, blacklist, ...)");
            return;
        }
        static const std::vector<std::string> sections{"defaults", "blacklist",  "blacklist_exceptions",
                                                       "devices",  "multipaths", "overrides"};
        for_each_entry(
            root, "",
            "the top level (sections: defaults, blacklist, blacklist_exceptions, devices, "
            "multipaths, overrides)",
            sections,
            [&](const std::string& name, const YAML::Node&, const YAML::Node& v, const std::string& path) {
                if (name == "defaults") {
                    parse_defaults(v, path, config.defaults);
                } else if (name == "blacklist") {
                    parse_blacklist(v, path, config.blacklist);
                } else if (name == "blacklist_exceptions") {
                    parse_blacklist(v, path, config.blacklist_exceptions);
                } else if (name == "devices") {
                    parse_devices(v, path, config.devices);
                } else if (name == "multipaths") {
                    parse_multipaths(v, path, config.multipaths);
                } else if (name == "overrides") {
                    parse_options_block(v, path, "overrides", config.overrides);
                } else {
                    return false;
                }
                return true;
            });
    }

    void parse_defaults(const YAML::Node& node, const std::string& path, core::Defaults& d) {
        if (!expect_map(node, path)) {
            return;
        }
        std::vector<std::string> known = global_option_names();
        known.insert(known.end(), map_option_names().begin(), map_option_names().end());
        for_each_entry(node, path, "defaults", known,
                       [&](const std::string& name, const YAML::Node& key, const YAML::Node& v,
                           const std::string& key_path) {
                           return global_option(d.global, name, key, v, key_path) ||
                                  map_option(d.map, name, key, v, key_path);
                       });
        const auto& g = d.global;
        if (g.polling_interval && g.max_polling_interval && *g.max_polling_interval < *g.polling_interval) {
            add(g.locations.at("max_polling_interval"), join(path, "max_polling_interval"),
                "must not be shorter than polling_interval (" + core::format_duration(*g.polling_interval) +
                    ")");
        }
        if (g.polling_interval && g.fast_recheck_interval && *g.fast_recheck_interval > *g.polling_interval) {
            add(g.locations.at("fast_recheck_interval"), join(path, "fast_recheck_interval"),
                "must not be longer than polling_interval (" + core::format_duration(*g.polling_interval) +
                    ")");
        }
        check_map_options(d.map, path);
    }

    void parse_options_block(const YAML::Node& node, const std::string& path, const std::string& section,
                             MapOptions& o) {
        if (!expect_map(node, path)) {
            return;
        }
        for_each_entry(node, path, section, map_option_names(),
                       [&](const std::string& name, const YAML::Node& key, const YAML::Node& v,
                           const std::string& key_path) { return map_option(o, name, key, v, key_path); });
        check_map_options(o, path);
    }

    // A blacklist list value: one regex or a list of them.
    void read_pattern_list(const YAML::Node& v, const std::string& path,
                           std::vector<core::PatternRule>& out) {
        if (v.IsSequence()) {
            for (std::size_t i = 0; i < v.size(); ++i) {
                const YAML::Node item = v[i];
                if (auto p = read_pattern(item, path + "[" + std::to_string(i) + "]")) {
                    out.push_back({std::move(*p), loc(item)});
                }
            }
            return;
        }
        if (auto p = read_pattern(v, path)) {
            out.push_back({std::move(*p), loc(v)});
        }
    }

    void refuse_literal_non_wwids(std::vector<core::PatternRule>& rules, std::size_t first,
                                  const std::string& path) {
        for (std::size_t i = first; i < rules.size();) {
            if (auto checked = core::check_literal_wwid_pattern(rules[i].pattern.text()); !checked) {
                add(rules[i].where, path, "can never match: " + checked.error().message);
                rules.erase(rules.begin() + static_cast<std::ptrdiff_t>(i));
                continue;
            }
            ++i;
        }
    }

    void parse_blacklist(const YAML::Node& node, const std::string& path, core::BlacklistRules& rules) {
        if (!expect_map(node, path)) {
            return;
        }
        static const std::vector<std::string> known{"devnode", "wwid", "device", "property", "protocol"};
        for_each_entry(node, path, path, known,
                       [&](const std::string& name, const YAML::Node&, const YAML::Node& v,
                           const std::string& key_path) {
                           if (name == "devnode") {
                               read_pattern_list(v, key_path, rules.devnode);
                           } else if (name == "wwid") {
                               const std::size_t first = rules.wwid.size();
                               read_pattern_list(v, key_path, rules.wwid);
                               refuse_literal_non_wwids(rules.wwid, first, key_path);
                           } else if (name == "property") {
                               read_pattern_list(v, key_path, rules.property);
                           } else if (name == "protocol") {
                               read_pattern_list(v, key_path, rules.protocol);
                           } else if (name == "device") {
                               parse_blacklist_devices(v, key_path, rules.device);
                           } else {
                               return false;
                           }
                           return true;
                       });
    }

    void parse_blacklist_devices(const YAML::Node& v, const std::string& path,
                                 std::vector<core::DeviceMatchRule>& out) {
        std::vector<YAML::Node> items;
        if (v.IsSequence()) {
            for (std::size_t i = 0; i < v.size(); ++i) {
                items.push_back(v[i]);
            }
        } else if (v.IsMap()) {
            items.push_back(v);
        } else {
            add(loc(v), path, "expected a list of {vendor, product} rules");
            return;
        }
        for (std::size_t i = 0; i < items.size(); ++i) {
            const YAML::Node& item = items[i];
            const std::string item_path = v.IsSequence() ? path + "[" + std::to_string(i) + "]" : path;
            if (!item.IsMap()) {
                add(loc(item), item_path, "expected a mapping with vendor and/or product");
                continue;
            }
            core::DeviceMatchRule rule;
            rule.where = loc(item);
            bool ok = true;
            static const std::vector<std::string> known{"vendor", "product"};
            for_each_entry(item, item_path, "a blacklist device rule", known,
                           [&](const std::string& name, const YAML::Node&, const YAML::Node& value,
                               const std::string& key_path) {
                               if (name != "vendor" && name != "product") {
                                   return false;
                               }
                               auto p = read_pattern(value, key_path);
                               if (!p) {
                                   ok = false;
                               } else if (name == "vendor") {
                                   rule.vendor = std::move(*p);
                               } else {
                                   rule.product = std::move(*p);
                               }
                               return true;
                           });
            if (!rule.vendor && !rule.product) {
                if (ok) {
                    add(loc(item), item_path, "a device rule needs a vendor or a product");
                }
                continue;
            }
            if (ok) {
                out.push_back(std::move(rule));
            }
        }
    }

    void parse_devices(const YAML::Node& node, const std::string& path, std::vector<core::DeviceRule>& out) {
        if (node.IsNull()) {
            return;
        }
        if (!node.IsSequence()) {
            add(loc(node), path, "expected a list of device rules (- vendor: ...)");
            return;
        }
        std::vector<std::string> known{"vendor", "product", "revision"};
        known.insert(known.end(), map_option_names().begin(), map_option_names().end());
        for (std::size_t i = 0; i < node.size(); ++i) {
            const YAML::Node item = node[i];
            const std::string item_path = path + "[" + std::to_string(i) + "]";
            if (!item.IsMap()) {
                add(loc(item), item_path, "expected a mapping (vendor, product and options)");
                continue;
            }
            std::optional<std::string> vendor, product, revision;
            bool patterns_ok = true;
            MapOptions options;
            for_each_entry(
                item, item_path, "a device rule", known,
                [&](const std::string& name, const YAML::Node& key, const YAML::Node& v,
                    const std::string& key_path) {
                    if (name == "vendor" || name == "product" || name == "revision") {
                        auto p = read_pattern(v, key_path);
                        if (!p) {
                            patterns_ok = false;
                            return true;
                        }
                        (name == "vendor" ? vendor : name == "product" ? product : revision) = p->text();
                        return true;
                    }
                    return map_option(options, name, key, v, key_path);
                });
            check_map_options(options, item_path);
            if (!patterns_ok) {
                continue;
            }
            if (!vendor || !product) {
                add(loc(item), item_path,
                    std::string("a device rule needs both vendor and product (missing ") +
                        (!vendor ? "vendor" : "product") + ")");
                continue;
            }
            auto rule = core::make_device_rule(*vendor, *product, std::move(options), loc(item),
                                               revision.value_or(""));
            if (rule.ok()) {
                out.push_back(std::move(rule).value());
            }
        }
    }

    void parse_multipaths(const YAML::Node& node, const std::string& path,
                          std::vector<core::MultipathEntry>& out) {
        if (node.IsNull()) {
            return;
        }
        if (!node.IsSequence()) {
            add(loc(node), path, "expected a list of entries (- wwid: ...)");
            return;
        }
        std::map<std::string, SourceLocation> wwids;
        std::map<std::string, std::pair<SourceLocation, std::string>> aliases;
        std::vector<std::string> known{"wwid", "alias"};
        known.insert(known.end(), map_option_names().begin(), map_option_names().end());
        for (std::size_t i = 0; i < node.size(); ++i) {
            const YAML::Node item = node[i];
            const std::string item_path = path + "[" + std::to_string(i) + "]";
            if (!item.IsMap()) {
                add(loc(item), item_path, "expected a mapping (wwid, alias and options)");
                continue;
            }
            core::MultipathEntry entry;
            entry.where = loc(item);
            bool ok = true;
            SourceLocation wwid_at = entry.where, alias_at = entry.where;
            for_each_entry(
                item, item_path, "a multipaths entry", known,
                [&](const std::string& name, const YAML::Node& key, const YAML::Node& v,
                    const std::string& key_path) {
                    if (name == "wwid") {
                        auto s = read_string(v, key_path);
                        if (s && !s->empty()) {
                            if (auto checked = core::check_wwid(*s); !checked) {
                                add(loc(v), key_path, checked.error().message);
                                s.reset();
                            }
                        }
                        if (s) {
                            entry.wwid = *s;
                            wwid_at = loc(v);
                        } else {
                            ok = false;
                        }
                        return true;
                    }
                    if (name == "alias") {
                        auto s = read_string(v, key_path);
                        if (s && (s->find_first_of(" \t/") != std::string::npos || *s == "." || *s == "..")) {
                            add(loc(v), key_path, "an alias is a device name: no spaces or '/'");
                            s.reset();
                        }
                        if (s) {
                            entry.alias = *s;
                            alias_at = loc(v);
                            entry.options.locations["alias"] = loc(key);
                        } else {
                            ok = false;
                        }
                        return true;
                    }
                    if (name == "alias_prefix") {
                        add(loc(key), key_path,
                            "not allowed in a multipaths entry (as in multipath-tools): name the map with "
                            "alias");
                        return true;
                    }
                    if (name == "uid_attribute") {
                        // The entry is found by the WWID this property gives: it cannot choose the property.
                        add(loc(key), key_path,
                            "not allowed in a multipaths entry (as in multipath-tools): set it in devices, "
                            "overrides or defaults");
                        return true;
                    }
                    return map_option(entry.options, name, key, v, key_path);
                });
            check_map_options(entry.options, item_path);
            if (entry.wwid.empty()) {
                if (ok) {
                    add(loc(item), item_path, "a multipaths entry needs a wwid");
                }
                continue;
            }
            if (auto [it, inserted] = wwids.emplace(entry.wwid, wwid_at); !inserted) {
                add(wwid_at, item_path + ".wwid",
                    "duplicate WWID " + entry.wwid + " (first at " + it->second.to_string() + ")");
                continue;
            }
            if (entry.alias) {
                auto [it, inserted] = aliases.emplace(*entry.alias, std::pair(alias_at, entry.wwid));
                if (!inserted) {
                    add(alias_at, item_path + ".alias",
                        "duplicate alias " + *entry.alias + " (already used for WWID " + it->second.second +
                            " at " + it->second.first.to_string() + ")");
                    continue;
                }
            }
            if (ok) {
                out.push_back(std::move(entry));
            }
        }
    }
};

}  // namespace

std::string Diagnostic::to_string() const {
    std::string out = where.to_string();
    out += ": ";
    if (!key.empty()) {
        out += key + ": ";
    }
    out += message;
    return out;
}

ParseReport parse_config_report(std::string_view yaml_text, std::string_view file_name) {
    return Parser(file_name).run(yaml_text);
}

core::Result<core::Config> parse_config(std::string_view yaml_text, std::string_view file_name) {
    ParseReport report = parse_config_report(yaml_text, file_name);
    if (report.diagnostics.empty()) {
        return std::move(report.config);
    }
    std::string message;
    for (const auto& d : report.diagnostics) {
        message += message.empty() ? "" : "\n";
        message += d.to_string();
    }
    return Error(ErrorCode::InvalidConfig, std::move(message));
}

core::Result<core::Config> load_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int err = errno;
        if (err == ENOENT) {
            return Error(ErrorCode::NotFound, path + ": no such file");
        }
        return Error(err == EACCES ? ErrorCode::AccessDenied : ErrorCode::Io,
                     path + ": " + std::strerror(err));
    }
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_config_bytes) {
            return Error(ErrorCode::InvalidConfig, path + ": file is larger than 4 MiB; refusing to parse");
        }
    }
    if (in.bad() || !in.eof()) {  // e.g. a directory: opens, then reading fails
        return Error(ErrorCode::Io, path + ": read error");
    }
    return parse_config(text, path);
}

}  // namespace pathkeeper::config
