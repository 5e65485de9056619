#include "daemon/daemon.hpp"

#include <malloc.h>
#include <sys/epoll.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "daemon/config_loader.hpp"

namespace pathkeeper::daemon {

namespace {

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

}  // namespace

Daemon::Daemon(DaemonOptions options, core::Config config, PersistentState state, Backend& backend,
               SignalSource& signals, ports::Logger& logger, Notifier& notifier)
    : options_(std::move(options)),
      backend_(backend),
      signals_(signals),
      logger_(logger),
      notifier_(notifier),
      engine_(std::move(config), std::move(state.bindings), std::move(state.known_wwids)),
      registration_syncs_(backend.reservations, *backend.files, state.reservation_keys_path, *this),
      executor_(backend, dm_worker_, registration_syncs_, *this, bus_, logger, std::move(state.bindings_path),
                std::move(state.wwids_path)),
      service_(engine_, executor_.map_devices(), executor_.suspended_maps(), *backend.pool,
               options_.config_path, *this, *this, logger),
      bus_(loop_, service_, logger),
      polls_(backend, *this, logger),
      udev_events_(*backend.udev, polls_, dm_worker_, *this, logger),
      dm_events_(*backend.dm, dm_worker_, loop_, *this, logger),
      check_results_(*backend.pool, polls_, *this, metrics_counters_, logger),
      link_events_(backend.links, *this, logger),
      holder_watch_(backend.holders, dm_worker_, *this),
      metrics_file_(dm_worker_, logger, backend.block_stats_root, backend.files_root) {
    engine_.set_released_wwids(std::move(state.released_wwids));
    backend_.configure_discovery(engine_.config());
    // After the engine has the outcome (completed() fed it): a caller that reads the topology next sees it.
    service_.run_reservations_on(&registration_syncs_);
    executor_.on_admin_removal(
        [this](const core::RemoveMap& removal, const core::Result<std::string>& outcome) {
            service_.map_removal_finished(removal.name, outcome);
        });
}

core::Result<void> Daemon::start() {
    const std::string& config_file = engine_.config().source_file;
    logger_.log(core::LogLevel::Info, {},
                std::string("pathkeeperd ") + daemon_version() + " starting, back end " +
                    backend_.description + ", configuration " +
                    (config_file.empty() ? "built-in defaults" : config_file) + ", state " +
                    options_.state_dir);

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
            logger_.log(core::LogLevel::Notice, {"", disk.devnode}, disk.skip_reason);
        }
    }
    auto maps = backend_.dm->list_multipath_maps();
    if (!maps) {
        return core::make_error(maps.error().code, "listing dm maps: " + maps.error().message);
    }
    core::MapsDiscovered discovered;
    for (const auto& info : *maps) {
        executor_.note_map_device(info.name, info.devt);
        if (!info.table || !info.status) {
            logger_.log(core::LogLevel::Warning, {info.name, ""},
                        "existing map left alone, its table or status is unreadable: " + info.table_error +
                            info.status_error);
            continue;
        }
        discovered.maps.push_back(existing(info));
    }
    if (auto primed = backend_.dm->changed_maps(); !primed) {
        logger_.log(core::LogLevel::Warning, {}, "dm events: " + primed.error().message);
    }
    logger_.log(core::LogLevel::Info, {},
                "coldplug: " + std::to_string(disks->size()) + " SCSI disks, " +
                    std::to_string(maps->size()) + " existing multipath maps");

    if (auto registered = register_sources(); !registered) {
        return registered.error();
    }
    feed(discovered);
    link_events_.read_all();
    // On the bus before the first maps are made: pathctl answers while they are.
    if (options_.dbus) {
        bus_.connect();
    }
    wait_for_startup_dm_work();
    if (auto started = backend_.start_own_sources(loop_, logger_); !started) {
        return started.error();
    }
    const auto snap = engine_.snapshot(MonotonicClock::now());
    const std::string status = std::to_string(snap.maps.size()) + " maps, " +
                               std::to_string(snap.paths.size()) + " paths" +
                               (bus_.connected() ? "" : " (no D-Bus)");
    logger_.log(core::LogLevel::Info, {}, "ready: " + status);
    // Coldplug and the first map creations leave freed memory scattered through the heap (every disk's udev
    // properties and sysfs reads, the dm tasks): hand those pages back once.
    malloc_trim(0);
    notifier_.ready(status);
    return {};
}

core::Result<void> Daemon::register_sources() {
    auto must = [](core::Result<void> r) {
        if (!r) {
            throw std::runtime_error(r.error().message);
        }
    };
    try {
        must(loop_.add(
            signals_.fd(), EPOLLIN, [this](std::uint32_t) { on_signal(); }, "signals"));
        must(loop_.add(
            backend_.udev->fd(), EPOLLIN, [this](std::uint32_t) { udev_events_.receive(); }, "udev monitor"));
        if (backend_.dm->event_fd() >= 0) {
            must(loop_.add(
                backend_.dm->event_fd(), EPOLLIN, [this](std::uint32_t) { dm_events_.read(); }, "dm events"));
        }
        if (backend_.links != nullptr) {
            must(loop_.add(
                backend_.links->fd(), EPOLLIN, [this](std::uint32_t) { link_events_.receive(); },
                "network links"));
        }
        must(loop_.add(
            backend_.pool->completion_fd(), EPOLLIN, [this](std::uint32_t) { check_results_.collect(); },
            "checker results"));
        must(loop_.add(
            dm_worker_.fd(), EPOLLIN,
            [this](std::uint32_t) {
                if (dm_worker_.run_completions() > 0) {
                    last_dm_completion_ = MonotonicClock::now();
                }
            },
            "dm completions"));
        must(loop_.add(
            registration_syncs_.fd(), EPOLLIN,
            [this](std::uint32_t) { registration_syncs_.run_completions(); }, "registration syncs"));
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
        housekeeping_timer_.arm_periodic(std::chrono::milliseconds(1000) / kHousekeepingTicksPerSecond);
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
            logger_.log(core::LogLevel::Warning, {},
                        "event loop held for " + std::to_string(ms) + " ms by " + std::string(source) +
                            " (D-Bus calls, checker results and udev events waited)");
        });
    loop_.add_before_wait_hook([this]() -> std::optional<MonotonicClock::time_point> {
        if (engine_deadline_stale_) {
            arm_engine_timer();
        }
        return std::nullopt;
    });
    return {};
}

// Maps are created / reloaded before READY=1, so `systemctl start` returns with the maps in place. A create
// is done when udev has processed its uevent: while udev finishes operations the wait goes on (and systemd's
// start timeout with it); once none has finished for the stall limit (blkid hanging on a map with no path),
// READY=1 goes out and the rest completes in the loop.
void Daemon::wait_for_startup_dm_work() {
    // The loop runs meanwhile (bus calls, udev and dm events, checks): only READY=1 waits for the maps.
    const auto limit = options_.startup_udev_stall_limit;
    last_dm_completion_ = MonotonicClock::now();
    auto extended = last_dm_completion_;
    while (dm_worker_.in_flight() > 0 && !loop_.stopping()) {
        const auto now = MonotonicClock::now();
        if (now - last_dm_completion_ >= limit) {
            logger_.log(core::LogLevel::Warning, {},
                        std::to_string(dm_worker_.in_flight()) +
                            " map operation(s) still wait for udev after " +
                            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(limit).count()) +
                            " s without progress; ready now, they complete when udev does");
            return;
        }
        if (last_dm_completion_ > extended) {
            extended = last_dm_completion_;
            notifier_.extend_start_timeout(std::chrono::duration_cast<std::chrono::microseconds>(limit) * 2);
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(limit - (now - last_dm_completion_));
        (void)loop_.run_once(std::max(left, std::chrono::milliseconds(1)));
    }
}

int Daemon::run() {
    loop_.run();
    notifier_.stopping();
    metrics_file_.stop();
    if (!engine_.global_options().queue_without_daemon.value) {
        // Without a daemon no path is ever reinstated, so I/O queued on a map with no path would wait for
        // ever (and hold a shutdown's unmount); the next daemon restores queueing when it adopts the maps.
        feed(core::AdminSetQueueing{{}, core::QueueingControl::Disable, "the stopping daemon"});
        logger_.log(core::LogLevel::Info, {},
                    "stopped; dm maps are left in place, not queueing (queue_without_daemon no)");
    } else {
        logger_.log(core::LogLevel::Info, {},
                    "stopped; dm maps are left in place (queue_without_daemon yes)");
    }
    return 0;
}

void Daemon::feed(const core::Event& event) {
    if (const auto* enumerated = std::get_if<core::PathsReEnumerated>(&event)) {
        // Before the engine has applied them; the paths it drops lose their counters too.
        const core::Event differences{engine_.differences(enumerated->paths)};
        polls_.learn(differences);
        metrics_counters_.observe(differences);
    } else {
        polls_.learn(event);
        metrics_counters_.observe(event);
    }
    // What holds the maps may change with the maps themselves, or when a path of one fails (md then fails
    // the leg, the other map's verdict turns): read the holders again at the next housekeeping second.
    if (std::holds_alternative<core::MapsDiscovered>(event) || std::holds_alternative<core::DmEvent>(event) ||
        std::holds_alternative<core::ActionCompleted>(event)) {
        holder_watch_.request();
    }
    const auto now = MonotonicClock::now();
    const auto actions = engine_.handle(event, now);
    service_.invalidate();  // whatever the event changed, the API's view shows it from now on
    metrics_counters_.observe(actions);
    if (std::any_of(actions.begin(), actions.end(), [](const core::Action& a) {
            return std::holds_alternative<core::PublishPathStateChange>(a) ||
                   std::holds_alternative<core::PublishMapChange>(a);
        })) {
        metrics_file_.changed();
    }
    executor_.execute(actions);
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

void Daemon::on_signal() {
    for (const auto request : signals_.drain()) {
        if (request == SignalRequest::Stop) {
            logger_.log(core::LogLevel::Info, {}, "stop requested by signal; dm maps are left in place");
            loop_.stop();
        } else {
            (void)reload_config_file();
        }
    }
}

void Daemon::on_housekeeping() {
    housekeeping_timer_.acknowledge();
    // iSCSI sessions are few and their state decides the fast failover and reinstatement: every tick. The
    // per-path attributes are sampled once a second (SysfsStateWatch: one device per SCSI target, one path
    // per ALUA LU), which is within any check interval; a device that goes offline under I/O is failed at
    // once through the kernel's dm event anyway.
    polls_.poll_iscsi_sessions();
    if (++housekeeping_ticks_ % kHousekeepingTicksPerSecond != 0) {
        return;
    }
    polls_.sweep();
    holder_watch_.poll(MonotonicClock::now(), engine_.global_options().polling_interval.value,
                       executor_.map_devices());
    metrics_file_.poll(MonotonicClock::now(), engine_.global_options(), [this] { return metrics_sample(); });
    check_results_.collect();  // reports checks that overran their deadline
    if (backend_.dm->event_fd() < 0) {
        dm_events_.read();  // no DM_DEV_ARM_POLL: poll the event counters once a second
    }
}

void Daemon::apply_config(core::Config config, const std::string& origin) {
    if (!options_.log_level) {
        logger_.set_min_level(core::resolve_global_options(config).log_level.value);
    }
    logger_.log(core::LogLevel::Info, {}, "new configuration from " + origin);
    metrics_counters_.config_reload(true);
    backend_.configure_discovery(config);
    feed(core::ConfigApplied{std::move(config)});
    bus_.topology_changed();
    metrics_file_.changed();
}

void Daemon::reject_config(const std::string& origin, const core::Error& error) {
    std::string message = error.message;
    while (!message.empty() && message.back() == '\n') {
        message.pop_back();
    }
    logger_.log(
        core::LogLevel::Error, {},
        "configuration reload failed, keeping the previous configuration: " + origin + ": " + message);
    metrics_counters_.config_reload(false);
    metrics_file_.changed();
}

api::MetricsSample Daemon::metrics_sample() const {
    api::MetricsSample sample;
    sample.topology = service_.shared_snapshot();
    sample.path_counters = metrics_counters_.path_counters();
    sample.check_duration = metrics_counters_.check_duration();
    sample.config_reloads = metrics_counters_.config_reloads();
    return sample;
}

core::Result<void> Daemon::reload_config_file() {
    notifier_.reloading();
    auto loaded = load_daemon_config(options_.config_path, options_.config_path_explicit);
    if (!loaded) {
        reject_config(options_.config_path, loaded.error());
        notifier_.ready("configuration reload failed; running with the previous configuration");
        return loaded.error();
    }
    apply_config(std::move(*loaded), options_.config_path);
    notifier_.ready("configuration reloaded");
    return {};
}

}  // namespace pathkeeper::daemon
