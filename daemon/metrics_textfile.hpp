#pragma once
// MetricsTextfile: keeps pathkeeper.prom in node_exporter's textfile collector directory up to date, so a
// fleet's Prometheus sees every host's paths and maps without the daemon listening on the network (see
// "Metrics" in docs/design-decisions.md). The file is rewritten after a change (at most once a second, at
// the housekeeping tick) and every metrics_interval; each write replaces it atomically (a temporary file
// renamed over it), so a scrape never reads half a file. Reading the paths' I/O counters and writing run on
// the dm worker in a queue of their own, one write at a time: a slow or hung /var never holds up the loop.
//
// Owned and called by the event-loop thread only.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/metrics.hpp"
#include "core/config.hpp"
#include "daemon/dm_worker.hpp"
#include "daemon/event_loop.hpp"
#include "ports/logger.hpp"

namespace pathkeeper::daemon {

// Closed at a clean stop, under its mutex: a write still running on the worker then publishes nothing.
struct MetricsPublishGate {
    std::mutex mutex;
    bool closed = false;
};

class MetricsTextfile {
public:
    // block_stats_root: the sysfs root whose block/<dev>/stat files hold the paths' I/O counters; "" for
    // none. files_root: prefixed to the configured directory (Backend::files_root).
    MetricsTextfile(DmWorker& worker, ports::Logger& logger, std::string block_stats_root,
                    std::string files_root)
        : worker_(worker),
          logger_(logger),
          block_stats_root_(std::move(block_stats_root)),
          files_root_(std::move(files_root)) {}

    // Something the metrics show has changed: write at the next poll.
    void changed() { changed_ = true; }
    // Starts a write when something changed or metrics_interval has passed since the last one, unless one is
    // still running. `sample` is asked for the state only when a write starts.
    void poll(MonotonicClock::time_point now, const core::ResolvedGlobalOptions& options,
              const std::function<api::MetricsSample()>& sample);
    // At a clean stop: the metrics of a daemon that no longer runs would tell a fleet that all is well. No
    // write still running publishes after it.
    void stop();

    static constexpr const char* kQueue = "/metrics";
    static constexpr const char* kFileName = "pathkeeper.prom";

private:
    struct Outcome {
        std::string directory;
        std::string problem;  // "" when written
        bool no_directory = false;
    };
    void finished(const Outcome& outcome);
    void remove_file();

    DmWorker& worker_;
    ports::Logger& logger_;
    std::string block_stats_root_;
    std::string files_root_;
    bool changed_ = true;
    bool in_flight_ = false;
    std::optional<MonotonicClock::time_point> last_start_;
    std::string written_directory_;  // where the file is now, "" when nowhere
    std::string in_flight_directory_;
    std::string last_problem_;  // logged once, again only when it changes
    std::shared_ptr<MetricsPublishGate> gate_ = std::make_shared<MetricsPublishGate>();
};

// One write, on a worker thread: the paths' I/O counters into the sample, the text into
// <directory>/pathkeeper.prom unless the gate is closed. Returns "" or what went wrong.
std::string write_metrics_file(const std::string& directory, const std::string& block_stats_root,
                               api::MetricsSample sample, MetricsPublishGate& gate);

}  // namespace pathkeeper::daemon
