#include "daemon/holder_watch.hpp"

#include <utility>

namespace pathkeeper::daemon {

void HolderWatch::poll(MonotonicClock::time_point now, std::chrono::milliseconds interval,
                       const std::map<std::string, core::DevT>& maps) {
    if (holders_ == nullptr || in_flight_) {
        return;
    }
    if (!requested_ && last_start_ && now - *last_start_ < interval) {
        return;
    }
    requested_ = false;
    last_start_ = now;
    in_flight_ = true;
    worker_.submit(kQueue, [this, holders = holders_, maps]() -> DmWorker::Continuation {
        Holders read;
        for (const auto& [name, devt] : maps) {
            read.emplace(name, holders->map_holder(devt));
        }
        return [this, read = std::move(read)]() mutable { finished(std::move(read)); };
    });
}

// The whole read goes to the engine (it compares with what it holds, so a map created again under a name
// read before gets its verdict); the published topology is refreshed only when the read changed.
void HolderWatch::finished(Holders read) {
    in_flight_ = false;
    const bool changed = read != last_read_;
    last_read_ = read;
    sink_.feed(core::MapHoldersRead{std::move(read)});
    if (changed) {
        sink_.topology_changed();
    }
}

}  // namespace pathkeeper::daemon
