#pragma once
// Daemon: pathkeeperd's imperative shell. One thread owns the policy engine and one epoll loop feeds it:
// udev uevents, dm events, checker completions (worker pool eventfd), the engine's next deadline (timerfd),
// housekeeping polls, signals (signalfd), the watchdog, the back end's own sources and sd-bus. The Daemon
// wires those sources to the loop and feeds every event to the engine; its parts do the rest: the event
// sources and polls turn what the kernel reports into events, the ActionExecutor performs the engine's
// actions, the BusLink and ServiceAdapter are the D-Bus API.
//
// Startup: coldplug enumerate, list the existing mpath-* maps and hand them to the engine for adoption (an
// equivalent table is left untouched), wait for the resulting dm work, READY=1.
// SIGTERM/SIGINT: STOPPING=1, leave every map in place, exit 0. SIGHUP: RELOADING=1, validate the config
// file; valid -> applied, invalid -> the old config stays and the problems are logged; READY=1.

#include <chrono>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/engine.hpp"
#include "daemon/action_executor.hpp"
#include "daemon/backend.hpp"
#include "daemon/bus_link.hpp"
#include "daemon/dm_worker.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/event_sink.hpp"
#include "daemon/event_sources.hpp"
#include "daemon/holder_watch.hpp"
#include "daemon/metrics_counters.hpp"
#include "daemon/metrics_textfile.hpp"
#include "daemon/notifier.hpp"
#include "daemon/options.hpp"
#include "daemon/path_state_polls.hpp"
#include "daemon/persistent_state.hpp"
#include "daemon/registration_syncs.hpp"
#include "daemon/service_adapter.hpp"
#include "daemon/signals.hpp"
#include "ports/logger.hpp"

namespace pathkeeper::daemon {

class Daemon final : private EventSink, private ConfigControl {
public:
    Daemon(DaemonOptions options, core::Config config, PersistentState state, Backend& backend,
           SignalSource& signals, ports::Logger& logger, Notifier& notifier);
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Adopts existing maps, creates what is missing, registers every fd, connects to D-Bus (unless
    // options.dbus is false; a bus that cannot be reached is logged and the daemon runs without it).
    core::Result<void> start();
    // Runs the loop until SIGTERM/SIGINT (or stop()). Returns the process exit code.
    int run();
    void stop() { loop_.stop(); }

    // Re-reads the configuration file (what SIGHUP does). Returns the error when it was kept.
    core::Result<void> reload_config_file() override;

private:
    // EventSink
    void feed(const core::Event& event) override;
    void topology_changed() override {
        service_.invalidate();
        bus_.topology_changed();
        metrics_file_.changed();
    }
    // ConfigControl
    void apply_config(core::Config config, const std::string& origin) override;
    void reject_config(const std::string& origin, const core::Error& error) override;
    api::MetricsSample metrics_sample() const;

    core::Result<void> register_sources();
    void wait_for_startup_dm_work();
    void arm_engine_timer();
    void on_signal();
    void on_housekeeping();

    DaemonOptions options_;
    Backend& backend_;
    SignalSource& signals_;
    ports::Logger& logger_;
    Notifier& notifier_;

    EventLoop loop_;
    DeadlineTimer engine_timer_;
    bool engine_deadline_stale_ = true;
    std::optional<MonotonicClock::time_point> last_tick_;
    // At most one Tick per 200 ms: the checks that fall due meanwhile go out as one round, whose routine
    // results then wake the loop once (see the worker pool).
    static constexpr std::chrono::milliseconds kTickCoalescing{200};
    static constexpr std::chrono::milliseconds kLoopStallThreshold{1000};
    DeadlineTimer housekeeping_timer_;
    // Housekeeping runs 4 times a second (iSCSI session states); its once-a-second work every 4th tick.
    static constexpr unsigned kHousekeepingTicksPerSecond = 4;
    unsigned housekeeping_ticks_ = 0;
    DeadlineTimer watchdog_timer_;
    core::Engine engine_;

    MetricsCounters metrics_counters_;
    // The parts, in the order they need each other.
    RegistrationSyncs registration_syncs_;
    ActionExecutor executor_;
    ServiceAdapter service_;
    BusLink bus_;
    PathStatePolls polls_;
    UdevEvents udev_events_;
    DmEvents dm_events_;
    CheckResults check_results_;
    LinkEvents link_events_;
    HolderWatch holder_watch_;
    MetricsTextfile metrics_file_;
    MonotonicClock::time_point last_dm_completion_{};  // progress of the start-up's map operations
    // Last, so its thread is joined before the parts its jobs use are destroyed.
    DmWorker dm_worker_;
};

}  // namespace pathkeeper::daemon
