#pragma once
// The effective configuration as pathkeeper.yaml text (`pathctl show config`): every section the daemon
// accepts, in the YAML its own parser reads back to the same resolved options.
//
//   defaults:             every global and per-map default, from the file or built-in
//   blacklist, blacklist_exceptions: the built-in rules, then the file's
//   devices:              the built-in device table, then the file's rules, in match order
//   overrides, multipaths: as the file has them
//
// Built-in entries carry a "# built-in" comment. With explain, each default carries its origin and each
// rule of the file its file:line.

#include <string>

#include "core/config.hpp"

namespace pathkeeper::core {

struct ConfigRenderOptions {
    bool explain = false;
};

std::string render_config(const Config& config, ConfigRenderOptions options = {});

// A string as a YAML double-quoted scalar (backslash, quote and control bytes escaped).
std::string yaml_quoted(std::string_view text);

}  // namespace pathkeeper::core
