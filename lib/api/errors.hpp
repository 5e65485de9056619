#pragma once
// The one table of D-Bus error names, shared by pathkeeperd (which raises them) and pathctl (which recognises
// them). Every error pathkeeperd returns over D-Bus is one of these; the message is a human sentence.

#include <optional>
#include <span>
#include <string_view>

#include "core/result.hpp"

namespace pathkeeper::api {

enum class ApiError {
    NoSuchPath,       // no path with that devnode
    NoSuchMap,        // no map with that name
    NoSuchGroup,      // the map has no path group with that index
    InvalidConfig,    // configuration rejected; message has one "file:line:col: problem" per line
    InvalidArgument,  // malformed or oversized argument
    AccessDenied,     // caller is not uid 0
    NotSupported,     // the operation makes no sense here (e.g. fail a path that is in no map)
    Busy,             // the daemon cannot do it right now (e.g. a reload in progress); retry later
    // A persistent reservation command ended in RESERVATION CONFLICT: another host holds the reservation,
    // or the key used is not registered.
    ReservationConflict,
    Failed,  // anything else: the kernel or OS refused (message says what)
};

struct ApiErrorInfo {
    ApiError error;
    std::string_view dbus_name;  // "org.pathkeeper.PathKeeper1.Error.NoSuchPath"
    std::string_view meaning;
};

std::span<const ApiErrorInfo> api_error_table();
std::string_view dbus_error_name(ApiError error);
// Recognises our own names only; nullopt for anything else (org.freedesktop.DBus.Error.*, ...).
std::optional<ApiError> api_error_from_dbus_name(std::string_view name);

// Maps a core error to the API error. NotFound has no single meaning, so the caller says what was looked up.
ApiError api_error_from_core(core::ErrorCode code, ApiError not_found_means);

}  // namespace pathkeeper::api
