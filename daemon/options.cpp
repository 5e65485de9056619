#include "daemon/options.hpp"

#include <CLI/CLI.hpp>
#include <iostream>

namespace pathkeeper::daemon {

const char* daemon_version() noexcept {
    return PATHKEEPER_VERSION;
}

CommandLine parse_command_line(int argc, const char* const* argv) {
    CLI::App app{"pathkeeperd: dm-multipath path management daemon", "pathkeeperd"};
    DaemonOptions options;
    std::string check_config;
    std::string backend = "real";
    std::string log_level;
    bool no_dbus = false;
    bool version = false;

    app.add_option("--config", options.config_path,
                   "configuration file (default " + std::string(kDefaultConfigPath) +
                       "; when that default is missing the built-in defaults apply)");
    app.add_option("--state-dir", options.state_dir,
                   "directory for bindings, known WWIDs and the lock file (default " +
                       std::string(kDefaultStateDir) + ")");
    app.add_option("--check-config", check_config,
                   "validate FILE, print file:line:col messages for every problem, exit 0 if valid");
    app.add_option("--backend", backend, "real (kernel, udev) or sim (simulated, for tests)")
        ->check(CLI::IsMember({"real", "sim"}));
    app.add_option("--sim-scenario", options.sim_scenario, "scenario YAML file for --backend sim");
    app.add_flag("-f,--foreground", options.foreground, "log to stderr only, not to the journal");
    app.add_option("--log-level", log_level, "error, warning, notice, info or debug (overrides the config)");
    app.add_flag("--no-dbus", no_dbus, "do not publish on the system bus");
    double stall_limit_s = 30;
    app.add_option("--startup-udev-wait", stall_limit_s,
                   "seconds READY=1 waits for udev to finish a start-up map operation before it is sent "
                   "anyway, counted from the last one udev finished (default 30)")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--udev-buffer-size", options.udev_buffer_bytes,
                   "receive buffer of the udev monitor in bytes (default 8 MiB); uevents lost when a burst "
                   "exceeds it are found by enumerating the disks again")
        ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 30));
    app.add_flag("-V,--version", version, "print the version and exit");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return CommandLine{std::nullopt, app.exit(e)};
    }
    if (version) {
        std::cout << "pathkeeperd " << daemon_version() << "\n";
        return CommandLine{std::nullopt, 0};
    }
    options.config_path_explicit = app.count("--config") > 0;
    if (app.count("--check-config") > 0) {
        options.check_config = check_config;
    }
    options.backend = backend == "sim" ? BackendKind::Sim : BackendKind::Real;
    options.dbus = !no_dbus;
    options.startup_udev_stall_limit =
        std::chrono::milliseconds(static_cast<long long>(stall_limit_s * 1000.0));
    if (!log_level.empty()) {
        auto parsed = core::parse_log_level(log_level);
        if (!parsed) {
            std::cerr << "pathkeeperd: --log-level: " << parsed.error().message << "\n";
            return CommandLine{std::nullopt, 2};
        }
        options.log_level = *parsed;
    }
    if (options.backend == BackendKind::Sim && options.sim_scenario.empty() && !options.check_config) {
        std::cerr << "pathkeeperd: --backend sim needs --sim-scenario FILE\n";
        return CommandLine{std::nullopt, 2};
    }
    if (options.backend == BackendKind::Real && !options.sim_scenario.empty()) {
        std::cerr << "pathkeeperd: --sim-scenario only makes sense with --backend sim\n";
        return CommandLine{std::nullopt, 2};
    }
    return CommandLine{std::move(options), 0};
}

}  // namespace pathkeeper::daemon
