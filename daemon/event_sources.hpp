#pragma once
// The kernel's reports, turned into engine events: uevents (UdevEvents), dm events (DmEvents) and checker
// results (CheckResults). Each is driven by the loop when its fd is readable, and on housekeeping ticks.

#include <cstddef>
#include <vector>

#include "daemon/backend.hpp"
#include "daemon/dm_worker.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/event_sink.hpp"
#include "daemon/metrics_counters.hpp"
#include "daemon/path_state_polls.hpp"
#include "ports/local_links.hpp"
#include "ports/logger.hpp"

namespace pathkeeper::daemon {

// Each round's uevents go to the engine as one PathEvents, so it plans the maps once for all of them.
//
// After lost uevents every disk is enumerated again. That scan reads sysfs and udev's database for every disk
// (seconds on a large or stalled host), so it runs on the DmWorker, in a queue of its own, and the loop goes
// on with checks, dm events and D-Bus meanwhile. Its result is a snapshot taken at some moment during the
// scan, disk by disk. The uevents received while it runs are newer than, or as new as, what it read of their
// disks, so they are held and fed after the snapshot's difference, in the order received: applied before it,
// a removal would be undone by a snapshot that still saw the disk, an addition by one that did not yet. Each
// disk thus ends with its newest report, the snapshot's or a later uevent's. uevents lost again during the
// scan may postdate the snapshot: one more scan follows it.
class UdevEvents {
public:
    UdevEvents(ports::UdevSource& udev, PathStatePolls& polls, DmWorker& worker, EventSink& sink,
               ports::Logger& logger)
        : udev_(udev), polls_(polls), worker_(worker), sink_(sink), logger_(logger) {}
    void receive();

private:
    // After lost uevents: every disk read again on the worker, the difference applied by the engine.
    void enumerate_again();
    void enumerated(const core::Result<std::vector<ports::DiscoveredDisk>>& disks);
    void feed(core::PathEvents batch);

    // uevents handled per round of the loop (the rest wait in the socket): bounds how long a storm holds it.
    static constexpr std::size_t kEventsPerRound = 16;
    // The worker queue of re-enumerations: dm refuses '/' in a map name, so no map's jobs share it.
    static constexpr const char* kEnumerationQueue = "/udev enumeration";

    ports::UdevSource& udev_;
    PathStatePolls& polls_;
    DmWorker& worker_;
    EventSink& sink_;
    ports::Logger& logger_;
    bool enumerating_ = false;
    bool enumerate_once_more_ = false;    // uevents were lost again while it ran
    std::vector<core::PathEvents> held_;  // received while it runs, fed after its result
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

// The host's network interfaces (rtnetlink): all of them once the maps are known, then each change, as
// LocalLinksChanged for local-link failover. A read error is logged; the watch goes on with the next change.
class LinkEvents {
public:
    LinkEvents(ports::LinkWatch* watch, EventSink& sink, ports::Logger& logger)
        : watch_(watch), sink_(sink), logger_(logger) {}
    void read_all();
    void receive();

private:
    void feed(const core::Result<std::vector<core::LocalLinkState>>& links);

    ports::LinkWatch* watch_;  // null: the back end has none
    EventSink& sink_;
    ports::Logger& logger_;
};

}  // namespace pathkeeper::daemon
