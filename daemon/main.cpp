// pathkeeperd entry point: parse the command line, then either validate a config file or run the daemon.
#include <iostream>

#include "daemon/config_loader.hpp"
#include "daemon/daemon.hpp"
#include "daemon/options.hpp"

int main(int argc, char** argv) {
    using namespace pathkeeper::daemon;
    const CommandLine command_line = parse_command_line(argc, argv);
    if (!command_line.options) {
        return command_line.exit_code;
    }
    const DaemonOptions& options = *command_line.options;
    if (options.check_config) {
        return check_config_file(*options.check_config, std::cout, std::cerr);
    }
    return run_daemon(options);
}
