#include "core/explain_target.hpp"

#include <cctype>

namespace pathkeeper::core {
namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
            return false;
        }
    }
    return true;
}

bool is_devt(std::string_view s) {
    const auto colon = s.find(':');
    return colon != std::string_view::npos && all_digits(s.substr(0, colon)) &&
           all_digits(s.substr(colon + 1));
}

// "sd" + letters and the like.
bool disk_name(std::string_view s, std::string_view prefix) {
    if (!s.starts_with(prefix) || s.size() == prefix.size()) {
        return false;
    }
    for (char c : s.substr(prefix.size())) {
        if (c < 'a' || c > 'z') {
            return false;
        }
    }
    return true;
}

const PathSnapshot* find_path(const TopologySnapshot& topology, std::string_view target) {
    std::string_view devnode = target;
    if (devnode.starts_with("/dev/")) {
        devnode.remove_prefix(5);
    }
    for (const auto& p : topology.paths) {
        if (p.devnode == devnode || (is_devt(target) && p.devt == target)) {
            return &p;
        }
    }
    return nullptr;
}

ExplainTarget for_wwid(const TopologySnapshot& topology, std::string map, std::string wwid) {
    ExplainTarget out;
    out.map = std::move(map);
    out.device.wwid = std::move(wwid);
    for (const auto& p : topology.paths) {
        if (p.wwid == out.device.wwid) {
            out.device.vendor = p.vendor;
            out.device.product = p.product;
            out.device.revision = p.revision;
            out.device_path = p.devnode;
            return out;
        }
    }
    for (const auto& m : topology.maps) {
        if (m.wwid == out.device.wwid) {  // no path left: what the map was made with
            out.device.vendor = m.vendor;
            out.device.product = m.product;
        }
    }
    return out;
}

}  // namespace

bool names_a_path(std::string_view target) {
    if (target.starts_with("/dev/")) {
        return !target.starts_with("/dev/mapper/");
    }
    if (is_devt(target)) {
        return true;
    }
    if (target.starts_with("nvme")) {
        return target.find('n', 4) != std::string_view::npos;
    }
    return disk_name(target, "sd") || disk_name(target, "vd") || disk_name(target, "xvd") ||
           disk_name(target, "dasd");
}

Result<ExplainTarget> find_explain_target(const TopologySnapshot& topology, std::string_view target) {
    std::string_view name = target;
    if (name.starts_with("/dev/mapper/")) {
        name.remove_prefix(12);
    }
    for (const auto& m : topology.maps) {
        if (m.name == name || m.wwid == name) {
            return for_wwid(topology, m.name, m.wwid);
        }
    }
    if (const PathSnapshot* p = find_path(topology, target)) {
        ExplainTarget out = for_wwid(topology, p->map, p->wwid);
        out.path = p->devnode;
        if (p->wwid.empty()) {  // no WWID yet: only what this path reports
            out.device = DeviceIdentity{{}, p->vendor, p->product, p->revision};
            out.device_path = p->devnode;
        }
        return out;
    }
    for (const auto& p : topology.paths) {
        if (!p.wwid.empty() && p.wwid == target) {
            return for_wwid(topology, p.map, p.wwid);
        }
    }
    const std::string shown(target);
    return Error(ErrorCode::NotFound, names_a_path(target) ? "no path " + shown + " is known"
                                                           : "no map, WWID or path named " + shown);
}

std::string render_explained_target(const Config& config, const ExplainTarget& target,
                                    const std::optional<NoPathRetry>& administrator_no_path_retry,
                                    const std::optional<HolderVerdict>& holder) {
    const DeviceIdentity& device = target.device;
    std::string out = "# per-map options of";
    if (!target.path.empty()) {
        out += " path " + target.path + ":";
    }
    out += target.map.empty()
               ? " WWID " + (device.wwid.empty() ? std::string("(none)") : device.wwid) + " (no map)"
               : " map " + target.map + " (WWID " + device.wwid + ")";
    out += "\n# resolved for vendor \"" + device.vendor + "\" product \"" + device.product +
           "\" revision \"" + device.revision + "\"";
    if (!target.device_path.empty()) {
        out += " (as path " + target.device_path + " reports)";
    }
    out += "\n";
    for (const auto& line : explain_map(config, device, administrator_no_path_retry, holder)) {
        out += line.name + ": " + line.value + "  # " + line.origin + "\n";
    }
    return out;
}

}  // namespace pathkeeper::core
