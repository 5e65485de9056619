// pathctl resize-map (multipathd's resize map), and a resize seen on some paths only: the planner holds the
// map at its size (map_size.hpp); when the hold outlasts a rescan of every path, the log says what is wrong.
#include "core/action_collector.hpp"
#include "core/engine.hpp"

namespace pathkeeper::core {

namespace {

// Long enough for an administrator or a script to rescan every path of a LUN one after the other.
constexpr auto kSizeHoldWarnAfter = std::chrono::seconds(30);

std::vector<SizedPath> member_sizes(const EngineState& state, const MapRecord& map) {
    std::vector<SizedPath> sizes;
    for (const PlannedPath& p : map.plan.paths) {
        if (const PathRecord* rec = state.find_path(p.devnode)) {
            sizes.push_back(SizedPath{rec->info.devnode, rec->info.size_sectors});
        }
    }
    return sizes;
}

}  // namespace

Result<void> Engine::validate_resize(const AdminResizeMap& request) const {
    const MapRecord* m = map_named(request.map);
    if (m == nullptr) {
        return make_error(ErrorCode::NotFound, "no map named " + request.map);
    }
    const std::vector<SizedPath> sizes = member_sizes(state_, *m);
    if (sizes.empty()) {
        return make_error(ErrorCode::NotSupported, m->plan.name + " has no path to take the size from");
    }
    if (!agreed_size(sizes)) {
        return make_error(ErrorCode::NotSupported, "the paths of " + m->plan.name +
                                                       " report different sizes (" + describe_sizes(sizes) +
                                                       " sectors); rescan every path of the LUN first");
    }
    return {};
}

void Engine::resize_map(const AdminResizeMap& request, TimePoint now, ActionCollector& out) {
    const MapRecord* m = map_named(request.map);
    const std::uint64_t size = *agreed_size(member_sizes(state_, *m));
    if (size == m->plan.size_sectors) {
        out.log(LogLevel::Notice, m->plan.name,
                "resize requested; already " + std::to_string(size) + " sectors, the size of every path");
        return;
    }
    out.log(LogLevel::Notice, m->plan.name,
            "resize to " + std::to_string(size) + " sectors requested by the administrator");
    if (started_) {
        shrink_allowed_.insert(m->plan.wwid);
        reconcile(now, out);
        shrink_allowed_.clear();
        evaluate_all(now, out);
    }
}

void Engine::track_size_holds(const PlanResult& plan, TimePoint now) {
    for (auto& [wwid, m] : state_.maps) {
        auto held = plan.size_held.find(wwid);
        if (held == plan.size_held.end()) {
            m.size_hold.reset();
            m.size_hold_warn_at.reset();
            continue;
        }
        if (!m.size_hold) {
            m.size_hold_warn_at = now + kSizeHoldWarnAfter;
            checks_.forget_deadline();
        }
        m.size_hold = held->second;
    }
}

void Engine::warn_size_holds(TimePoint now, ActionCollector& out) {
    for (auto& [wwid, m] : state_.maps) {
        if (!m.size_hold_warn_at || now < *m.size_hold_warn_at) {
            continue;
        }
        m.size_hold_warn_at.reset();
        out.log(LogLevel::Warning, m.plan.name,
                m.size_hold.value_or("held at its size") + "; still so after " +
                    std::to_string(kSizeHoldWarnAfter.count()) +
                    " s: rescan the paths that lag, or run resize-map when every path agrees");
    }
}

}  // namespace pathkeeper::core
