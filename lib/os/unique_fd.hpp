#pragma once
// One owned file descriptor, closed on every way out of the scope that opened it.

#include <unistd.h>

#include <utility>

namespace pathkeeper::os {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset(std::exchange(other.fd_, -1));
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const noexcept { return fd_; }
    bool valid() const noexcept { return fd_ >= 0; }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }
    // Closes now and returns close()'s result: it reports deferred write errors (NFS, some FUSE), which a
    // writer must check rather than leave to the destructor.
    int close() noexcept { return ::close(std::exchange(fd_, -1)); }

private:
    int fd_ = -1;
};

}  // namespace pathkeeper::os
