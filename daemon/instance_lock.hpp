#pragma once
// InstanceLock: an flock()ed file in the state dir so two pathkeeperd never manage the same maps at once.
// flock is released by the kernel when the process dies, so a crash never leaves a stale lock behind (a
// plain pid file would). The holder's pid is written into the file for the refusal message.

#include <string>

#include "core/result.hpp"

namespace pathkeeper::daemon {

inline constexpr const char* kLockFileName = "pathkeeperd.lock";

class InstanceLock {
public:
    // Creates state_dir (0755) if needed, opens <state_dir>/pathkeeperd.lock and takes an exclusive,
    // non-blocking flock. Conflict (message names the lock file and the holder's pid) when another process
    // holds it; Io for any other failure.
    static core::Result<InstanceLock> acquire(const std::string& state_dir);

    InstanceLock(InstanceLock&& other) noexcept;
    InstanceLock& operator=(InstanceLock&& other) noexcept;
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;
    ~InstanceLock();

    const std::string& path() const { return path_; }

private:
    InstanceLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
};

}  // namespace pathkeeper::daemon
