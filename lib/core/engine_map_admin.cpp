// pathctl remove-map / add-map (multipath -f, multipathd's del map / add map). A removed map's WWID is
// remembered: planning would otherwise create the map again at the next path event or reconfigure of any
// map. It is planned again on AddMap, on a new configuration, or when the kernel adds a path of the WWID
// again (a disk removed and re-added is a new device; a change event is not).
#include "core/action_collector.hpp"
#include "core/engine.hpp"
#include "core/map_lifecycle.hpp"
#include "core/wwid.hpp"

namespace pathkeeper::core {

const MapRecord* Engine::map_named(std::string_view name_or_wwid) const {
    if (const MapRecord* m = state_.find_map_by_name(name_or_wwid); m != nullptr && m->exists) {
        return m;
    }
    if (auto it = state_.maps.find(name_or_wwid); it != state_.maps.end() && it->second.exists) {
        return &it->second;
    }
    return nullptr;
}

std::optional<std::string> Engine::map_name_of(std::string_view name_or_wwid) const {
    const MapRecord* m = map_named(name_or_wwid);
    return m != nullptr ? std::optional<std::string>(m->plan.name) : std::nullopt;
}

const PlannedMap* Engine::planned_map(std::string_view name_or_wwid) const {
    const MapRecord* m = map_named(name_or_wwid);
    return m != nullptr ? &m->plan : nullptr;
}

bool Engine::removal_in_progress(std::string_view map) const {
    return state_.removing.contains(map);
}

Result<std::string> Engine::add_map_target(const AdminAddMap& request) const {
    auto wwid =
        resolve_wwid_target(request.target, [this](std::string_view dev) -> std::optional<std::string> {
            const PathRecord* p = state_.find_path(dev);
            return p != nullptr ? std::optional<std::string>(p->info.wwid) : std::nullopt;
        });
    if (!wwid) {
        return wwid.error();
    }
    for (const auto& [dev, rec] : state_.paths) {
        if (rec.info.wwid == *wwid) {
            return wwid;
        }
    }
    return make_error(ErrorCode::NotFound, "no disk with WWID " + *wwid + " is known");
}

Result<void> Engine::validate_map_admin(const AdminRemoveMap& request) const {
    if (removal_in_progress(request.map)) {
        return make_error(ErrorCode::Conflict, "the removal of " + request.map + " is already in progress");
    }
    if (map_named(request.map) == nullptr) {
        return make_error(ErrorCode::NotFound, "no map named " + request.map);
    }
    return {};
}

Result<void> Engine::validate_map_admin(const AdminAddMap& request) const {
    auto wwid = add_map_target(request);
    if (!wwid) {
        return wwid.error();
    }
    if (state_.removed_by_admin.contains(*wwid) || state_.withheld.contains(*wwid)) {
        return {};
    }
    if (auto it = state_.maps.find(*wwid); it != state_.maps.end() && it->second.exists) {
        return {};  // it has its map already
    }
    return make_error(ErrorCode::NotSupported,
                      "WWID " + *wwid +
                          " was not removed and is not multipathed (the blacklist or find_multipaths decide "
                          "that; the daemon's log says which)");
}

void Engine::remove_map_by_admin(const AdminRemoveMap& request, ActionCollector& out) {
    const MapRecord* found = map_named(request.map);
    const std::string wwid = found->plan.wwid;
    const std::string name = found->plan.name;
    state_.removed_by_admin.insert(wwid);
    // Kept whole while dm works: a refusal (the map is open) puts it back as it was.
    auto node = state_.maps.extract(wwid);
    state_.removing.insert_or_assign(name, std::move(node.mapped()));
    out.add(RemoveMap{name, true, request.deferred});
    out.log(LogLevel::Notice, name,
            std::string("removal requested by the administrator") +
                (request.deferred ? " (deferred until its last opener closes it)" : "") + "; WWID " + wwid +
                " stays unmapped until add-map");
}

void Engine::add_map_by_admin(const AdminAddMap& request, TimePoint now, ActionCollector& out) {
    const std::string wwid = *add_map_target(request);
    const bool removed = state_.removed_by_admin.erase(wwid) != 0;
    const bool withheld = state_.withheld.erase(wwid) != 0;
    if (!removed && !withheld) {
        return;  // it has its map
    }
    out.log(LogLevel::Notice, "", "WWID " + wwid + " added back by the administrator; planning it again");
    if (started_) {
        reconcile(now, out);
        evaluate_all(now, out);
        checks_.run_checks(state_, now, out);
    }
}

void Engine::release_removed_by_admin(const std::string& wwid, ActionCollector& out) {
    if (state_.removed_by_admin.erase(wwid) != 0) {
        out.log(LogLevel::Notice, "",
                "WWID " + wwid +
                    ": a path was added by the kernel after its map was removed by the "
                    "administrator; planning it again");
    }
}

}  // namespace pathkeeper::core
