#include "daemon/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

namespace pathkeeper::daemon {

namespace {

std::string errno_message(int err) {
    return std::strerror(err);
}

std::string read_holder_pid(int fd) {
    char buffer[32] = {};
    const ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
    if (n <= 0) {
        return {};
    }
    std::string text(buffer, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

}  // namespace

core::Result<InstanceLock> InstanceLock::acquire(const std::string& state_dir) {
    return lock_file(state_dir, kLockFileName, "another pathkeeperd is already running");
}

core::Result<InstanceLock> InstanceLock::acquire_machine_wide(const std::string& run_dir) {
    return lock_file(run_dir, kMachineLockFileName,
                     "another pathkeeperd already manages this machine's multipath maps");
}

core::Result<InstanceLock> InstanceLock::lock_file(const std::string& dir, const char* file_name,
                                                   const std::string& conflict) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return core::make_error(core::ErrorCode::Io, "cannot create directory " + dir + ": " + ec.message());
    }
    std::string path = (std::filesystem::path(dir) / file_name).string();
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        return core::make_error(core::ErrorCode::Io,
                                "cannot open lock file " + path + ": " + errno_message(errno));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        const std::string holder = read_holder_pid(fd);
        close(fd);
        if (err == EWOULDBLOCK) {
            return core::make_error(core::ErrorCode::Conflict,
                                    conflict + (holder.empty() ? std::string{} : " (pid " + holder + ")") +
                                        ": it holds the lock on " + path);
        }
        return core::make_error(core::ErrorCode::Io, "cannot lock " + path + ": " + errno_message(err));
    }
    const std::string pid = std::to_string(getpid()) + "\n";
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        const int err = errno;
        close(fd);
        return core::make_error(core::ErrorCode::Io,
                                "cannot write pid to " + path + ": " + errno_message(err));
    }
    return InstanceLock(fd, std::move(path));
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            close(fd_);
        }
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

InstanceLock::~InstanceLock() {
    if (fd_ >= 0) {
        // The file stays (removing it would race with a starting daemon that already opened it); the lock
        // goes.
        close(fd_);
    }
}

}  // namespace pathkeeper::daemon
