#include "core/engine_state.hpp"

#include <algorithm>

#include "core/grouping.hpp"

namespace pathkeeper::core {

namespace {

template <typename Record>
bool by_seq(const Record* a, const Record* b) {
    return a->seq < b->seq;
}

}  // namespace

PathRecord* EngineState::find_path(std::string_view devnode) {
    auto it = paths.find(devnode);
    return it == paths.end() ? nullptr : &it->second;
}
const PathRecord* EngineState::find_path(std::string_view devnode) const {
    auto it = paths.find(devnode);
    return it == paths.end() ? nullptr : &it->second;
}

MapRecord* EngineState::map_of(const PathRecord& path) {
    auto it = maps.find(path.info.wwid);
    if (it == maps.end() || !it->second.exists || it->second.plan.find_path(path.info.devnode) == nullptr) {
        return nullptr;
    }
    return &it->second;
}
const MapRecord* EngineState::map_of(const PathRecord& path) const {
    return const_cast<EngineState*>(this)->map_of(path);
}

MapRecord* EngineState::find_map_by_name(std::string_view name) {
    for (auto& [wwid, m] : maps) {
        if (m.plan.name == name) {
            return &m;
        }
    }
    return nullptr;
}
const MapRecord* EngineState::find_map_by_name(std::string_view name) const {
    return const_cast<EngineState*>(this)->find_map_by_name(name);
}

MapRecord* EngineState::find_map_by_uuid(std::string_view uuid) {
    if (uuid.rfind(kMapUuidPrefix, 0) != 0) {
        return nullptr;
    }
    auto it = maps.find(uuid.substr(kMapUuidPrefix.size()));  // maps is keyed by the WWID the uuid carries
    return it == maps.end() ? nullptr : &it->second;
}

std::string EngineState::context(const PathRecord& path) const {
    const MapRecord* m = map_of(path);
    return m == nullptr ? path.info.devnode : m->plan.name + ": " + path.info.devnode;
}

bool EngineState::any_in_service(const MapRecord& map) const {
    for (const PlannedPath& p : map.plan.paths) {
        const PathRecord* r = find_path(p.devnode);
        if (r != nullptr && r->policy.in_service()) {
            return true;
        }
    }
    return false;
}

bool EngineState::carries_io(const MapRecord& map, const PathRecord& path) const {
    if (path.registration.holds_out()) {
        return false;  // not even as a last resort: a write through it would end in RESERVATION CONFLICT
    }
    if (path.policy.in_service()) {
        return true;
    }
    // Held out by flap damping but checking good: better than queueing or failing every I/O when the map
    // has nothing else (multipath-tools uses its marginal paths the same way).
    return path.policy.state() == PathState::Shaky && !path.policy.admin_failed() && !any_in_service(map);
}

unsigned EngineState::usable_count(const MapRecord& map) const {
    unsigned n = 0;
    for (const PlannedPath& p : map.plan.paths) {
        const PathRecord* r = find_path(p.devnode);
        if (r != nullptr && carries_io(map, *r)) {
            ++n;
        }
    }
    return n;
}

bool EngineState::group_usable(const MapRecord& map, unsigned group) const {
    if (group == 0 || group > map.plan.groups.size()) {
        return false;
    }
    for (const std::string& dev : map.plan.groups[group - 1].devnodes) {
        const PathRecord* r = find_path(dev);
        if (r != nullptr && carries_io(map, *r)) {
            return true;
        }
    }
    return false;
}

unsigned EngineState::best_group_now(const MapRecord& map) const {
    std::vector<GroupingInput> inputs;
    std::vector<PathGroup> groups;
    for (const PlannedGroup& g : map.plan.groups) {
        PathGroup pg;
        for (const std::string& dev : g.devnodes) {
            const PathRecord* r = find_path(dev);
            const PlannedPath* p = map.plan.find_path(dev);
            pg.members.push_back(inputs.size());
            inputs.push_back(GroupingInput{
                p != nullptr ? p->priority : 0, r != nullptr && carries_io(map, *r), {}, {}, {}});
        }
        groups.push_back(std::move(pg));
    }
    for (PathGroup& g : groups) {
        update_group_priority(g, inputs);
    }
    return select_best_group(groups);
}

std::vector<MapRecord*> EngineState::maps_in_creation_order() {
    std::vector<MapRecord*> ordered;
    for (auto& [wwid, m] : maps) {
        if (m.exists) {
            ordered.push_back(&m);
        }
    }
    std::sort(ordered.begin(), ordered.end(), by_seq<MapRecord>);
    return ordered;
}

std::vector<const MapRecord*> EngineState::maps_in_creation_order() const {
    std::vector<const MapRecord*> ordered;
    for (const auto& [wwid, m] : maps) {
        if (m.exists) {
            ordered.push_back(&m);
        }
    }
    std::sort(ordered.begin(), ordered.end(), by_seq<MapRecord>);
    return ordered;
}

std::vector<const PathRecord*> EngineState::paths_in_discovery_order() const {
    std::vector<const PathRecord*> ordered;
    for (const auto& [dev, rec] : paths) {
        ordered.push_back(&rec);
    }
    std::sort(ordered.begin(), ordered.end(), by_seq<PathRecord>);
    return ordered;
}

std::vector<PlanPath> EngineState::plan_input() const {
    std::vector<PlanPath> out;
    for (const PathRecord* r : paths_in_discovery_order()) {
        if (r->removed_by_admin || r->registration.keeps_out_of_table()) {
            continue;
        }
        out.push_back(PlanPath{r->info, r->policy.state()});
    }
    return out;
}

}  // namespace pathkeeper::core
