#include "daemon/daemon.hpp"

#include <malloc.h>
#include <poll.h>
#include <sys/epoll.h>

#include <sdbus-c++/sdbus-c++.h>
#include <algorithm>
#include <cstring>
#include <iostream>
#include <sstream>

#include "config/config_file.hpp"
#include "core/bindings.hpp"
#include "daemon/config_loader.hpp"
#include "daemon/dbus/dbus_service.hpp"

namespace pathkeeper::daemon {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

core::ExistingMap existing(const ports::DmMapInfo& info) {
    core::ExistingMap e;
    e.name = info.name;
    e.uuid = info.uuid;
    e.size_sectors = info.size_sectors;
    e.table = *info.table;
    e.status = *info.status;
    e.open_count = static_cast<unsigned>(std::max(info.open_count, 0));
    return e;
}

ports::LogContext split_context(const std::string& context) {
    const auto colon = context.find(": ");
    if (colon == std::string::npos) {
        return ports::LogContext{context, ""};
    }
    return ports::LogContext{context.substr(0, colon), context.substr(colon + 2)};
}

std::uint32_t to_epoll_events(short poll_events) {
    std::uint32_t events = 0;
    if ((poll_events & POLLIN) != 0) {
        events |= EPOLLIN;
    }
    if ((poll_events & POLLOUT) != 0) {
        events |= EPOLLOUT;
    }
    return events;
}

}  // namespace

Daemon::Daemon(DaemonOptions options, core::Config config, PersistentState state, Backend& backend,
               SignalSource& signals, ports::Logger& logger, Notifier& notifier)
    : options_(std::move(options)),
      config_(std::move(config)),
      backend_(backend),
      signals_(signals),
      logger_(logger),
      notifier_(notifier),
      bindings_path_(std::move(state.bindings_path)),
      wwids_path_(std::move(state.wwids_path)),
      engine_(config_, std::move(state.bindings), std::move(state.known_wwids)),
      state_watch_(*backend.sysfs) {}

Daemon::~Daemon() {
    // Unregister objects before the connection goes. Nothing may escape a destructor: a lost bus is logged.
    try {
        service_.reset();
    } catch (const sdbus::Error& e) {
        log(core::LogLevel::Warning, "", "", std::string("D-Bus at shutdown: ") + e.what());
    }
    try {
        bus_.reset();
    } catch (const sdbus::Error& e) {
        log(core::LogLevel::Warning, "", "", std::string("D-Bus at shutdown: ") + e.what());
    }
}

void Daemon::log(core::LogLevel level, const std::string& map, const std::string& path,
                 const std::string& text) {
    logger_.log(level, ports::LogContext{map, path}, text);
}

core::Result<void> Daemon::start() {
    log(core::LogLevel::Info, "", "",
        std::string("pathkeeperd ") + daemon_version() + " starting, back end " + backend_.description +
            ", configuration " + (config_.source_file.empty() ? "built-in defaults" : config_.source_file) +
            ", state " + options_.state_dir);

    // Coldplug first, then the existing maps: MapsDiscovered starts the engine, which then plans every map
    // once with all paths known and adopts an equivalent map without a reload. The dm adaptor is used from
    // this thread only until the first job is submitted to the DmWorker; from then on only the worker does.
    auto disks = backend_.udev->enumerate();
    if (!disks) {
        return core::make_error(disks.error().code, "udev enumerate: " + disks.error().message);
    }
    for (const auto& disk : *disks) {
        if (disk.path) {
            feed(core::PathAdded{*disk.path});
        } else {
            log(core::LogLevel::Notice, "", disk.devnode, disk.skip_reason);
        }
    }
    auto maps = backend_.dm->list_multipath_maps();
    if (!maps) {
        return core::make_error(maps.error().code, "listing dm maps: " + maps.error().message);
    }
    core::MapsDiscovered discovered;
    for (const auto& info : *maps) {
        map_devts_[info.name] = info.devt;
        if (!info.table || !info.status) {
            log(core::LogLevel::Warning, info.name, "",
                "existing map left alone, its table or status is unreadable: " + info.table_error +
                    info.status_error);
            continue;
        }
        discovered.maps.push_back(existing(info));
    }
    if (auto primed = backend_.dm->changed_maps(); !primed) {
        log(core::LogLevel::Warning, "", "", "dm events: " + primed.error().message);
    }
    log(core::LogLevel::Info, "", "",
        "coldplug: " + std::to_string(disks->size()) + " SCSI disks, " + std::to_string(maps->size()) +
            " existing multipath maps");

    auto must = [](core::Result<void> r) {
        if (!r) {
            throw std::runtime_error(r.error().message);
        }
    };
    try {
        must(loop_.add(
            signals_.fd(), EPOLLIN, [this](std::uint32_t) { on_signal(); }, "signals"));
        must(loop_.add(
            backend_.udev->fd(), EPOLLIN, [this](std::uint32_t) { on_udev(); }, "udev monitor"));
        if (backend_.dm->event_fd() >= 0) {
            must(loop_.add(
                backend_.dm->event_fd(), EPOLLIN, [this](std::uint32_t) { on_dm_event(); }, "dm events"));
        }
        must(loop_.add(
            backend_.pool->completion_fd(), EPOLLIN, [this](std::uint32_t) { on_checks_done(); },
            "checker results"));
        must(loop_.add(
            dm_worker_.fd(), EPOLLIN, [this](std::uint32_t) { dm_worker_.run_completions(); },
            "dm completions"));
        must(loop_.add(
            engine_timer_.fd(), EPOLLIN,
            [this](std::uint32_t) {
                engine_timer_.acknowledge();
                last_tick_ = MonotonicClock::now();
                feed(core::Tick{});
            },
            "engine timer"));
        must(loop_.add(
            housekeeping_timer_.fd(), EPOLLIN, [this](std::uint32_t) { on_housekeeping(); }, "housekeeping"));
        housekeeping_timer_.arm_periodic(std::chrono::milliseconds(1000) / housekeeping_ticks_per_second);
        if (auto interval = notifier_.watchdog_ping_interval()) {
            must(loop_.add(
                watchdog_timer_.fd(), EPOLLIN,
                [this](std::uint32_t) {
                    watchdog_timer_.acknowledge();
                    notifier_.watchdog();
                },
                "watchdog"));
            watchdog_timer_.arm_periodic(*interval);
        }
    } catch (const std::runtime_error& e) {
        return core::make_error(core::ErrorCode::Io, e.what());
    }
    // One thread owns all state, so a handler that runs long delays everything else (D-Bus answers, checker
    // results, udev events): such a stall is logged with its source, since only the log can show it later.
    loop_.set_stall_reporter(
        kLoopStallThreshold, [this](std::string_view source, MonotonicClock::duration held) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(held).count();
            log(core::LogLevel::Warning, "", "",
                "event loop held for " + std::to_string(ms) + " ms by " + std::string(source) +
                    " (D-Bus calls, checker results and udev events waited)");
        });
    loop_.add_prepare_hook(
        [this]() -> std::optional<MonotonicClock::time_point> {
            publish_if_dirty();
            return std::nullopt;
        },
        "D-Bus topology publication");
    loop_.add_before_wait_hook([this]() -> std::optional<MonotonicClock::time_point> {
        if (engine_deadline_stale_) {
            arm_engine_timer();
        }
        return std::nullopt;
    });

    feed(discovered);
    // Maps are created / reloaded before READY=1, so `systemctl start` returns with the maps in place.
    dm_worker_.wait_idle();

    if (options_.dbus) {
        connect_bus();
    }
    if (auto started = backend_.start_own_sources(loop_, logger_); !started) {
        return started.error();
    }
    const auto snap = engine_.snapshot(MonotonicClock::now());
    const std::string status = std::to_string(snap.maps.size()) + " maps, " +
                               std::to_string(snap.paths.size()) + " paths" + (service_ ? "" : " (no D-Bus)");
    log(core::LogLevel::Info, "", "", "ready: " + status);
    // Coldplug and the first map creations leave freed memory scattered through the heap (every disk's udev
    // properties and sysfs reads, the dm tasks); hand those pages back once (VM, 128 paths: about 0.5 MiB).
    malloc_trim(0);
    notifier_.ready(status);
    return {};
}

void Daemon::connect_bus() {
    try {
        bus_ = sdbus::createSystemBusConnection();
        service_ = std::make_unique<dbus::DbusService>(*bus_, *this);
        service_->claim_bus_name();
        const auto poll = bus_->getEventLoopPollData();
        const int fd = poll.fd;
        if (auto added = loop_.add(
                fd, to_epoll_events(poll.events),
                [this, fd](std::uint32_t) {
                    try {
                        while (bus_ && bus_->processPendingRequest()) {
                        }
                    } catch (const sdbus::Error& e) {
                        drop_bus(fd, e);
                    }
                },
                "D-Bus");
            !added) {
            throw sdbus::Error("org.pathkeeper.PathKeeper1.Error.Failed", added.error().message);
        }
        loop_.add_prepare_hook(
            [this, fd,
             watched = to_epoll_events(poll.events)]() mutable -> std::optional<MonotonicClock::time_point> {
                if (!bus_) {
                    return std::nullopt;  // the bus was lost
                }
                try {
                    // sd-bus asks for an immediate pass (a timeout of 0, or one that has passed) when it
                    // holds messages it has read but not dispatched, or a pending call timed out; anything
                    // else arrives on the fd, whose callback processes it. Processing and re-arming the fd on
                    // every loop round cost a recvmsg (EAGAIN) and an epoll_ctl each round: 448 of an idle
                    // daemon's 13011 system calls in 20 s with 128 paths in the VM.
                    auto poll = bus_->getEventLoopPollData();
                    if (poll.timeout_usec != UINT64_MAX &&
                        MonotonicClock::time_point(std::chrono::microseconds(poll.timeout_usec)) <=
                            MonotonicClock::now()) {
                        while (bus_->processPendingRequest()) {
                        }
                        poll = bus_->getEventLoopPollData();
                    }
                    // POLLOUT only while output is queued (a signal the socket could not take at once).
                    if (const auto wanted = to_epoll_events(poll.events); wanted != watched) {
                        (void)loop_.modify(fd, wanted);
                        watched = wanted;
                    }
                    if (poll.timeout_usec == UINT64_MAX) {
                        return std::nullopt;
                    }
                    return MonotonicClock::time_point(std::chrono::microseconds(poll.timeout_usec));
                } catch (const sdbus::Error& e) {
                    drop_bus(fd, e);
                    return std::nullopt;
                }
            },
            "D-Bus");
        log(core::LogLevel::Info, "", "", std::string("published on the system bus as ") + api::kBusName);
    } catch (const sdbus::Error& e) {
        // Path management must go on without the API: multipath I/O matters more than pathctl.
        log(core::LogLevel::Warning, "", "",
            std::string("D-Bus unavailable, running without the API: ") + e.getName() + ": " +
                e.getMessage());
        service_.reset();
        bus_.reset();
    }
}

void Daemon::drop_bus(int fd, const sdbus::Error& why) {
    // sd-bus cannot recover a broken connection (dbus-daemon stopped or restarted): stop polling its fd,
    // which would otherwise report the hang-up forever, and go on managing paths without the API.
    log(core::LogLevel::Warning, "", "",
        std::string("D-Bus connection lost, running without the API: ") + why.getName() + ": " +
            why.getMessage());
    loop_.remove(fd);
    try {
        service_.reset();  // its objects' destructors cannot send their signals any more; they do not throw
        bus_.reset();
    } catch (const sdbus::Error& e) {
        log(core::LogLevel::Warning, "", "", std::string("D-Bus: ") + e.what());
    }
}

int Daemon::run() {
    loop_.run();
    notifier_.stopping();
    log(core::LogLevel::Info, "", "", "stopped; dm maps are left in place");
    return 0;
}

void Daemon::learn_path_event(const core::Event& event) {
    if (const auto* batch = std::get_if<core::PathEvents>(&event)) {
        for (const auto& inner : batch->events) {
            std::visit([this](const auto& one) { learn_path_event(core::Event{one}); }, inner);
        }
        return;
    }
    // Learn the iSCSI sessions of known paths: their state is polled (the kernel sends no uevent for it).
    const core::PathInfo* info = nullptr;
    if (const auto* added = std::get_if<core::PathAdded>(&event)) {
        info = &added->path;
    } else if (const auto* changed = std::get_if<core::PathChanged>(&event)) {
        info = &changed->path;
    }
    if (info != nullptr && info->iscsi) {
        session_states_.try_emplace(info->iscsi->session_id, info->iscsi->session_state);
    }
    // Likewise the SCSI device state and the ALUA access state of every known path (running -> offline /
    // transport-offline has no uevent; the kernel updates access_state after a unit attention without one).
    if (info != nullptr) {
        state_watch_.track(*info);
    } else if (const auto* removed = std::get_if<core::PathRemoved>(&event)) {
        state_watch_.forget(removed->devnode);
        backend_.sysfs->forget_device(removed->devnode);
        backend_.pool->forget(removed->devnode);  // closes the device the checker kept open
    }
}

void Daemon::feed(const core::Event& event) {
    learn_path_event(event);
    const auto actions = engine_.handle(event, MonotonicClock::now());
    for (const auto& action : actions) {
        execute(action);
    }
    // Re-armed once per loop iteration, not per event: a batch of checker results would otherwise scan every
    // path's deadline once per result.
    engine_deadline_stale_ = true;
}

void Daemon::arm_engine_timer() {
    engine_deadline_stale_ = false;
    auto deadline = engine_.next_deadline();
    // Checks of many paths fall due at scattered times; waking for each one separately costs a full Tick per
    // path. Coalescing Ticks to at most one per kTickCoalescing delays a routine check by that much at worst;
    // failures and recoveries do not wait for a Tick (events run their checks at once).
    if (deadline && last_tick_ && *deadline < *last_tick_ + kTickCoalescing) {
        deadline = *last_tick_ + kTickCoalescing;
    }
    engine_timer_.arm(deadline);
}

void Daemon::completed(const core::Action& action, const core::Result<void>& result) {
    if (result) {
        feed(core::ActionCompleted{action});
    } else {
        feed(core::ActionFailed{action, result.error()});
    }
    topology_dirty_ = true;
}

void Daemon::submit_udev_synced(UdevStart start, UdevFinish finish) {
    dm_worker_.submit_deferred(
        [this, start = std::move(start), finish = std::move(finish)]() -> DmWorker::Poll {
            auto started = start();
            if (!started) {
                return [finish, error = started.error()]() -> std::optional<DmWorker::Continuation> {
                    return finish(error);
                };
            }
            return [this, finish, handle = *started]() -> std::optional<DmWorker::Continuation> {
                if (!backend_.dm->udev_done(handle)) {
                    return std::nullopt;
                }
                return finish(core::Result<void>{});
            };
        });
}

void Daemon::save_file(const core::Action& action, const std::string& path, const std::string& text) {
    // Small files on local disk: written on the loop thread (temp file, fsync, rename).
    completed(action, backend_.files->write_atomic(path, text));
}

void Daemon::execute(const core::Action& action) {
    std::visit(
        Overloaded{
            [&](const core::CreateMap& a) {
                // The next maps are created while udev still works on this one; the create completes (and
                // /dev/mapper/NAME exists) when udev is done with it.
                submit_udev_synced(
                    [this, a] {
                        return backend_.dm->start_create_map(a.name, a.uuid, a.size_sectors, a.table);
                    },
                    [this, a](const core::Result<void>& created) -> DmWorker::Continuation {
                        std::optional<core::DevT> devt;
                        if (created) {
                            if (auto info = backend_.dm->get_map(a.name)) {
                                devt = info->devt;
                            }
                        }
                        return [this, a, created, devt] {
                            if (devt) {
                                map_devts_[a.name] = *devt;
                            }
                            completed(a, created);
                        };
                    });
            },
            [&](const core::ReloadMap& a) {
                submit_udev_synced(
                    [this, a] { return backend_.dm->start_reload_map(a.name, a.size_sectors, a.table); },
                    [this, a](const core::Result<void>& reloaded) -> DmWorker::Continuation {
                        return [this, a, reloaded] { completed(a, reloaded); };
                    });
            },
            [&](const core::RemoveMap& a) {
                submit_udev_synced(
                    [this, a] { return backend_.dm->start_remove_map(a.name, ports::RemoveOptions{}); },
                    [this, a](const core::Result<void>& removed) -> DmWorker::Continuation {
                        return [this, a, removed] {
                            map_devts_.erase(a.name);
                            completed(a, removed);
                        };
                    });
            },
            [&](const core::RenameMap& a) {
                submit_udev_synced(
                    [this, a] { return backend_.dm->start_rename_map(a.old_name, a.new_name); },
                    [this, a](const core::Result<void>& renamed) -> DmWorker::Continuation {
                        return [this, a, renamed] {
                            if (renamed) {
                                if (auto it = map_devts_.find(a.old_name); it != map_devts_.end()) {
                                    map_devts_[a.new_name] = it->second;
                                    map_devts_.erase(it);
                                }
                            }
                            completed(a, renamed);
                        };
                    });
            },
            [&](const core::DmMessage& a) {
                dm_worker_.submit([this, a]() -> DmWorker::Continuation {
                    auto sent = backend_.dm->send_message(a.map, a.message);
                    return [this, a, sent] { completed(a, sent); };
                });
            },
            [&](const core::ReadMapStatus& a) {
                dm_worker_.submit([this, a]() -> DmWorker::Continuation {
                    auto info = backend_.dm->get_map(a.map);
                    return [this, a, info] {
                        if (!info) {
                            feed(core::ActionFailed{a, info.error()});
                        } else if (!info->status) {
                            feed(core::ActionFailed{a,
                                                    core::Error{core::ErrorCode::InvalidArgument,
                                                                "unreadable status: " + info->status_error}});
                        } else {
                            map_devts_[a.map] = info->devt;
                            feed(core::DmStatusRead{a.map, *info->status});
                        }
                        topology_dirty_ = true;
                    };
                });
            },
            [&](const core::StartCheck& a) {
                if (a.checker == core::CheckerKind::None) {
                    feed(core::CheckerResult{a.devnode, core::PathState::Up, "none checker: always up",
                                             a.check_id});
                    return;
                }
                ports::CheckRequest request;
                request.devnode = a.devnode;
                request.kind = a.checker;
                request.timeout = a.timeout;
                request.check_id = a.check_id;
                backend_.pool->submit(request);
            },
            [&](const core::SetRecoveryTmo& a) {
                auto set = backend_.sysfs->set_iscsi_recovery_tmo(a.session_id,
                                                                  static_cast<unsigned>(a.value.count()));
                if (set) {
                    log(core::LogLevel::Info, "", "session" + std::to_string(a.session_id),
                        "recovery_tmo set to " + std::to_string(a.value.count()) + " s");
                }
                completed(a, set);
            },
            [&](const core::SaveBindings& a) {
                save_file(a, bindings_path_, core::format_bindings(a.bindings));
            },
            [&](const core::SaveKnownWwids& a) {
                save_file(a, wwids_path_, core::format_known_wwids(a.wwids));
            },
            [&](const core::PublishPathStateChange& a) {
                if (service_) {
                    try {
                        service_->on_path_state_changed(a.map, a.devnode, core::to_string(a.old_state),
                                                        core::to_string(a.new_state), a.reason);
                    } catch (const sdbus::Error& e) {
                        log(core::LogLevel::Warning, "", "",
                            std::string("D-Bus: cannot emit PathStateChanged: ") + e.what());
                    }
                }
                topology_dirty_ = true;
            },
            [&](const core::PublishMapChange&) { topology_dirty_ = true; },
            [&](const core::Log& a) { logger_.log(a.level, split_context(a.context), a.message); },
        },
        action);
}

void Daemon::on_signal() {
    for (const auto request : signals_.drain()) {
        if (request == SignalRequest::Stop) {
            log(core::LogLevel::Info, "", "", "stop requested by signal; dm maps are left in place");
            loop_.stop();
        } else {
            (void)reload_config_file();
        }
    }
}

void Daemon::on_udev() {
    // This round's uevents go to the engine as one PathEvents, so it plans the maps once for all of them.
    core::PathEvents batch;
    auto flush = [&] {
        if (!batch.events.empty()) {
            feed(std::exchange(batch, {}));
        }
    };
    for (const auto& event : backend_.udev->receive(kUdevEventsPerRound)) {
        if (event.action == ports::UdevAction::Remove) {
            log(core::LogLevel::Info, "", event.disk.devnode, "removed");
            batch.events.emplace_back(core::PathRemoved{event.disk.devnode, 0});
        } else if (event.disk.path) {
            log(core::LogLevel::Info, "", event.disk.devnode,
                std::string("uevent ") + ports::to_string(event.action));
            if (event.action == ports::UdevAction::Add) {
                batch.events.emplace_back(core::PathAdded{*event.disk.path});
            } else {
                const core::PathInfo& path = *event.disk.path;
                if (auto known = state_watch_.alua_state(path.devnode);
                    known && path.tpgs && *known != path.alua_state) {
                    // The SDEV_UA uevent of the one path that got the unit attention. The kernel's re-read of
                    // the port groups usually updated the LU's other paths too: read them all now, so the map
                    // is regrouped once from the whole picture (often a mere switch_group), instead of
                    // reloaded from this path's new state beside its siblings' old ones and again a moment
                    // later (two suspends under I/O: 5 s in the VM). The uevents before it go first.
                    flush();
                    feed_state_changes(state_watch_.read_lu(path.wwid));
                }
                batch.events.emplace_back(core::PathChanged{path});
            }
        } else {
            log(core::LogLevel::Notice, "", event.disk.devnode, event.disk.skip_reason);
        }
    }
    flush();
    topology_dirty_ = true;
}

void Daemon::on_dm_event() {
    if (dm_event_read_in_flight_) {
        return;
    }
    dm_event_read_in_flight_ = true;
    const int fd = backend_.dm->event_fd();
    if (fd >= 0) {
        // Level-triggered: stop watching until the worker has re-armed the fd, or the loop would spin.
        (void)loop_.modify(fd, 0);
    }
    dm_worker_.submit([this, fd]() -> DmWorker::Continuation {
        auto changed = backend_.dm->changed_maps();
        return [this, fd, changed] {
            dm_event_read_in_flight_ = false;
            if (fd >= 0) {
                (void)loop_.modify(fd, EPOLLIN);
            }
            if (!changed) {
                log(core::LogLevel::Warning, "", "", "dm events: " + changed.error().message);
                return;
            }
            for (const auto& name : *changed) {
                log(core::LogLevel::Debug, name, "", "dm event");
                feed(core::DmEvent{name});
            }
        };
    });
}

void Daemon::on_checks_done() {
    for (const auto& done : backend_.pool->drain_completed()) {
        log(core::LogLevel::Debug, "", done.request.devnode, done.outcome.message);
        feed(core::CheckerResult{done.request.devnode, done.outcome.state, done.outcome.message,
                                 done.request.check_id});
        // The path's own sysfs states ride on its check (see SysfsStateWatch): no reads for the others here.
        feed_state_changes(
            state_watch_.after_check(done.request.devnode, core::is_usable(done.outcome.state)));
    }
}

void Daemon::on_housekeeping() {
    housekeeping_timer_.acknowledge();
    // iSCSI sessions are few and their state decides the fast failover and reinstatement: every tick. The
    // per-path attributes are sampled once a second (SysfsStateWatch: one device per SCSI target, one path
    // per ALUA LU), which is within any check interval; a device that goes offline under I/O is failed at
    // once through the kernel's dm event anyway.
    poll_iscsi_sessions();
    if (++housekeeping_ticks_ % housekeeping_ticks_per_second != 0) {
        return;
    }
    feed_state_changes(state_watch_.sweep());
    on_checks_done();  // reports checks that overran their deadline
    if (backend_.dm->event_fd() < 0) {
        on_dm_event();  // no DM_DEV_ARM_POLL: poll the event counters once a second
    }
}

void Daemon::poll_iscsi_sessions() {
    // A session leaving LOGGED_IN (connection lost, noop timeout) or logging in again produces no uevent. One
    // small sysfs read per session and tick lets the engine fail the path, or re-check it, at once instead of
    // at the checker's next tick.
    std::vector<core::IscsiSessionChanged> changes;
    for (auto it = session_states_.begin(); it != session_states_.end();) {
        auto state = backend_.sysfs->iscsi_session_state(it->first);
        if (!state) {
            it = session_states_.erase(it);  // session gone (logged out): its disks leave through udev
            continue;
        }
        if (*state != it->second) {
            log(core::LogLevel::Info, "", "session" + std::to_string(it->first),
                "iSCSI session state " + it->second + " -> " + *state);
            it->second = *state;
            changes.push_back(core::IscsiSessionChanged{it->first, *state});
        }
        ++it;
    }
    for (const auto& change : changes) {
        feed(change);
    }
}

void Daemon::feed_state_changes(const SysfsStateWatch::Changes& changes) {
    // A SCSI device set offline (by the error handler, an admin, or the transport) produces no uevent: the
    // engine fails the path at once, and re-checks it as soon as the device is running again. An ALUA
    // transition reaches the initiator as a unit attention down one path; the kernel's alua handler then
    // updates access_state of every path of the LU with no uevent for them: the batch regroups the map once.
    for (const auto& change : changes.devices) {
        log(core::LogLevel::Info, "", change.devnode,
            std::string("SCSI device state ") + ports::to_string(change.from) + " -> " +
                ports::to_string(change.to));
        feed(core::DeviceStateChanged{change.devnode, ports::to_string(change.to)});
    }
    if (!changes.alua.changes.empty()) {
        feed(changes.alua);
    }
}

void Daemon::apply_config(core::Config config, const std::string& origin) {
    config_ = std::move(config);
    if (!options_.log_level) {
        logger_.set_min_level(core::resolve_global_options(config_).log_level.value);
    }
    log(core::LogLevel::Info, "", "", "new configuration from " + origin);
    feed(core::ConfigApplied{config_});
    topology_dirty_ = true;
}

core::Result<void> Daemon::reload_config_file() {
    notifier_.reloading();
    auto loaded = load_daemon_config(options_.config_path, options_.config_path_explicit);
    if (!loaded) {
        std::string message = loaded.error().message;
        while (!message.empty() && message.back() == '\n') {
            message.pop_back();
        }
        log(core::LogLevel::Error, "", "",
            "configuration reload failed, keeping the previous configuration: " + message);
        notifier_.ready("configuration reload failed; running with the previous configuration");
        return loaded.error();
    }
    apply_config(std::move(*loaded), options_.config_path);
    notifier_.ready("configuration reloaded");
    return {};
}

void Daemon::publish_if_dirty() {
    if (!topology_dirty_) {
        return;
    }
    topology_dirty_ = false;
    if (service_) {
        try {
            service_->on_topology_changed(snapshot());
        } catch (const sdbus::Error& e) {
            // The bus went away (or refused a signal): path management goes on without the API.
            log(core::LogLevel::Warning, "", "",
                std::string("D-Bus: cannot publish the topology: ") + e.what());
        }
    }
}

api::TopologyView Daemon::snapshot() const {
    // Moved out of, not copied: with 512 paths the string copies were a sixth of a GetTopology call.
    auto snap = engine_.snapshot(MonotonicClock::now());
    api::TopologyView view;
    view.manager.version = daemon_version();
    view.manager.config_path = config_.source_file.empty()
                                   ? options_.config_path + " (missing: built-in defaults)"
                                   : config_.source_file;
    for (auto& m : snap.maps) {
        api::MapView map;
        map.name = std::move(m.name);
        map.wwid = std::move(m.wwid);
        map.dm_uuid = std::move(m.uuid);
        if (auto it = map_devts_.find(map.name); it != map_devts_.end()) {
            map.dm_device = "dm-" + std::to_string(it->second.minor);
            map.dm_devt = it->second.to_string();
        }
        map.vendor = std::move(m.vendor);
        map.product = std::move(m.product);
        map.size_sectors = m.size_sectors;
        map.features = std::move(m.features);
        map.hardware_handler = std::move(m.hw_handler);
        map.no_path_retry = std::move(m.no_path_retry);
        map.queueing = m.queueing;
        map.active_group = m.active_group;
        for (auto& g : m.groups) {
            map.groups.push_back(api::GroupView{g.index, std::move(g.selector), g.priority,
                                                std::move(g.state), std::move(g.paths)});
        }
        view.maps.push_back(std::move(map));
    }
    for (auto& p : snap.paths) {
        api::PathView pv;
        pv.devnode = std::move(p.devnode);
        pv.devt = std::move(p.devt);
        pv.wwid = std::move(p.wwid);
        pv.map = std::move(p.map);
        pv.group = p.group;
        pv.hctl = std::move(p.hctl);
        pv.vendor = std::move(p.vendor);
        pv.product = std::move(p.product);
        pv.revision = std::move(p.revision);
        pv.serial = std::move(p.serial);
        pv.transport = std::move(p.transport);
        pv.checker_state = core::to_string(p.state);
        pv.dm_state = core::to_string(p.dm_state);
        pv.priority = p.priority;
        pv.alua_state = std::move(p.alua_state);
        pv.target_iqn = std::move(p.iscsi_target);
        pv.portal = std::move(p.iscsi_portal);
        pv.session_state = std::move(p.iscsi_session_state);
        view.paths.push_back(std::move(pv));
    }
    api::update_counts(view);
    return view;
}

core::Result<void> Daemon::admin(const core::AdminRequest& request, const std::string& what) {
    if (auto valid = engine_.validate(request); !valid) {
        return valid.error();
    }
    log(core::LogLevel::Notice, "", "", "administrative request: " + what);
    feed(request);
    topology_dirty_ = true;
    return {};
}

core::Result<void> Daemon::fail_path(const std::string& devnode) {
    return admin(core::AdminFailPath{devnode}, "fail path " + devnode);
}

core::Result<void> Daemon::reinstate_path(const std::string& devnode) {
    return admin(core::AdminReinstatePath{devnode}, "reinstate path " + devnode);
}

core::Result<void> Daemon::switch_group(const std::string& map, unsigned group) {
    return admin(core::AdminSwitchGroup{map, group}, map + ": switch to path group " + std::to_string(group));
}

core::Result<void> Daemon::reconfigure(const std::optional<dbus::ConfigText>& text) {
    if (!text) {
        return reload_config_file();
    }
    auto parsed = config::parse_config(text->text, text->origin);
    if (!parsed) {
        log(core::LogLevel::Warning, "", "", "configuration from D-Bus rejected: " + parsed.error().message);
        return parsed.error();
    }
    apply_config(std::move(*parsed), text->origin + " (via D-Bus)");
    return {};
}

core::Result<std::string> Daemon::config_text(bool explain) const {
    std::ostringstream out;
    out << "# effective pathkeeper configuration"
        << (config_.source_file.empty() ? " (built-in defaults)" : " from " + config_.source_file) << "\n";
    out << "defaults:\n";
    auto emit = [&](const std::vector<core::ExplainedSetting>& settings) {
        for (const auto& s : settings) {
            out << "  " << s.name << ": " << s.value;
            if (explain) {
                out << "  # " << core::to_string(s.origin);
                if (s.where.known()) {
                    out << " (" << s.where.to_string() << ")";
                }
            }
            out << "\n";
        }
    };
    emit(core::explain(core::resolve_global_options(config_)));
    emit(core::explain(core::resolve_map_options(config_, "", "", "")));
    if (!config_.multipaths.empty()) {
        out << "multipaths:\n";
        for (const auto& entry : config_.multipaths) {
            out << "  - wwid: \"" << entry.wwid << "\"\n";
            if (entry.alias) {
                out << "    alias: " << *entry.alias << "\n";
            }
        }
    }
    return out.str();
}

}  // namespace pathkeeper::daemon
