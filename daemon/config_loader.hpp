#pragma once
// How pathkeeperd finds its configuration: config::load_startup_config's rule (a missing default file
// means built-in defaults, a missing named one is an error; drop-ins of conf.d are merged in) with the
// daemon's messages. Used at start, on SIGHUP and for --check-config.

#include <ostream>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"

namespace pathkeeper::daemon {

// The configuration to run with. A missing file gives core::Config{} (built-in defaults, source_file empty)
// when !path_explicit; otherwise NotFound. Parse errors are InvalidConfig with one "file:line:col: key:
// problem" per line.
core::Result<core::Config> load_daemon_config(const std::string& path, bool path_explicit);

// --check-config FILE: prints "FILE: configuration is valid" to out and returns 0, or prints every problem
// to err and returns 1.
int check_config_file(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace pathkeeper::daemon
