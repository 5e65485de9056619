#pragma once
// Daemon: pathkeeperd's imperative shell. One thread owns the policy engine and one epoll loop feeds it:
// udev uevents, dm events, checker completions (worker pool eventfd), the engine's next deadline (timerfd),
// signals (signalfd), the watchdog, the sim timeline/control FIFO and sd-bus. Every action the engine emits
// is executed here (dm operations on the serial DmWorker, checks in the pool, D-Bus publication) and every
// result is fed back to the engine as an event.
//
// Startup: coldplug enumerate, list the existing mpath-* maps and hand them to the engine
// for adoption (an equivalent table is left untouched), wait for the resulting dm work, READY=1.
// SIGTERM/SIGINT: STOPPING=1, leave every map in place, exit 0. SIGHUP: RELOADING=1, validate the config
// file; valid -> applied, invalid -> the old config stays and the problems are logged; READY=1.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/engine.hpp"
#include "daemon/backend.hpp"
#include "daemon/dbus/service_backend.hpp"
#include "daemon/dm_worker.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/notifier.hpp"
#include "daemon/options.hpp"
#include "daemon/persistent_state.hpp"
#include "daemon/signals.hpp"
#include "daemon/sysfs_state_watch.hpp"
#include "ports/logger.hpp"

namespace sdbus {
class IConnection;
class Error;
}  // namespace sdbus
namespace pathkeeper::dbus {
class DbusService;
}

namespace pathkeeper::daemon {

class Daemon final : public dbus::ServiceBackend {
public:
    Daemon(DaemonOptions options, core::Config config, PersistentState state, Backend& backend,
           SignalSource& signals, ports::Logger& logger, Notifier& notifier);
    ~Daemon() override;
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Adopts existing maps, creates what is missing, registers every fd, connects to D-Bus (unless
    // options.dbus is false; a bus that cannot be reached is logged and the daemon runs without it).
    core::Result<void> start();
    // Runs the loop until SIGTERM/SIGINT (or stop()). Returns the process exit code.
    int run();
    void stop() { loop_.stop(); }

    // Re-reads the configuration file (what SIGHUP does). Returns the error when it was kept.
    core::Result<void> reload_config_file();

    // dbus::ServiceBackend
    api::TopologyView snapshot() const override;
    core::Result<void> fail_path(const std::string& devnode) override;
    core::Result<void> reinstate_path(const std::string& devnode) override;
    core::Result<void> switch_group(const std::string& map, unsigned group) override;
    core::Result<void> reconfigure(const std::optional<dbus::ConfigText>& text) override;
    core::Result<std::string> config_text(bool explain) const override;

private:
    // What the daemon itself polls for each path (iSCSI session, SCSI device and ALUA states) follows the
    // path events the engine is fed.
    void learn_path_event(const core::Event& event);
    void feed(const core::Event& event);
    void execute(const core::Action& action);
    void completed(const core::Action& action, const core::Result<void>& result);
    // A dm change that ends in udev's work (create, reload, remove, rename), as a deferred DmWorker job:
    // `start` runs the ioctl on the worker; once udev is done with it (or at once when it failed) `finish`
    // runs on the worker with the ioctl's result and returns what the loop thread does next.
    using UdevStart = std::function<core::Result<ports::DeviceMapper::UdevHandle>()>;
    using UdevFinish = std::function<DmWorker::Continuation(const core::Result<void>&)>;
    void submit_udev_synced(UdevStart start, UdevFinish finish);
    void save_file(const core::Action& action, const std::string& path, const std::string& text);
    core::Result<void> admin(const core::AdminRequest& request, const std::string& what);
    void arm_engine_timer();
    void on_signal();
    void on_udev();
    void on_dm_event();
    void on_checks_done();
    void on_housekeeping();
    void poll_iscsi_sessions();
    void feed_state_changes(const SysfsStateWatch::Changes& changes);
    void apply_config(core::Config config, const std::string& origin);
    void connect_bus();
    void drop_bus(int fd, const sdbus::Error& why);
    void publish_if_dirty();
    void log(core::LogLevel level, const std::string& map, const std::string& path, const std::string& text);

    DaemonOptions options_;
    core::Config config_;
    Backend& backend_;
    SignalSource& signals_;
    ports::Logger& logger_;
    Notifier& notifier_;

    EventLoop loop_;
    DeadlineTimer engine_timer_;
    bool engine_deadline_stale_ = true;
    std::optional<MonotonicClock::time_point> last_tick_;
    // At most one Tick per 200 ms: the checks that fall due meanwhile go out as one round, whose routine
    // results then wake the loop once (see the worker pool). 4% of a 5 s interval at worst.
    static constexpr std::chrono::milliseconds kTickCoalescing{200};
    static constexpr std::chrono::milliseconds kLoopStallThreshold{1000};
    // uevents handled per round of the loop (the rest wait in the socket): bounds how long a storm holds it.
    static constexpr std::size_t kUdevEventsPerRound = 16;
    DeadlineTimer housekeeping_timer_;
    DeadlineTimer watchdog_timer_;
    DmWorker dm_worker_;
    std::string bindings_path_;
    std::string wwids_path_;
    core::Engine engine_;
    std::map<std::string, core::DevT> map_devts_;  // dm device of each map, as last read
    bool dm_event_read_in_flight_ = false;
    // Housekeeping runs 4 times a second (iSCSI session states); its once-a-second work every 4th tick.
    static constexpr unsigned housekeeping_ticks_per_second = 4;
    unsigned housekeeping_ticks_ = 0;
    std::map<unsigned, std::string> session_states_;  // iSCSI session id -> state last seen
    SysfsStateWatch state_watch_;  // SCSI device and ALUA states: they change without a uevent
    bool topology_dirty_ = true;

    std::unique_ptr<sdbus::IConnection> bus_;
    std::unique_ptr<dbus::DbusService> service_;
};

}  // namespace pathkeeper::daemon
