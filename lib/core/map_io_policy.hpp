#pragma once
// A loaded map's I/O policy, run after every change that may affect it: dm's view of each member (fail_path /
// reinstate_path for every path whose dm state differs from whether it should carry I/O), no_path_retry
// (queue / fail / queue N polling intervals then fail_if_no_path, queueing restored when a path returns) and
// failback (immediate / manual / followover / delayed). Its state is the map's and paths' records.

#include <string>

#include "core/action_collector.hpp"
#include "core/engine_state.hpp"

namespace pathkeeper::core {

class MapIoPolicy {
public:
    // Made for one evaluation: the polling interval is the configuration's at that time.
    MapIoPolicy(EngineState& state, Millis polling_interval)
        : state_(state), polling_interval_(polling_interval) {}

    void evaluate(MapRecord& map, TimePoint now, ActionCollector& out);
    // Every loaded map, oldest first.
    void evaluate_all(TimePoint now, ActionCollector& out);
    void switch_group(MapRecord& map, unsigned group, const std::string& why, ActionCollector& out);
    // The map's no_path_retry changed at a reconfigure: the retry count and its timer start afresh.
    void restart_no_path_retry(MapRecord& map, const NoPathRetry& npr, TimePoint now, ActionCollector& out);

private:
    void sync_path(MapRecord& map, PathRecord& path, ActionCollector& out);
    void failback(MapRecord& map, TimePoint now, ActionCollector& out);

    EngineState& state_;
    Millis polling_interval_;
};

}  // namespace pathkeeper::core
