#include "api/views.hpp"

#include <algorithm>

namespace pathkeeper::api {

const PathView* TopologyView::find_path(const std::string& devnode) const {
    auto it =
        std::find_if(paths.begin(), paths.end(), [&](const PathView& p) { return p.devnode == devnode; });
    return it == paths.end() ? nullptr : &*it;
}

const MapView* TopologyView::find_map(const std::string& name) const {
    auto it = std::find_if(maps.begin(), maps.end(), [&](const MapView& m) { return m.name == name; });
    return it == maps.end() ? nullptr : &*it;
}

bool is_failed_state(const std::string& checker_state) {
    return checker_state == "down" || checker_state == "shaky";
}

void update_counts(TopologyView& topology) {
    topology.manager.map_count = static_cast<std::uint32_t>(topology.maps.size());
    topology.manager.path_count = static_cast<std::uint32_t>(topology.paths.size());
    topology.manager.failed_path_count = static_cast<std::uint32_t>(
        std::count_if(topology.paths.begin(), topology.paths.end(),
                      [](const PathView& p) { return is_failed_state(p.checker_state); }));
}

}  // namespace pathkeeper::api
