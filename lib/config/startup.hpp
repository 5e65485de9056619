#pragma once
// Which configuration a program starts with; the daemon and the udev helper both load theirs here:
//   --config FILE        (default /etc/pathkeeper/pathkeeper.yaml) a missing *default* file means
//                        the built-in configuration; a missing file given explicitly is an error.
//   --check-config FILE  validate, print every problem as file:line:col: key: message, exit non-zero.
// Either way the drop-ins of the file's conf.d directory are merged in (config/drop_ins.hpp).

#include <iosfwd>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"

namespace pathkeeper::config {

struct StartupConfig {
    core::Config config;
    bool builtin_only = false;  // the default file was missing: built-in configuration (and any drop-ins)
    std::string path;           // the file that was (or would have been) read
};

// `path_given` is true when the admin passed --config explicitly.
core::Result<StartupConfig> load_startup_config(const std::string& path, bool path_given);

// --check-config: prints "FILE: OK" (plus a one-line summary) to `out`, or every diagnostic to
// `err`; returns the process exit status (0 valid, 1 invalid or unreadable).
int check_config_file(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace pathkeeper::config
