#pragma once
// HolderWatch: keeps the engine's knowledge of what holds each map fresh (core/holder_policy.hpp), so a map
// under a mirror whose twin is healthy fails fast and the surviving leg queues again once the twin is gone.
// Every map's holders are read again at least once per polling interval, and at the next housekeeping
// second after something that may change them (maps discovered, created or reloaded, a dm event such as a
// path failing). The reads walk sysfs and read dm status: they run on the dm worker, in a queue of their own,
// never on the loop; one read runs at a time.
//
// Owned and called by the event-loop thread only.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "core/events.hpp"
#include "core/model.hpp"
#include "daemon/dm_worker.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/event_sink.hpp"
#include "ports/block_holders.hpp"

namespace pathkeeper::daemon {

class HolderWatch {
public:
    // holders may be null (a back end that cannot tell): then nothing is ever read.
    HolderWatch(ports::BlockHolders* holders, DmWorker& worker, EventSink& sink)
        : holders_(holders), worker_(worker), sink_(sink) {}

    // Something may have changed what holds the maps: read them at the next poll.
    void request() { requested_ = true; }
    // Starts a read of the holders of `maps` (name -> device) when one was requested or `interval` has passed
    // since the last one started, unless a read is still running.
    void poll(MonotonicClock::time_point now, std::chrono::milliseconds interval,
              const std::map<std::string, core::DevT>& maps);

    // The dm worker queue the reads run in: no map is named so ('/' is not allowed in a dm name).
    static constexpr const char* kQueue = "/holders";

private:
    using Holders = std::map<std::string, std::optional<core::MapHolder>>;
    void finished(Holders read);

    ports::BlockHolders* holders_;
    DmWorker& worker_;
    EventSink& sink_;
    bool requested_ = true;
    bool in_flight_ = false;
    std::optional<MonotonicClock::time_point> last_start_;
    Holders last_read_;
};

}  // namespace pathkeeper::daemon
