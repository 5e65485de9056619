#include "core/check_scheduler.hpp"

#include <algorithm>
#include <vector>

namespace pathkeeper::core {

void CheckScheduler::run_checks(EngineState& state, TimePoint now, ActionCollector& out) {
    // Runs on every Tick, and few paths are due at any one Tick: only those are collected, sorted and looked
    // up in their map, not every path.
    std::vector<PathRecord*> ordered;
    for (auto& [dev, rec] : state.paths) {
        if (rec.policy.check_due(now)) {
            ordered.push_back(&rec);
        }
    }
    std::sort(ordered.begin(), ordered.end(),
              [](const PathRecord* a, const PathRecord* b) { return a->seq < b->seq; });
    for (PathRecord* rec : ordered) {
        const MapRecord* m = state.map_of(*rec);
        if (m == nullptr || m->plan.options.path_checker.value == CheckerKind::None) {
            continue;  // only members of a map are checked
        }
        const std::uint64_t id = next_check_id_++;
        rec->policy.begin_check(id, now);
        out.add(StartCheck{rec->info.devnode, rec->info.devt, m->plan.options.path_checker.value,
                           m->plan.options.checker_timeout.value, id});
    }
}

std::optional<TimePoint> CheckScheduler::check_deadline(const EngineState& state,
                                                        const PathRecord& path) const {
    // A path with a check in flight has no next check (a lost check is the worker pool's to time out).
    const std::optional<TimePoint> at = path.policy.next_check_at();
    if (!at) {
        return std::nullopt;
    }
    const MapRecord* m = state.map_of(path);
    if (m == nullptr || m->plan.options.path_checker.value == CheckerKind::None) {
        return std::nullopt;  // only members of a map are checked
    }
    return at;
}

std::optional<TimePoint> CheckScheduler::next_deadline(const EngineState& state) const {
    if (deadline_cache_) {
        return *deadline_cache_;
    }
    std::optional<TimePoint> best;
    auto consider = [&](std::optional<TimePoint> t) {
        if (t && (!best || *t < *best)) {
            best = t;
        }
    };
    for (const auto& [dev, rec] : state.paths) {
        // check_deadline() looks the map up, the costly part: only a time earlier than the best so far needs
        // it.
        const std::optional<TimePoint> at = rec.policy.next_check_at();
        if (at && (!best || *at < *best)) {
            consider(check_deadline(state, rec));
        }
    }
    for (const auto& [wwid, m] : state.maps) {
        if (m.queueing) {
            consider(m.fail_io_at);
        }
        consider(m.failback_at);
        consider(m.retry_at);
        consider(m.size_hold_warn_at);
    }
    deadline_cache_ = best;
    return best;
}

void CheckScheduler::path_check_confirmed(const EngineState& state, const PathRecord& path) {
    if (deadline_cache_) {
        const std::optional<TimePoint> at = check_deadline(state, path);
        if (at && (!*deadline_cache_ || *at < **deadline_cache_)) {
            *deadline_cache_ = at;
        }
    }
}

}  // namespace pathkeeper::core
