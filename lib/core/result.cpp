#include "core/result.hpp"

namespace pathkeeper::core {

const char* to_string(ErrorCode code) noexcept {
    switch (code) {
        case ErrorCode::InvalidArgument:
            return "invalid argument";
        case ErrorCode::InvalidConfig:
            return "invalid config";
        case ErrorCode::NotFound:
            return "not found";
        case ErrorCode::AlreadyExists:
            return "already exists";
        case ErrorCode::Conflict:
            return "conflict";
        case ErrorCode::Io:
            return "I/O error";
        case ErrorCode::Timeout:
            return "timeout";
        case ErrorCode::NotSupported:
            return "not supported";
        case ErrorCode::AccessDenied:
            return "access denied";
        case ErrorCode::Internal:
            return "internal error";
    }
    return "unknown error";
}

}  // namespace pathkeeper::core
