// pathkeeperd entry point: parse the command line, then either validate a config file or run the daemon.
#include <malloc.h>

#include <iostream>

#include "daemon/config_loader.hpp"
#include "daemon/options.hpp"
#include "daemon/startup.hpp"

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
    // One malloc arena for all threads: the checker workers and the dm worker allocate a few small strings
    // per job, so they never contend, while an arena per thread keeps more memory resident (see "memory with
    // 512 paths" in docs/design-decisions.md).
    mallopt(M_ARENA_MAX, 1);
    return run_daemon(options);
}
