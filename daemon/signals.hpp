#pragma once
// SignalSource: SIGTERM, SIGINT and SIGHUP blocked and delivered through a signalfd, so the loop handles them
// between events like any other input (no async-signal-safety concerns, no EINTR games). SIGPIPE is ignored:
// a vanished bus peer must not kill the daemon.

#include <csignal>
#include <vector>

namespace pathkeeper::daemon {

enum class SignalRequest { Stop, Reload };

class SignalSource {
public:
    // Blocks the signals in the calling thread (call before starting any thread so they inherit the mask).
    SignalSource();
    ~SignalSource();
    SignalSource(const SignalSource&) = delete;
    SignalSource& operator=(const SignalSource&) = delete;

    int fd() const { return fd_; }
    // Reads every queued signal: SIGTERM/SIGINT -> Stop, SIGHUP -> Reload.
    std::vector<SignalRequest> drain();

private:
    int fd_ = -1;
    sigset_t previous_mask_{};
};

}  // namespace pathkeeper::daemon
