#pragma once
// Small helpers shared by the adaptors to turn errno into core::Error text.

#include <cerrno>
#include <cstring>
#include <string>

#include "core/result.hpp"

namespace pathkeeper::os {

inline std::string errno_text(int err) {
    char buffer[256];
    // GNU strerror_r returns the message pointer (which may or may not be buffer).
    return strerror_r(err, buffer, sizeof buffer);
}

inline core::Error errno_error(const std::string& what, int err) {
    core::ErrorCode code = core::ErrorCode::Io;
    if (err == ENOENT || err == ENXIO || err == ENODEV) {
        code = core::ErrorCode::NotFound;
    } else if (err == EACCES || err == EPERM || err == EROFS) {
        code = core::ErrorCode::AccessDenied;
    } else if (err == EEXIST) {
        code = core::ErrorCode::AlreadyExists;
    } else if (err == EBUSY) {
        code = core::ErrorCode::Conflict;
    } else if (err == ETIMEDOUT) {
        code = core::ErrorCode::Timeout;
    }
    return core::Error{code, what + ": " + errno_text(err)};
}

}  // namespace pathkeeper::os
