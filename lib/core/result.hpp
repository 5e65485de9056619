#pragma once
// Result<T>: the return type of every operation that can fail for an expected reason
// (bad input, missing device, kernel refusal). Exceptions are reserved for programming errors;
// those thrown by yaml-cpp and sdbus-c++ are caught where they enter our code and turned into an Error.
// Debian 12 ships neither tl::expected nor a C++23 <expected> for C++20, hence this small type.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace pathkeeper::core {

enum class ErrorCode {
    InvalidArgument,  // malformed text or out-of-range value handed to a parser
    InvalidConfig,    // configuration rejected (message carries file:line:col)
    NotFound,         // no such path / map / file
    AlreadyExists,
    Conflict,  // e.g. an alias claimed by two WWIDs
    Io,        // the OS said no (errno text in the message)
    Timeout,
    NotSupported,
    AccessDenied,
    Internal,
};

const char* to_string(ErrorCode code) noexcept;

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;

    Error() = default;
    Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(state_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const {
        assert(!ok());
        return std::get<1>(state_);
    }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const {
        assert(!ok_);
        return error_;
    }

private:
    Error error_;
    bool ok_ = true;
};

inline Error make_error(ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
}

}  // namespace pathkeeper::core
