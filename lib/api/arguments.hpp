#pragma once
// The arguments callers hand to the Manager's methods, checked before anything reaches the engine. Pure code
// (no sd-bus): the daemon's D-Bus service calls it, and so does the D-Bus argument fuzz target. Every
// rejection is ErrorCode::InvalidArgument (D-Bus error ...Error.InvalidArgument) with a message naming the
// argument and what a valid one looks like.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace pathkeeper::api {

inline constexpr std::size_t kMaxDevnodeLength = 64;         // kernel disk names are far shorter
inline constexpr std::size_t kMaxMapNameLength = 127;        // DM_NAME_LEN - 1
inline constexpr std::size_t kMaxConfigTextBytes = 1 << 20;  // a real configuration is a few KiB
inline constexpr std::size_t kMaxOriginLength = 4096;        // PATH_MAX

// True when text has no control characters (bytes below 0x20, DEL).
bool printable(std::string_view text);

// A path argument: "sdb" or "/dev/sdb" -> "sdb". Anything that cannot be a kernel disk name is refused.
core::Result<std::string> parse_devnode_argument(std::string_view devnode);

// A map argument: the dm name as the daemon publishes it (1..127 printable bytes, no '/').
core::Result<std::string> parse_map_name_argument(std::string_view name);

// LoadConfig's arguments: the YAML text (at most 1 MiB; its content is the config parser's business) and the
// origin shown in error messages (at most 4096 printable bytes; empty means "<dbus>"). Returns the origin to
// use.
core::Result<std::string> parse_config_text_arguments(std::string_view text, std::string_view origin);

inline constexpr std::size_t kMaxExplainTargetLength = 256;  // a WWID, map name or /dev path

// ExplainConfig's target: a map, WWID or path as the caller wrote it (1 to 256 printable bytes); which one it
// names is the daemon's look-up.
core::Result<std::string> parse_explain_target_argument(std::string_view target);

}  // namespace pathkeeper::api
