#include "daemon/startup.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "daemon/backend.hpp"
#include "daemon/config_loader.hpp"
#include "daemon/daemon.hpp"
#include "daemon/instance_lock.hpp"
#include "daemon/multipathd_probe.hpp"
#include "daemon/notifier.hpp"
#include "daemon/persistent_state.hpp"
#include "daemon/signals.hpp"
#include "os/logger.hpp"

namespace pathkeeper::daemon {

namespace {

// The state polls keep two sysfs attribute files open per path (os::SysfsTree) and the checkers one device
// (os::OpenDevices), so a few hundred paths pass the usual soft limit of 1024. The hard limit is the admin's
// ceiling (systemd: 524288); the soft one is only a default, raised here to what thousands of paths need.
// Above that limit, reads fall back to open/read/close.
void raise_open_file_limit(os::JournalLogger& logger) {
    constexpr rlim_t kWanted = 65536;
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= kWanted) {
        return;
    }
    const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? kWanted : std::min(kWanted, limit.rlim_max);
    if (wanted <= limit.rlim_cur) {
        return;
    }
    limit.rlim_cur = wanted;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        logger.log(core::LogLevel::Warning, {},
                   std::string("cannot raise the open file limit: ") + std::strerror(errno));
    }
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
    os::LoggerOptions logger_options;
    logger_options.to_stderr = true;
    logger_options.to_journal = !options.foreground;
    os::JournalLogger logger(logger_options);
    if (options.log_level) {
        logger.set_min_level(*options.log_level);
    }
    auto fail = [&](const std::string& message) {
        logger.log(core::LogLevel::Error, {}, message);
        return 1;
    };

    // Signals are blocked before any thread exists (worker pool, dm worker), so every thread inherits the
    // mask and SIGTERM can only arrive through the signalfd.
    SignalSource signals;

    // On a real host one daemon manages the machine's maps, whatever its state dir; simulated daemons
    // share nothing, so parallel tests may run several.
    std::optional<InstanceLock> machine_lock;
    if (options.backend == BackendKind::Real) {
        std::vector<std::string> ignored;
        if (auto found = find_running_multipathd({}, &ignored)) {
            return fail("refusing to start: " + *found);
        }
        for (const std::string& what : ignored) {
            logger.log(core::LogLevel::Notice, {}, what);
        }
        auto machine = InstanceLock::acquire_machine_wide();
        if (!machine) {
            return fail("refusing to start: " + machine.error().message);
        }
        machine_lock.emplace(std::move(*machine));
        raise_open_file_limit(logger);
    }
    auto lock = InstanceLock::acquire(options.state_dir);
    if (!lock) {
        return fail("refusing to start: " + lock.error().message);
    }
    auto config = load_daemon_config(options.config_path, options.config_path_explicit);
    if (!config) {
        return fail("invalid configuration, not starting:\n" + config.error().message);
    }
    if (!options.log_level) {
        logger.set_min_level(core::resolve_global_options(*config).log_level.value);
    }
    auto backend = options.backend == BackendKind::Sim
                       ? make_sim_backend(options.sim_scenario, options.state_dir)
                       : make_real_backend(options.udev_buffer_bytes);
    if (!backend) {
        return fail("cannot start the " + std::string(options.backend == BackendKind::Sim ? "sim" : "real") +
                    " back end: " + backend.error().message);
    }
    SystemdNotifier notifier;
    PersistentState state = load_persistent_state(*config, options.state_dir, *(*backend)->files, logger);
    Daemon daemon(options, std::move(*config), std::move(state), **backend, signals, logger, notifier);
    if (auto started = daemon.start(); !started) {
        return fail("startup failed: " + started.error().message);
    }
    return daemon.run();
}

}  // namespace pathkeeper::daemon
