#pragma once
// MetricsCounters: what the daemon's metrics count over time, which no snapshot of the state tells: path
// failures and reinstatements (from the engine's publications), how long each path check ran (as the
// checker pool measured it) and configuration reloads. Owned by the event-loop thread.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "api/metrics.hpp"
#include "core/actions.hpp"
#include "core/events.hpp"

namespace pathkeeper::daemon {

class MetricsCounters {
public:
    void observe(const core::Event& event);
    void observe(const std::vector<core::Action>& actions);
    void check_finished(std::chrono::microseconds ran);
    void config_reload(bool applied);

    const std::map<std::string, api::PathCounters, std::less<>>& path_counters() const { return paths_; }
    const api::Histogram& check_duration() const { return check_duration_; }
    const api::ConfigReloads& config_reloads() const { return reloads_; }

private:
    std::map<std::string, api::PathCounters, std::less<>> paths_;
    api::Histogram check_duration_{api::check_duration_buckets()};
    api::ConfigReloads reloads_;
};

}  // namespace pathkeeper::daemon
