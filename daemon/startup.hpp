#pragma once
// pathkeeperd's process start: logger, signals, multipathd refusal, open file limit, lock, config, back end,
// persistent state, then the Daemon until it stops.

#include "daemon/options.hpp"

namespace pathkeeper::daemon {

// The whole process. Returns the exit code.
int run_daemon(const DaemonOptions& options);

}  // namespace pathkeeper::daemon
