// pathctl remove-path / add-path (multipathd's del path / add path): a path taken out of its map stays a
// known disk but is planned as if absent, so its map is reloaded without it; add-path plans it again. The
// last path of a map is never taken out: the map's I/O would have nowhere to go.
#include "core/action_collector.hpp"
#include "core/engine.hpp"

namespace pathkeeper::core {

Result<void> Engine::validate_path_membership(
    const std::variant<AdminRemovePath, AdminAddPath>& request) const {
    const bool remove = std::holds_alternative<AdminRemovePath>(request);
    const std::string& dev =
        remove ? std::get<AdminRemovePath>(request).devnode : std::get<AdminAddPath>(request).devnode;
    const PathRecord* rec = state_.find_path(dev);
    if (rec == nullptr) {
        return make_error(ErrorCode::NotFound, "no path named " + dev);
    }
    if (rec->removed_by_admin) {
        return {};  // add-path brings it back; a second remove-path has nothing to do
    }
    const MapRecord* map = state_.map_of(*rec);
    if (!remove) {
        if (map == nullptr) {
            return make_error(
                ErrorCode::NotSupported,
                dev +
                    " is not multipathed (its WWID, the blacklist or find_multipaths decide that; "
                    "the daemon's log says which)");
        }
        return {};  // already in its map
    }
    if (map == nullptr) {
        return make_error(ErrorCode::NotSupported, dev + " is in no map");
    }
    // Counted against the requests already taken, not the table loaded: two quick removals must not empty it.
    unsigned staying = 0;
    for (const PlannedPath& p : map->plan.paths) {
        const PathRecord* r = state_.find_path(p.devnode);
        staying += r != nullptr && !r->removed_by_admin ? 1 : 0;
    }
    if (staying < 2) {
        return make_error(ErrorCode::NotSupported, dev + " is the last path of " + map->plan.name +
                                                       "; its I/O would have no path left");
    }
    return {};
}

void Engine::change_path_membership(const std::variant<AdminRemovePath, AdminAddPath>& request, TimePoint now,
                                    ActionCollector& out) {
    const bool remove = std::holds_alternative<AdminRemovePath>(request);
    PathRecord& rec = *state_.find_path(remove ? std::get<AdminRemovePath>(request).devnode
                                               : std::get<AdminAddPath>(request).devnode);
    if (rec.removed_by_admin == remove) {
        return;
    }
    out.log(LogLevel::Notice, state_.context(rec),
            remove ? "taken out of its map by the administrator; back with add-path"
                   : "added back by the administrator");
    rec.removed_by_admin = remove;
    if (started_) {
        reconcile(now, out);
        evaluate_all(now, out);
        checks_.run_checks(state_, now, out);
    }
}

}  // namespace pathkeeper::core
