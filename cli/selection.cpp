#include "cli/selection.hpp"

#include <algorithm>

#include "api/errors.hpp"

namespace pathkeeper::cli {

namespace {

bool names_map(const api::MapView& map, const std::string& name) {
    if (name.empty())
        return false;
    return name == map.name || name == map.wwid || name == "/dev/mapper/" + map.name ||
           (!map.dm_device.empty() && (name == map.dm_device || name == "/dev/" + map.dm_device)) ||
           (!map.dm_devt.empty() && name == map.dm_devt);
}

bool names_path(const api::PathView& path, const std::string& dev) {
    if (dev.empty())
        return false;
    return dev == path.devnode || dev == "/dev/" + path.devnode || (!path.devt.empty() && dev == path.devt);
}

ClientError not_found(api::ApiError error, std::string message) {
    return ClientError{ClientErrorKind::Refused, std::string(api::dbus_error_name(error)),
                       std::move(message)};
}

}  // namespace

Reply<api::MapView> select_map(const api::TopologyView& topology, const std::string& name) {
    // The alias wins over a WWID or device that happens to spell the same text.
    auto exact = std::find_if(topology.maps.begin(), topology.maps.end(),
                              [&](const api::MapView& m) { return m.name == name; });
    if (exact != topology.maps.end())
        return *exact;
    auto it = std::find_if(topology.maps.begin(), topology.maps.end(),
                           [&](const api::MapView& m) { return names_map(m, name); });
    if (it == topology.maps.end()) {
        return not_found(api::ApiError::NoSuchMap, "no map named '" + name +
                                                       "' (by name, WWID, dm device or major:minor; see " +
                                                       "`pathctl show maps`)");
    }
    return *it;
}

Reply<api::PathView> select_path(const api::TopologyView& topology, const std::string& dev) {
    auto it = std::find_if(topology.paths.begin(), topology.paths.end(),
                           [&](const api::PathView& p) { return names_path(p, dev); });
    if (it == topology.paths.end()) {
        return not_found(api::ApiError::NoSuchPath, "no path '" + dev +
                                                        "' (by kernel name, /dev node or major:minor; see " +
                                                        "`pathctl show paths`)");
    }
    return *it;
}

api::TopologyView topology_of(const api::TopologyView& topology, const api::MapView& map) {
    api::TopologyView one;
    one.manager = topology.manager;
    one.maps.push_back(map);
    for (const auto& p : topology.paths) {
        if (p.map == map.name)
            one.paths.push_back(p);
    }
    return one;
}

}  // namespace pathkeeper::cli
