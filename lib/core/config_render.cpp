#include "core/config_render.hpp"

#include <set>
#include <sstream>
#include <string_view>
#include <type_traits>

#include "core/blacklist.hpp"
#include "core/config_explain.hpp"
#include "core/hwtable.hpp"

namespace pathkeeper::core {
namespace {

constexpr const char* kBuiltInComment = "  # built-in";

class Renderer {
public:
    Renderer(const Config& config, ConfigRenderOptions options) : config_(config), options_(options) {}

    std::string run() {
        out_ << "# effective pathkeeper configuration"
             << (config_.source_file.empty() ? " (built-in defaults)" : " from " + config_.source_file)
             << "\n";
        for (const auto& file : config_.drop_in_files) {
            out_ << "# merged with drop-in " << file << "\n";
        }
        defaults();
        blacklist("blacklist", builtin_blacklist(), config_.blacklist);
        blacklist("blacklist_exceptions", builtin_blacklist_exceptions(), config_.blacklist_exceptions);
        devices();
        overrides();
        multipaths();
        return out_.str();
    }

private:
    // Where a rule of the file was written, as an end-of-line comment (explain only).
    std::string located(const SourceLocation& where) const {
        if (!options_.explain || !where.known()) {
            return {};
        }
        return "  # " + file_and_line(where);
    }

    // A built-in value the parser would refuse next to the file's (fast_recheck_interval above
    // polling_interval, flap_hold_time and flap_hold_max the wrong way round) is written as a comment: left
    // unset, it is the same built-in value when read back.
    static std::set<std::string> unwritable_builtins(const ResolvedGlobalOptions& g,
                                                     const ResolvedMapOptions& m) {
        std::set<std::string> out;
        if (g.fast_recheck_interval.origin == Origin::BuiltIn &&
            g.fast_recheck_interval.value > g.polling_interval.value) {
            out.insert("fast_recheck_interval");
        }
        if (m.flap_hold_max.value < m.flap_hold_time.value) {
            out.insert(m.flap_hold_max.origin == Origin::BuiltIn ? "flap_hold_max" : "flap_hold_time");
        }
        return out;
    }

    // The state-directory file an unset *_file option stands for, or nullptr.
    static const char* state_dir_file(std::string_view option) {
        if (option == "bindings_file") {
            return "bindings";
        }
        if (option == "wwids_file") {
            return "wwids";
        }
        if (option == "reservation_keys_file") {
            return "prkeys";
        }
        return nullptr;
    }

    void defaults() {
        out_ << "defaults:\n";
        const ResolvedGlobalOptions global = resolve_global_options(config_);
        const ResolvedMapOptions map = resolve_default_map_options(config_);
        const std::set<std::string> unwritable = unwritable_builtins(global, map);
        auto emit = [&](const std::vector<ExplainedSetting>& settings) {
            for (const auto& s : settings) {
                std::string origin;
                if (options_.explain) {
                    origin = "  # " + describe_origin(config_, s);
                }
                if (unwritable.contains(s.name)) {
                    out_ << "  # " << s.name << ": " << s.value
                         << "  (built-in; conflicts with the file's value)" << origin << "\n";
                    continue;
                }
                if (const char* in_state_dir = state_dir_file(s.name); in_state_dir && s.value.empty()) {
                    // Not a value the file can hold: unset means "in the state directory".
                    out_ << "  # " << s.name << ": <state-dir>/" << in_state_dir << origin << "\n";
                    continue;
                }
                const bool text = s.name == "alias_prefix" || s.name == "uid_attrs" ||
                                  s.name.ends_with("_file") || s.name == "prio_args" ||
                                  s.name == "uid_attribute" || s.name == "vpd_vendor";
                out_ << "  " << s.name << ": " << (text ? yaml_quoted(s.value) : s.value) << origin << "\n";
            }
        };
        emit(explain(global));
        emit(explain(map));
    }

    void pattern_list(const char* key, const std::vector<PatternRule>& builtin,
                      const std::vector<PatternRule>& mine) {
        if (builtin.empty() && mine.empty()) {
            return;
        }
        out_ << "  " << key << ":\n";
        for (const auto& rule : builtin) {
            out_ << "    - " << yaml_quoted(rule.pattern.text()) << kBuiltInComment << "\n";
        }
        for (const auto& rule : mine) {
            out_ << "    - " << yaml_quoted(rule.pattern.text()) << located(rule.where) << "\n";
        }
    }

    void device_match(const DeviceMatchRule& rule, const std::string& comment) {
        const char* lead = "    - ";
        if (rule.vendor) {
            out_ << lead << "vendor: " << yaml_quoted(rule.vendor->text()) << comment << "\n";
            lead = "      ";
        }
        if (rule.product) {
            out_ << lead << "product: " << yaml_quoted(rule.product->text()) << (rule.vendor ? "" : comment)
                 << "\n";
        }
    }

    void blacklist(const char* section, const BlacklistRules& builtin, const BlacklistRules& mine) {
        if (builtin.empty() && mine.empty()) {
            out_ << section << ": {}\n";
            return;
        }
        out_ << section << ":\n";
        pattern_list("devnode", builtin.devnode, mine.devnode);
        pattern_list("wwid", builtin.wwid, mine.wwid);
        if (!builtin.device.empty() || !mine.device.empty()) {
            out_ << "  device:\n";
            for (const auto& rule : builtin.device) {
                device_match(rule, kBuiltInComment);
            }
            for (const auto& rule : mine.device) {
                device_match(rule, located(rule.where));
            }
        }
        pattern_list("property", builtin.property, mine.property);
        pattern_list("protocol", builtin.protocol, mine.protocol);
    }

    // Every option the block sets, one per line at `indent`.
    void options_block(const MapOptions& options, const std::string& indent) {
        for_each_map_option(options, [&](const char* name, const auto& field) {
            if (field.has_value()) {
                std::string at;
                if (auto it = options.locations.find(name); it != options.locations.end()) {
                    at = located(it->second);
                }
                out_ << indent << name << ": " << yaml_value(*field) << at << "\n";
            }
        });
    }

    // Free text (prio_args, uid_attribute) is quoted so that it reads back as the same string.
    template <typename T>
    static std::string yaml_value(const T& value) {
        if constexpr (std::is_same_v<T, std::string>) {
            return yaml_quoted(value);
        } else {
            return format_option_value(value);
        }
    }

    void device_rule(const DeviceRule& rule, const std::string& comment) {
        out_ << "  - vendor: " << yaml_quoted(rule.vendor) << comment << "\n";
        out_ << "    product: " << yaml_quoted(rule.product) << "\n";
        if (!rule.revision.empty()) {
            out_ << "    revision: " << yaml_quoted(rule.revision) << "\n";
        }
        options_block(rule.options, "    ");
    }

    // Built-in entries first, then the file's: a later rule wins, as when the daemon reads them.
    void devices() {
        out_ << "devices:\n";
        for (const auto& rule : builtin_device_rules()) {
            device_rule(rule, "  # built-in device table");
        }
        for (std::size_t i = 0; i < config_.devices.size(); ++i) {
            const std::string at = file_and_line(config_.devices[i].where);
            device_rule(config_.devices[i], options_.explain && !at.empty()
                                                ? "  # devices[" + std::to_string(i) + "] (" + at + ")"
                                                : std::string());
        }
    }

    void overrides() {
        bool any = false;
        for_each_map_option(config_.overrides,
                            [&](const char*, const auto& field) { any |= field.has_value(); });
        if (!any) {
            out_ << "overrides: {}\n";
            return;
        }
        out_ << "overrides:\n";
        options_block(config_.overrides, "  ");
    }

    void multipaths() {
        if (config_.multipaths.empty()) {
            out_ << "multipaths: []\n";
            return;
        }
        out_ << "multipaths:\n";
        for (const auto& entry : config_.multipaths) {
            out_ << "  - wwid: " << yaml_quoted(entry.wwid) << located(entry.where) << "\n";
            if (entry.alias) {
                out_ << "    alias: " << yaml_quoted(*entry.alias) << "\n";
            }
            options_block(entry.options, "    ");
        }
    }

    const Config& config_;
    ConfigRenderOptions options_;
    std::ostringstream out_;
};

}  // namespace

std::string yaml_quoted(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string render_config(const Config& config, ConfigRenderOptions options) {
    return Renderer(config, options).run();
}

}  // namespace pathkeeper::core
