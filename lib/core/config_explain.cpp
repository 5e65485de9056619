#include "core/config_explain.hpp"

#include "core/hwtable.hpp"

namespace pathkeeper::core {
namespace {

bool sets_option(const MapOptions& options, std::string_view name) {
    bool set = false;
    for_each_map_option(options, [&](const char* option, const auto& field) {
        if (name == option) {
            set = field.has_value();
        }
    });
    return set;
}

std::string with_location(std::string what, const SourceLocation& where) {
    const std::string at = file_and_line(where);
    return at.empty() ? what : what + " (" + at + ")";
}

std::string describe_device_rule(const Config& config, const ExplainedSetting& setting,
                                 const DeviceIdentity& device) {
    for (const auto& match : matching_device_rules(config, device.vendor, device.product, device.revision)) {
        if (!sets_option(match.rule->options, setting.name)) {
            continue;
        }
        if (match.origin == Origin::BuiltInDevice) {
            return "built-in device table: " + match.rule->vendor + " " + match.rule->product;
        }
        const auto index = static_cast<std::size_t>(match.rule - config.devices.data());
        return with_location("devices[" + std::to_string(index) + "]", setting.where);
    }
    // Not found again (the setting was not resolved for this device): say what resolution said.
    return with_location(to_string(setting.origin), setting.where);
}

}  // namespace

std::string file_and_line(const SourceLocation& where) {
    if (where.file.empty() && !where.known()) {
        return {};
    }
    std::string out = where.file.empty() ? "<config>" : where.file;
    if (where.known()) {
        out += ":" + std::to_string(where.line);
    }
    return out;
}

std::string describe_origin(const Config& config, const ExplainedSetting& setting,
                            const DeviceIdentity& device) {
    switch (setting.origin) {
        case Origin::BuiltInDevice:
        case Origin::Device:
            return describe_device_rule(config, setting, device);
        case Origin::Defaults:
        case Origin::Overrides:
        case Origin::Multipath:
            return with_location(to_string(setting.origin), setting.where);
        case Origin::BuiltIn:
        case Origin::Detected:
        case Origin::Administrator:
        case Origin::Holder:
            break;
    }
    return to_string(setting.origin);
}

std::vector<ExplainedValue> explain_map(const Config& config, const DeviceIdentity& device,
                                        const std::optional<NoPathRetry>& administrator_no_path_retry,
                                        const std::optional<HolderVerdict>& holder) {
    ResolvedMapOptions resolved =
        resolve_map_options(config, device.wwid, device.vendor, device.product, device.revision);
    if (holder) {
        resolved.no_path_retry = apply_holder_verdict(resolved.no_path_retry, *holder);
    }
    if (administrator_no_path_retry) {
        resolved.no_path_retry =
            Resolved<NoPathRetry>{*administrator_no_path_retry, Origin::Administrator, {}};
    }
    std::vector<ExplainedValue> out;
    for (const auto& setting : explain(resolved)) {
        std::string origin = describe_origin(config, setting, device);
        if (setting.origin == Origin::Holder && holder) {
            origin += ": " + holder->reason;
        } else if (setting.name == "no_path_retry" && holder) {
            // The verdict left the configured value: a queue verdict keeps it, an explicit origin wins.
            origin += " (holder: " + holder->reason + (holder->fail_fast ? "; not applied)" : ")");
        }
        out.push_back({setting.name, setting.value, std::move(origin)});
    }
    return out;
}

}  // namespace pathkeeper::core
