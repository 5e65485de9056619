#pragma once
// Detects a running multipathd (or a listening multipathd.socket, which would start one on the next
// `multipath` call). Two daemons fighting over the same dm maps fail and reinstate each other's paths, so
// pathkeeperd refuses to start next to one, with a message telling the admin what to stop.

#include <optional>
#include <string>

namespace pathkeeper::daemon {

struct MultipathdProbeRoots {
    std::string run_dir = "/run";    // multipathd.pid lives here
    std::string proc_dir = "/proc";  // /proc/<pid>/comm, /proc/net/unix
};

// nullopt when no multipathd is found; otherwise a sentence saying what was found and how to stop it.
std::optional<std::string> find_running_multipathd(const MultipathdProbeRoots& roots = {});

}  // namespace pathkeeper::daemon
