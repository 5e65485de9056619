#pragma once
// The kernel's reports, turned into engine events: uevents (UdevEvents), dm events (DmEvents) and checker
// results (CheckResults). Each is driven by the loop when its fd is readable, and on housekeeping ticks.

#include <cstddef>

#include "daemon/backend.hpp"
#include "daemon/dm_worker.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/event_sink.hpp"
#include "daemon/metrics_counters.hpp"
#include "daemon/path_state_polls.hpp"
#include "ports/logger.hpp"

namespace pathkeeper::daemon {

// Each round's uevents go to the engine as one PathEvents, so it plans the maps once for all of them.
class UdevEvents {
public:
    UdevEvents(ports::UdevSource& udev, PathStatePolls& polls, EventSink& sink, ports::Logger& logger)
        : udev_(udev), polls_(polls), sink_(sink), logger_(logger) {}
    void receive();

private:
    // After lost uevents: every disk read again, the difference applied by the engine.
    void enumerate_again();

    // uevents handled per round of the loop (the rest wait in the socket): bounds how long a storm holds it.
    static constexpr std::size_t kEventsPerRound = 16;

    ports::UdevSource& udev_;
    PathStatePolls& polls_;
    EventSink& sink_;
    ports::Logger& logger_;
};

// The maps whose dm event counter moved, read on the DmWorker (the dm adaptor is the worker's alone).
class DmEvents {
public:
    DmEvents(ports::DeviceMapper& dm, DmWorker& dm_worker, EventLoop& loop, EventSink& sink,
             ports::Logger& logger)
        : dm_(dm), dm_worker_(dm_worker), loop_(loop), sink_(sink), logger_(logger) {}
    void read();

private:
    ports::DeviceMapper& dm_;
    DmWorker& dm_worker_;
    EventLoop& loop_;
    EventSink& sink_;
    ports::Logger& logger_;
    bool read_in_flight_ = false;
};

// The worker pool's started and finished checks, each with the engine's check id.
class CheckResults {
public:
    CheckResults(ports::WorkerPool& pool, PathStatePolls& polls, EventSink& sink, MetricsCounters& metrics,
                 ports::Logger& logger)
        : pool_(pool), polls_(polls), sink_(sink), metrics_(metrics), logger_(logger) {}
    void collect();

private:
    ports::WorkerPool& pool_;
    PathStatePolls& polls_;
    EventSink& sink_;
    MetricsCounters& metrics_;
    ports::Logger& logger_;
    ports::WorkerPoolStats published_;  // the pool's counters as last published
};

}  // namespace pathkeeper::daemon
