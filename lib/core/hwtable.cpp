#include "core/hwtable.hpp"

#include <set>
#include <type_traits>
#include <utility>

#include "core/text.hpp"

namespace pathkeeper::core {
namespace {

Error bad_value(std::string_view value, std::string_view why) {
    return Error(ErrorCode::InvalidArgument,
                 "invalid value " + text::quote(value) + " (" + std::string(why) + ")");
}

Result<bool> parse_yes_no(std::string_view value) {
    if (value == "yes") {
        return true;
    }
    if (value == "no") {
        return false;
    }
    return bad_value(value, "valid: yes, no");
}

// Whole seconds; fast_io_fail also takes "off" and last_path_recovery_tmo "session", as in the YAML file.
Result<std::chrono::seconds> parse_seconds(std::string_view name, std::string_view value) {
    if (name == "fast_io_fail" && value == "off") {
        return kFastIoFailOff;
    }
    if (name == "last_path_recovery_tmo" && value == "session") {
        return kRecoveryTmoOfSession;
    }
    auto d = parse_duration(value);
    if (!d.ok()) {
        return bad_value(value, d.error().message);
    }
    if (d->count() % 1000 != 0) {
        return bad_value(value, "must be whole seconds");
    }
    return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

// The ranges the config file takes: the kernel caps pg_init_retries at 50; a repeat count of 0 would never
// move to the next path.
Result<unsigned> parse_count(std::string_view name, std::string_view value) {
    const std::uint64_t min = name == "rr_min_io_rq" ? 1 : 0;
    const std::uint64_t max = name == "pg_init_retries" ? 50 : name == "flap_threshold" ? 1000 : 1000000;
    auto n = text::to_unsigned(value, max);
    if (!n || *n < min) {
        return bad_value(value, "a whole number " + std::to_string(min) + ".." + std::to_string(max));
    }
    return static_cast<unsigned>(*n);
}

// One value parser per option type, the core parsers the config file uses.
template <typename T>
Result<T> parse_as(std::string_view name, std::string_view value) {
    if constexpr (std::is_same_v<T, bool>) {
        return parse_yes_no(value);
    } else if constexpr (std::is_same_v<T, unsigned>) {
        return parse_count(name, value);
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (name == "uid_attribute" && value.empty()) {
            return bad_value(value, "must not be empty");
        }
        return std::string(value);
    } else if constexpr (std::is_same_v<T, std::chrono::seconds>) {
        return parse_seconds(name, value);
    } else if constexpr (std::is_same_v<T, Millis>) {
        auto d = parse_duration(value);
        if (d.ok() && name == "checker_timeout" && *d < Millis{100}) {
            return bad_value(value, "at least 100ms");
        }
        return d;
    } else if constexpr (std::is_same_v<T, GroupingPolicy>) {
        return parse_grouping_policy(value);
    } else if constexpr (std::is_same_v<T, PathSelector>) {
        return parse_path_selector(value);
    } else if constexpr (std::is_same_v<T, CheckerKind>) {
        return parse_checker_kind(value);
    } else if constexpr (std::is_same_v<T, PrioKind>) {
        return parse_prio_kind(value);
    } else if constexpr (std::is_same_v<T, Failback>) {
        return parse_failback(value);
    } else if constexpr (std::is_same_v<T, NoPathRetry>) {
        return parse_no_path_retry(value);
    } else if constexpr (std::is_same_v<T, RrWeight>) {
        return parse_rr_weight(value);
    } else if constexpr (std::is_same_v<T, HardwareHandler>) {
        return parse_hardware_handler(value);
    } else if constexpr (std::is_same_v<T, DevLossTmo>) {
        return parse_dev_loss_tmo(value);
    } else if constexpr (std::is_same_v<T, EhDeadline>) {
        return parse_eh_deadline(value);
    } else if constexpr (std::is_same_v<T, MaxSectorsKb>) {
        return parse_max_sectors_kb(value);
    } else if constexpr (std::is_same_v<T, QueueMode>) {
        return parse_queue_mode(value);
    } else {
        static_assert(std::is_same_v<T, ReservationKey>, "a map option type without a text parser");
        return parse_reservation_key(value);
    }
}

std::string row_name(const DeviceTableRow& row) {
    std::string out = "built-in device table row vendor " + text::quote(row.vendor, 80) + " product " +
                      text::quote(row.product, 80);
    if (!row.revision.empty()) {
        out += " revision " + text::quote(row.revision, 80);
    }
    return out;
}

// The rows that parse, as rules and, beside each, its product_blacklist: built once, in place (a process that
// makes one lookup, the udev helper, pays for this at every event).
struct ParsedTable {
    std::vector<DeviceRule> rules;
    std::vector<std::optional<std::string>> product_blacklists;
};

ParsedTable parse_table() {
    ParsedTable out;
    out.rules.reserve(device_table_rows().size());
    out.product_blacklists.reserve(device_table_rows().size());
    for (const auto& row : device_table_rows()) {
        // A row that does not parse is a defect of the table, caught by the unit tests; at run time the
        // remaining rows still apply.
        if (auto parsed = parse_device_table_row(row); parsed.ok()) {
            out.rules.push_back(std::move(parsed.value().rule));
            out.product_blacklists.push_back(std::move(parsed.value().product_blacklist));
        }
    }
    return out;
}

const ParsedTable& parsed_table() {
    static const ParsedTable table = parse_table();
    return table;
}

}  // namespace

const std::vector<DeviceTableRow>& device_table_rows() {
    static const std::vector<DeviceTableRow> rows = {
#include "core/device_table.def"
    };
    return rows;
}

Result<void> set_map_option_from_text(MapOptions& options, std::string_view name, std::string_view value) {
    bool known = false;
    Result<void> result;
    for_each_map_option(options, [&](const char* option, auto& field) {
        if (known || name != option) {
            return;
        }
        known = true;
        using T = typename std::remove_reference_t<decltype(field)>::value_type;
        auto parsed = parse_as<T>(name, value);
        if (!parsed.ok()) {
            result = Error(ErrorCode::InvalidArgument, std::string(name) + ": " + parsed.error().message);
            return;
        }
        field = std::move(parsed).value();
    });
    if (!known) {
        return Error(ErrorCode::InvalidArgument, "unknown option " + text::quote(name));
    }
    return result;
}

Result<BuiltinDevice> parse_device_table_row(const DeviceTableRow& row) {
    BuiltinDevice out;
    MapOptions options;
    std::set<std::string_view> seen;
    for (const auto& [name, value] : row.settings) {
        if (!seen.insert(name).second) {
            return Error(ErrorCode::InvalidArgument,
                         row_name(row) + ": " + std::string(name) + " given twice");
        }
        if (name == "product_blacklist") {
            if (auto p = Pattern::compile(value); !p.ok()) {
                return Error(ErrorCode::InvalidArgument, row_name(row) + ": " + p.error().message);
            }
            out.product_blacklist = std::string(value);
            continue;
        }
        if (auto set = set_map_option_from_text(options, name, value); !set.ok()) {
            return Error(ErrorCode::InvalidArgument, row_name(row) + ": " + set.error().message);
        }
    }
    auto rule = make_device_rule(row.vendor, row.product, std::move(options), {}, row.revision);
    if (!rule.ok()) {
        return Error(ErrorCode::InvalidArgument, row_name(row) + ": " + rule.error().message);
    }
    out.rule = std::move(rule).value();
    return out;
}

const std::vector<DeviceRule>& builtin_device_rules() {
    return parsed_table().rules;
}

const std::vector<DeviceMatchRule>& builtin_product_blacklist() {
    static const std::vector<DeviceMatchRule> rules = [] {
        std::vector<DeviceMatchRule> out;
        std::set<std::pair<std::string, std::string>> seen;
        const ParsedTable& table = parsed_table();
        for (std::size_t i = 0; i < table.rules.size(); ++i) {
            const auto& product_blacklist = table.product_blacklists[i];
            if (!product_blacklist || !seen.emplace(table.rules[i].vendor, *product_blacklist).second) {
                continue;
            }
            DeviceMatchRule rule;
            rule.vendor = table.rules[i].vendor_pattern;
            // Compiled once already by parse_device_table_row().
            if (auto p = Pattern::compile(*product_blacklist); p.ok()) {
                rule.product = std::move(p).value();
            }
            out.push_back(std::move(rule));
        }
        return out;
    }();
    return rules;
}

std::vector<MatchedDeviceRule> matching_device_rules(const Config& config, std::string_view vendor,
                                                     std::string_view product, std::string_view revision) {
    std::vector<MatchedDeviceRule> out;
    for (auto it = config.devices.rbegin(); it != config.devices.rend(); ++it) {
        if (it->matches(vendor, product, revision)) {
            out.push_back({&*it, Origin::Device});
        }
    }
    const auto& builtin = builtin_device_rules();
    for (auto it = builtin.rbegin(); it != builtin.rend(); ++it) {
        if (it->matches(vendor, product, revision)) {
            out.push_back({&*it, Origin::BuiltInDevice});
        }
    }
    return out;
}

}  // namespace pathkeeper::core
