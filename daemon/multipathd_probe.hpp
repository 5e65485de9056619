#pragma once
// Detects a running multipathd (or a listening multipathd.socket, which would start one on the next
// `multipath` call). Two daemons fighting over the same dm maps fail and reinstate each other's paths, so
// pathkeeperd refuses to start next to one, with a message telling the admin what to stop.
// Only root's multipathd counts: a process any user can start under that name, or the abstract socket name
// any user can bind, must not keep pathkeeperd from starting. Such findings are reported as ignored.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pathkeeper::daemon {

// The uid that owns the listening unix socket with this inode (nullopt: unknown).
using UnixSocketOwnerLookup = std::function<std::optional<std::uint32_t>(std::uint64_t inode)>;

// Asks the kernel (NETLINK_SOCK_DIAG, UDIAG_SHOW_UID) who owns a listening unix socket. Needs no privilege
// and, unlike connecting to the socket, cannot start a socket-activated multipathd.
std::optional<std::uint32_t> listening_unix_socket_owner(std::uint64_t inode);

struct MultipathdProbeRoots {
    std::string run_dir = "/run";    // multipathd.pid lives here
    std::string proc_dir = "/proc";  // /proc/<pid>/{comm,status,exe}, /proc/net/unix
    UnixSocketOwnerLookup socket_owner = listening_unix_socket_owner;
};

// nullopt when no root-owned multipathd is found; otherwise a sentence saying what was found and how to stop
// it. Each look-alike that does not count (a user's process named multipathd, a root process of another
// executable, the socket name bound by a user) is described in *ignored when it is given, for the log.
std::optional<std::string> find_running_multipathd(const MultipathdProbeRoots& roots = {},
                                                   std::vector<std::string>* ignored = nullptr);

}  // namespace pathkeeper::daemon
