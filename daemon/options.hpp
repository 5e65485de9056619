#pragma once
// pathkeeperd's command line.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace pathkeeper::daemon {

inline constexpr const char* kDefaultConfigPath = "/etc/pathkeeper/pathkeeper.yaml";
inline constexpr const char* kDefaultStateDir = "/var/lib/pathkeeper";

enum class BackendKind { Real, Sim };

struct DaemonOptions {
    std::string config_path = kDefaultConfigPath;
    bool config_path_explicit = false;  // --config given: a missing file is then an error
    std::string state_dir = kDefaultStateDir;
    std::optional<std::string> check_config;  // --check-config FILE: validate and exit
    BackendKind backend = BackendKind::Real;
    std::string sim_scenario;
    bool foreground = false;                  // log to stderr only (no journal)
    std::optional<core::LogLevel> log_level;  // overrides the config's log_level
    bool dbus = true;                         // --no-dbus: do not connect to the system bus
    // At start-up, READY=1 waits for the first map operations while udev keeps finishing some, but no
    // longer than this after the last one finished (a stuck udev must not hold the boot).
    std::chrono::milliseconds startup_udev_stall_limit{30000};
    // --udev-buffer-size: the udev monitor's receive buffer. Large, for the bursts of a LUN scan or a login.
    std::size_t udev_buffer_bytes = 8 * 1024 * 1024;
};

// Either options to run with, or an exit code (after --help / --version / a usage error, whose text has
// been printed already).
struct CommandLine {
    std::optional<DaemonOptions> options;
    int exit_code = 0;
};

CommandLine parse_command_line(int argc, const char* const* argv);

// The version string --version prints and the D-Bus Manager publishes.
const char* daemon_version() noexcept;

}  // namespace pathkeeper::daemon
