#include "core/path_report.hpp"

namespace pathkeeper::core {

void report_path_transition(const EngineState& state, const PathRecord& path, const PathTransition& t,
                            const std::string& reason, ActionCollector& out) {
    if (!t.state_changed()) {
        return;
    }
    const MapRecord* m = state.map_of(path);
    LogLevel level = is_usable(t.new_state) ? LogLevel::Notice : LogLevel::Warning;
    out.log(level, state.context(path),
            std::string("path ") + to_string(t.old_state) + " -> " + to_string(t.new_state) + ": " + reason);
    out.add(PublishPathStateChange{m != nullptr ? m->plan.name : std::string(), path.info.devnode,
                                   t.old_state, t.new_state, reason, path.info.wwid});
}

}  // namespace pathkeeper::core
