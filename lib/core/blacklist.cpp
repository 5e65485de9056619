#include "core/blacklist.hpp"

#include <utility>

#include "core/hwtable.hpp"

namespace pathkeeper::core {
namespace {

PatternRule builtin_pattern(std::string_view text) {
    auto p = Pattern::compile(text);
    return PatternRule{p.ok() ? std::move(p).value() : Pattern{}, {}};
}

std::string origin_of(const SourceLocation& where) {
    return where.known() ? "at " + where.to_string() : "built-in";
}

const PatternRule* first_match(const std::vector<PatternRule>& rules, std::string_view subject) {
    for (const auto& rule : rules) {
        if (rule.pattern.matches(subject)) {
            return &rule;
        }
    }
    return nullptr;
}

const DeviceMatchRule* first_device_match(const std::vector<DeviceMatchRule>& rules, std::string_view vendor,
                                          std::string_view product) {
    for (const auto& rule : rules) {
        if (!rule.vendor && !rule.product) {
            continue;
        }
        if ((!rule.vendor || rule.vendor->matches(vendor)) &&
            (!rule.product || rule.product->matches(product))) {
            return &rule;
        }
    }
    return nullptr;
}

std::string quote(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

std::string device_rule_text(const DeviceMatchRule& rule) {
    std::string out;
    if (rule.vendor) {
        out += "vendor " + quote(rule.vendor->text());
    }
    if (rule.product) {
        out += (out.empty() ? "" : " ") + std::string("product ") + quote(rule.product->text());
    }
    return out;
}

BlacklistRules concat(const BlacklistRules& a, const BlacklistRules& b) {
    BlacklistRules out = a;
    out.devnode.insert(out.devnode.end(), b.devnode.begin(), b.devnode.end());
    out.wwid.insert(out.wwid.end(), b.wwid.begin(), b.wwid.end());
    out.device.insert(out.device.end(), b.device.begin(), b.device.end());
    out.property.insert(out.property.end(), b.property.begin(), b.property.end());
    out.protocol.insert(out.protocol.end(), b.protocol.begin(), b.protocol.end());
    return out;
}

}  // namespace

const char* to_string(BlacklistCategory c) noexcept {
    switch (c) {
        case BlacklistCategory::None:
            return "none";
        case BlacklistCategory::Property:
            return "property";
        case BlacklistCategory::Devnode:
            return "devnode";
        case BlacklistCategory::Device:
            return "device";
        case BlacklistCategory::Protocol:
            return "protocol";
        case BlacklistCategory::Wwid:
            return "wwid";
    }
    return "unknown";
}

std::string protocol_name(Transport transport) {
    switch (transport) {
        case Transport::Iscsi:
            return "scsi:iscsi";
        case Transport::Fc:
            return "scsi:fcp";
        case Transport::Sas:
            return "scsi:sas";
        case Transport::Other:
            return "scsi:unspec";
        case Transport::Unknown:
            return "undef";
    }
    return "undef";
}

const BlacklistRules& builtin_blacklist() {
    static const BlacklistRules rules = [] {
        BlacklistRules r;
        r.devnode.push_back(builtin_pattern("!^(sd[a-z]|dasd[a-z]|nvme[0-9])"));
        // Access and management LUNs that carry no data: the device table's product_blacklist facts.
        r.device = builtin_product_blacklist();
        return r;
    }();
    return rules;
}

const BlacklistRules& builtin_blacklist_exceptions() {
    static const BlacklistRules rules = [] {
        BlacklistRules r;
        r.property.push_back(builtin_pattern("(SCSI_IDENT_|ID_WWN)"));
        return r;
    }();
    return rules;
}

BlacklistVerdict is_blacklisted(const BlacklistRules& blacklist, const BlacklistRules& exceptions,
                                const PathInfo& path) {
    // 1. udev properties (names). An excepted property ends this category; otherwise a blacklisted
    //    one blacklists; otherwise, if exceptions exist, the device is missing a required property.
    if (path.udev_property_names && !path.udev_property_names->empty() &&
        (!blacklist.property.empty() || !exceptions.property.empty())) {
        bool excepted = false;
        for (const std::string& name : *path.udev_property_names) {
            if (first_match(exceptions.property, name) != nullptr) {
                excepted = true;
                break;
            }
            if (const PatternRule* rule = first_match(blacklist.property, name)) {
                return {true, BlacklistCategory::Property,
                        "udev property " + name + " matches blacklist property " +
                            quote(rule->pattern.text()) + " (" + origin_of(rule->where) + ")"};
            }
        }
        if (!excepted && !exceptions.property.empty()) {
            return {true, BlacklistCategory::Property,
                    "no udev property matches blacklist_exceptions property " +
                        quote(exceptions.property.front().pattern.text()) + " (" +
                        origin_of(exceptions.property.front().where) + ")"};
        }
    }
    // 2. devnode.
    if (!path.devnode.empty() && first_match(exceptions.devnode, path.devnode) == nullptr) {
        if (const PatternRule* rule = first_match(blacklist.devnode, path.devnode)) {
            return {true, BlacklistCategory::Devnode,
                    "devnode " + quote(path.devnode) + " matches blacklist devnode " +
                        quote(rule->pattern.text()) + " (" + origin_of(rule->where) + ")"};
        }
    }
    // 3. vendor/product.
    if (first_device_match(exceptions.device, path.vendor, path.product) == nullptr) {
        if (const DeviceMatchRule* rule = first_device_match(blacklist.device, path.vendor, path.product)) {
            return {true, BlacklistCategory::Device,
                    "device " + quote(path.vendor) + " " + quote(path.product) +
                        " matches blacklist device " + device_rule_text(*rule) + " (" +
                        origin_of(rule->where) + ")"};
        }
    }
    // 4. protocol (transport).
    const std::string protocol = protocol_name(path.transport);
    if (first_match(exceptions.protocol, protocol) == nullptr) {
        if (const PatternRule* rule = first_match(blacklist.protocol, protocol)) {
            return {true, BlacklistCategory::Protocol,
                    "protocol " + protocol + " matches blacklist protocol " + quote(rule->pattern.text()) +
                        " (" + origin_of(rule->where) + ")"};
        }
    }
    // 5. WWID (only once it is known).
    if (!path.wwid.empty() && first_match(exceptions.wwid, path.wwid) == nullptr) {
        if (const PatternRule* rule = first_match(blacklist.wwid, path.wwid)) {
            return {true, BlacklistCategory::Wwid,
                    "wwid " + path.wwid + " matches blacklist wwid " + quote(rule->pattern.text()) + " (" +
                        origin_of(rule->where) + ")"};
        }
    }
    return {};
}

BlacklistVerdict is_blacklisted(const Config& config, const PathInfo& path) {
    return is_blacklisted(concat(builtin_blacklist(), config.blacklist),
                          concat(builtin_blacklist_exceptions(), config.blacklist_exceptions), path);
}

}  // namespace pathkeeper::core
