#include "core/check_scheduler.hpp"

#include <algorithm>
#include <utility>
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
        if (m == nullptr) {
            continue;  // only members of a map are checked
        }
        const ResolvedMapOptions& o = m->plan.options;
        const CheckerKind checker = effective_checker(o, rec->info.tpgs, rec->info.reports_rdac).value;
        if (checker == CheckerKind::None) {
            continue;
        }
        const std::uint64_t id = next_check_id_++;
        rec->policy.begin_check(id, now);
        StartCheck check;
        check.devnode = rec->info.devnode;
        check.devt = rec->info.devt;
        check.checker = checker;
        check.timeout = o.checker_timeout.value;
        check.check_id = id;
        const PrioKind prio = effective_prio(o, rec->info.tpgs).value;
        if (prio_measured_by_worker(prio)) {
            check.prio = prio;
            check.prio_args = o.prio_args.value;
        }
        check.probe_rdac = wants_rdac_probe(o, rec->info.reports_rdac);
        out.add(std::move(check));
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
    if (m == nullptr || effective_checker(m->plan.options, path.info.tpgs, path.info.reports_rdac).value ==
                            CheckerKind::None) {
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
