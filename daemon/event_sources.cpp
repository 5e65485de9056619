#include "daemon/event_sources.hpp"

#include <sys/epoll.h>

#include <string>
#include <utility>

namespace pathkeeper::daemon {

void UdevEvents::receive() {
    core::PathEvents batch;
    auto flush = [&] {
        if (!batch.events.empty()) {
            feed(std::exchange(batch, {}));
        }
    };
    for (const auto& event : udev_.receive(kEventsPerRound)) {
        if (event.action == ports::UdevAction::Remove) {
            logger_.log(core::LogLevel::Info, {"", event.disk.devnode}, "removed");
            batch.events.emplace_back(core::PathRemoved{event.disk.devnode, 0});
        } else if (event.disk.path) {
            logger_.log(core::LogLevel::Info, {"", event.disk.devnode},
                        std::string("uevent ") + ports::to_string(event.action));
            if (event.action == ports::UdevAction::Add) {
                batch.events.emplace_back(core::PathAdded{*event.disk.path});
            } else {
                const core::PathInfo& path = *event.disk.path;
                if (auto known = polls_.alua_state(path.devnode);
                    known && path.tpgs && *known != path.alua_state) {
                    // The SDEV_UA uevent of the one path that got the unit attention. The kernel's re-read of
                    // the port groups usually updated the LU's other paths too: read them all now, so the map
                    // is regrouped once from the whole picture (often a mere switch_group), instead of
                    // reloaded from this path's new state beside its siblings' old ones and again a moment
                    // later (two suspends under I/O, see "ALUA" in docs/design-decisions.md). The uevents
                    // before it go first.
                    flush();
                    polls_.read_lu(path.wwid);
                }
                batch.events.emplace_back(core::PathChanged{path});
            }
        } else {
            logger_.log(core::LogLevel::Notice, {"", event.disk.devnode}, event.disk.skip_reason);
        }
    }
    flush();
    if (udev_.take_lost_uevents()) {
        if (enumerating_) {
            enumerate_once_more_ = true;
        } else {
            enumerate_again();
        }
    }
    sink_.topology_changed();
}

void UdevEvents::feed(core::PathEvents batch) {
    if (enumerating_) {
        held_.push_back(std::move(batch));
    } else {
        sink_.feed(batch);
    }
}

void UdevEvents::enumerate_again() {
    logger_.log(core::LogLevel::Warning, {},
                "udev monitor overflowed (ENOBUFS): uevents were lost; enumerating every disk again");
    enumerating_ = true;
    worker_.submit(kEnumerationQueue, [this]() -> DmWorker::Continuation {
        auto disks = udev_.enumerate();
        return [this, disks = std::move(disks)] { enumerated(disks); };
    });
}

void UdevEvents::enumerated(const core::Result<std::vector<ports::DiscoveredDisk>>& disks) {
    enumerating_ = false;
    if (!disks) {
        logger_.log(core::LogLevel::Error, {}, "udev enumerate after lost uevents: " + disks.error().message);
    } else {
        core::PathsReEnumerated present;
        for (const auto& disk : *disks) {
            if (disk.path) {
                present.paths.push_back(*disk.path);
            }
        }
        sink_.feed(present);
    }
    if (!held_.empty()) {
        logger_.log(core::LogLevel::Info, {},
                    "applying the " + std::to_string(held_.size()) +
                        " uevent batch(es) received during the enumeration after it");
    }
    for (auto& batch : std::exchange(held_, {})) {
        sink_.feed(batch);
    }
    sink_.topology_changed();
    if (std::exchange(enumerate_once_more_, false)) {
        enumerate_again();
    }
}

void DmEvents::read() {
    if (read_in_flight_) {
        return;
    }
    read_in_flight_ = true;
    const int fd = dm_.event_fd();
    if (fd >= 0) {
        // Level-triggered: stop watching until the worker has re-armed the fd, or the loop would spin.
        (void)loop_.modify(fd, 0);
    }
    dm_worker_.submit([this, fd]() -> DmWorker::Continuation {
        auto changed = dm_.changed_maps();
        return [this, fd, changed] {
            read_in_flight_ = false;
            if (fd >= 0) {
                (void)loop_.modify(fd, EPOLLIN);
            }
            if (!changed) {
                logger_.log(core::LogLevel::Warning, {}, "dm events: " + changed.error().message);
                return;
            }
            for (const auto& name : *changed) {
                logger_.log(core::LogLevel::Debug, {name, ""}, "dm event");
                sink_.feed(core::DmEvent{name});
            }
        };
    });
}

void CheckResults::collect() {
    // Starts first: a check answered in the same drain has no start notice (the pool leaves it out).
    for (const auto& started : pool_.drain_started()) {
        sink_.feed(core::CheckStarted{started.devnode, started.check_id});
    }
    for (const auto& done : pool_.drain_completed()) {
        logger_.log(core::LogLevel::Debug, {"", done.request.devnode}, done.outcome.message);
        if (done.duration.count() > 0) {
            metrics_.check_finished(done.duration);
        }
        sink_.feed(core::CheckerResult{done.request.devnode, done.outcome.state, done.outcome.message,
                                       done.request.check_id, done.outcome.priority,
                                       done.outcome.reports_rdac});
        polls_.after_check(done.request.devnode, core::is_usable(done.outcome.state));
    }
    // The published topology shows how many checks hang: publish when that moved (not on every check).
    const ports::WorkerPoolStats stats = pool_.stats();
    if (stats.workers != published_.workers || stats.hung != published_.hung) {
        published_ = stats;
        sink_.topology_changed();
    }
}

void LinkEvents::read_all() {
    if (watch_ != nullptr) {
        feed(watch_->read_all());
    }
}

void LinkEvents::receive() {
    if (watch_ != nullptr) {
        feed(watch_->changes());
    }
}

void LinkEvents::feed(const core::Result<std::vector<core::LocalLinkState>>& links) {
    if (!links) {
        logger_.log(core::LogLevel::Warning, {}, "network links: " + links.error().message);
        return;
    }
    if (!links->empty()) {
        sink_.feed(core::LocalLinksChanged{*links});
    }
}

}  // namespace pathkeeper::daemon
