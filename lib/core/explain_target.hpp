#pragma once
// What `pathctl show config --explain TARGET` is about: the map, WWID or path TARGET names, looked up in the
// daemon's topology, and the device its options are resolved for.

#include <string>
#include <string_view>

#include "core/config_explain.hpp"
#include "core/result.hpp"
#include "core/snapshot.hpp"

namespace pathkeeper::core {

struct ExplainTarget {
    std::string map;   // the map's name; "" for a WWID that has no map
    std::string path;  // the path TARGET named; "" when it named a map or a WWID
    // The WWID, and what the first path of that WWID (in discovery order) reports: the path the planner
    // resolves the map's options with.
    DeviceIdentity device;
    std::string device_path;  // that first path; "" when the map has no path left
};

// TARGET: a map name or "/dev/mapper/NAME", a WWID, or a path as kernel name, "/dev/NAME" or major:minor.
// NotFound names TARGET.
Result<ExplainTarget> find_explain_target(const TopologySnapshot& topology, std::string_view target);

// Whether TARGET is written as a path (a /dev node other than /dev/mapper, major:minor, or a SCSI, virtio,
// DASD or NVMe disk name): an unknown one is then reported as no such path rather than no such map.
bool names_a_path(std::string_view target);

// `show config --explain TARGET`'s text: a comment naming the map, WWID and device, then one
// "name: value  # origin" line per per-map option.
std::string render_explained_target(const Config& config, const ExplainTarget& target,
                                    const std::optional<NoPathRetry>& administrator_no_path_retry = {},
                                    const std::optional<HolderVerdict>& holder = {});

}  // namespace pathkeeper::core
