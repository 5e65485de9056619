#pragma once
// InstanceLock: an flock()ed file in the state dir so two pathkeeperd never manage the same maps at once.
// flock is released by the kernel when the process dies, so a crash never leaves a stale lock behind (a
// plain pid file would). The holder's pid is written into the file for the refusal message.
// The state-dir lock alone lets a second daemon with another --state-dir manage the same maps, so the real
// back end also takes a machine-wide lock in root's /run (a file, not an abstract socket name, which any
// user could bind first and so keep pathkeeperd from starting).

#include <string>

#include "core/result.hpp"

namespace pathkeeper::daemon {

inline constexpr const char* kLockFileName = "pathkeeperd.lock";
inline constexpr const char* kMachineLockDir = "/run/pathkeeper";
inline constexpr const char* kMachineLockFileName = "machine.lock";

class InstanceLock {
public:
    // Creates state_dir (0755) if needed, opens <state_dir>/pathkeeperd.lock and takes an exclusive,
    // non-blocking flock. Conflict (message names the lock file and the holder's pid) when another process
    // holds it; Io for any other failure.
    static core::Result<InstanceLock> acquire(const std::string& state_dir);
    // The same for <run_dir>/machine.lock: one pathkeeperd per machine manages dm-multipath maps, whatever
    // its state directory. Only for the real back end (simulated daemons share nothing).
    static core::Result<InstanceLock> acquire_machine_wide(const std::string& run_dir = kMachineLockDir);

    InstanceLock(InstanceLock&& other) noexcept;
    InstanceLock& operator=(InstanceLock&& other) noexcept;
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;
    ~InstanceLock();

    const std::string& path() const { return path_; }

private:
    static core::Result<InstanceLock> lock_file(const std::string& dir, const char* file_name,
                                                const std::string& conflict);
    InstanceLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
};

}  // namespace pathkeeper::daemon
