#pragma once
// What is said when a path changes state: a log line and the published state change, named by its map.

#include <string>

#include "core/action_collector.hpp"
#include "core/engine_state.hpp"

namespace pathkeeper::core {

// Nothing when the transition left the state as it was.
void report_path_transition(const EngineState& state, const PathRecord& path, const PathTransition& t,
                            const std::string& reason, ActionCollector& out);

}  // namespace pathkeeper::core
