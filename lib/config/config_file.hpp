#pragma once
// The YAML front end: pathkeeper.yaml text -> core::Config. The only yaml-cpp user.
//
// Every problem is reported, not just the first: the error (ErrorCode::InvalidConfig) carries one
// line per problem, "file:line:col: key: message", in file order. Unknown keys, wrong types, bad
// enum values (with the valid ones), bad durations and regexes, duplicate keys, duplicate WWIDs
// and aliases in multipaths are all errors.

#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace pathkeeper::config {

inline constexpr const char* default_config_path = "/etc/pathkeeper/pathkeeper.yaml";

// One problem found in a config file.
struct Diagnostic {
    core::SourceLocation where;
    std::string key;  // dotted path: "defaults.polling_interval", "devices[2].prio", "multipaths[0]"
    std::string message;

    std::string to_string() const;  // "file:line:col: key: message"
};

// Parses YAML text; `file_name` only labels locations. Input above 4 MiB is refused.
core::Result<core::Config> parse_config(std::string_view yaml_text, std::string_view file_name);

// Like parse_config, but returns every diagnostic (empty = valid) and the config built from the
// parts that were valid, for tools that want structured errors.
struct ParseReport {
    core::Config config;
    std::vector<Diagnostic> diagnostics;
};
ParseReport parse_config_report(std::string_view yaml_text, std::string_view file_name);

// Reads and parses a file. A missing file is ErrorCode::NotFound (the daemon falls back to the
// built-in configuration for the default path only); unreadable is ErrorCode::Io.
core::Result<core::Config> load_config_file(const std::string& path);

}  // namespace pathkeeper::config
