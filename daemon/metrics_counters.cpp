#include "daemon/metrics_counters.hpp"

#include <variant>

#include "core/state_change_meaning.hpp"

namespace pathkeeper::daemon {

void MetricsCounters::observe(const core::Event& event) {
    // A device name that comes back is another device: its counters start again.
    if (const auto* removed = std::get_if<core::PathRemoved>(&event)) {
        paths_.erase(removed->devnode);
    } else if (const auto* batch = std::get_if<core::PathEvents>(&event)) {
        for (const auto& e : batch->events) {
            if (const auto* gone = std::get_if<core::PathRemoved>(&e)) {
                paths_.erase(gone->devnode);
            }
        }
    }
}

void MetricsCounters::observe(const std::vector<core::Action>& actions) {
    for (const core::Action& action : actions) {
        const auto* change = std::get_if<core::PublishPathStateChange>(&action);
        if (change == nullptr) {
            continue;
        }
        switch (core::meaning_of_state_change(change->old_state, change->new_state)) {
            case core::StateChangeMeaning::Failed:
                ++paths_[change->devnode].failures;
                break;
            case core::StateChangeMeaning::Reinstated:
                ++paths_[change->devnode].reinstates;
                break;
            case core::StateChangeMeaning::Other:
                break;
        }
    }
}

void MetricsCounters::check_finished(std::chrono::microseconds ran) {
    check_duration_.observe(std::chrono::duration<double>(ran).count());
}

void MetricsCounters::config_reload(bool applied) {
    if (applied) {
        ++reloads_.applied;
    } else {
        ++reloads_.rejected;
    }
    reloads_.last_successful = applied;
}

}  // namespace pathkeeper::daemon
