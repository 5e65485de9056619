#include "core/snapshot.hpp"

namespace pathkeeper::core {

const MapSnapshot* TopologySnapshot::find_map(std::string_view name) const {
    for (const MapSnapshot& m : maps) {
        if (m.name == name) {
            return &m;
        }
    }
    return nullptr;
}

const PathSnapshot* TopologySnapshot::find_path(std::string_view devnode) const {
    for (const PathSnapshot& p : paths) {
        if (p.devnode == devnode) {
            return &p;
        }
    }
    return nullptr;
}

std::vector<const PathSnapshot*> TopologySnapshot::paths_of(std::string_view map) const {
    std::vector<const PathSnapshot*> out;
    for (const PathSnapshot& p : paths) {
        if (p.map == map) {
            out.push_back(&p);
        }
    }
    return out;
}

}  // namespace pathkeeper::core
