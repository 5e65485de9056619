#include "api/errors.hpp"

#include <array>

namespace pathkeeper::api {

namespace {

constexpr std::array kTable{
    ApiErrorInfo{ApiError::NoSuchPath, "org.pathkeeper.PathKeeper1.Error.NoSuchPath",
                 "no path with that name"},
    ApiErrorInfo{ApiError::NoSuchMap, "org.pathkeeper.PathKeeper1.Error.NoSuchMap", "no map with that name"},
    ApiErrorInfo{ApiError::NoSuchGroup, "org.pathkeeper.PathKeeper1.Error.NoSuchGroup",
                 "the map has no path group with that index"},
    ApiErrorInfo{ApiError::InvalidConfig, "org.pathkeeper.PathKeeper1.Error.InvalidConfig",
                 "configuration rejected, nothing changed"},
    ApiErrorInfo{ApiError::InvalidArgument, "org.pathkeeper.PathKeeper1.Error.InvalidArgument",
                 "malformed or oversized argument"},
    ApiErrorInfo{ApiError::AccessDenied, "org.pathkeeper.PathKeeper1.Error.AccessDenied",
                 "only root may change the I/O path"},
    ApiErrorInfo{ApiError::NotSupported, "org.pathkeeper.PathKeeper1.Error.NotSupported",
                 "operation not possible on this object"},
    ApiErrorInfo{ApiError::Busy, "org.pathkeeper.PathKeeper1.Error.Busy", "daemon busy, retry later"},
    ApiErrorInfo{ApiError::ReservationConflict, "org.pathkeeper.PathKeeper1.Error.ReservationConflict",
                 "reservation conflict: another host holds the reservation, or the key is not registered"},
    ApiErrorInfo{ApiError::Failed, "org.pathkeeper.PathKeeper1.Error.Failed", "operation failed"},
};

}  // namespace

std::span<const ApiErrorInfo> api_error_table() {
    return kTable;
}

std::string_view dbus_error_name(ApiError error) {
    for (const auto& info : kTable) {
        if (info.error == error)
            return info.dbus_name;
    }
    return kTable.back().dbus_name;
}

std::optional<ApiError> api_error_from_dbus_name(std::string_view name) {
    for (const auto& info : kTable) {
        if (info.dbus_name == name)
            return info.error;
    }
    return std::nullopt;
}

ApiError api_error_from_core(core::ErrorCode code, ApiError not_found_means) {
    switch (code) {
        case core::ErrorCode::NotFound:
            return not_found_means;
        case core::ErrorCode::InvalidArgument:
            return ApiError::InvalidArgument;
        case core::ErrorCode::InvalidConfig:
            return ApiError::InvalidConfig;
        case core::ErrorCode::AccessDenied:
            return ApiError::AccessDenied;
        case core::ErrorCode::NotSupported:
            return ApiError::NotSupported;
        case core::ErrorCode::Timeout:
            return ApiError::Busy;
        case core::ErrorCode::Conflict:
        case core::ErrorCode::AlreadyExists:
        case core::ErrorCode::Io:
        case core::ErrorCode::Internal:
            return ApiError::Failed;
    }
    return ApiError::Failed;
}

}  // namespace pathkeeper::api
