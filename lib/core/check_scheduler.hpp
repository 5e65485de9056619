#pragma once
// When each path is checked: starts the checks that fell due (oldest path first) and tells the daemon when
// the next Tick has work (a check due, a no_path_retry countdown, a delayed failback, a retry).

#include <cstdint>
#include <optional>

#include "core/action_collector.hpp"
#include "core/engine_state.hpp"

namespace pathkeeper::core {

class CheckScheduler {
public:
    // Starts every due check of a path in a map with a checker.
    void run_checks(EngineState& state, TimePoint now, ActionCollector& out);

    // The earliest time a Tick has work to do; nullopt when nothing is scheduled.
    std::optional<TimePoint> next_deadline(const EngineState& state) const;
    // Something else than one path's check may have moved: the next deadline is computed afresh.
    void forget_deadline() { deadline_cache_.reset(); }
    // A checker result confirmed the path's state: only its own next check is new (it had none while the
    // check was in flight), and every other deadline stays as it was.
    void path_check_confirmed(const EngineState& state, const PathRecord& path);

private:
    // When the path's next check is due, nullopt when it has none (check in flight, not in a map, no
    // checker).
    std::optional<TimePoint> check_deadline(const EngineState& state, const PathRecord& path) const;

    std::uint64_t next_check_id_ = 1;
    // next_deadline() as last computed (outer optional: whether it is known). The daemon asks after every
    // loop iteration, and most iterations handled one checker result that confirmed its path's state: a
    // rescan of every path each time was the idle daemon's largest cost (design-decisions.md, "Ticks are
    // coalesced").
    mutable std::optional<std::optional<TimePoint>> deadline_cache_;
};

}  // namespace pathkeeper::core
