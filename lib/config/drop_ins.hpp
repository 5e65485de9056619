#pragma once
// Drop-in configuration files: conf.d/*.yaml in the directory of the main file (so
// /etc/pathkeeper/conf.d for the default /etc/pathkeeper/pathkeeper.yaml), merged after the main file in
// byte-wise name order, by core::merge_config's rules. Files whose names start with '.' and files not
// ending in ".yaml" are ignored (editor backups, package manager leftovers).
//
// Every program that reads the configuration (the daemon at start and on reload, --check-config, the udev
// helper, pathctl plan --config) loads it here, so they all see the same merged configuration.

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace pathkeeper::config {

// The drop-in directory that belongs to a main configuration file: "conf.d" next to it.
std::string drop_in_directory(const std::string& main_path);

// The drop-in files of `directory`, full paths in merge order. A missing directory has none; one that
// cannot be read is ErrorCode::Io naming it.
core::Result<std::vector<std::string>> list_drop_ins(const std::string& directory);

// The main file merged with its drop-ins. A missing main file is ErrorCode::NotFound when `main_required`,
// otherwise the built-in configuration the drop-ins are merged into. Parse problems of every file, and
// conflicts between files, are reported together (ErrorCode::InvalidConfig, one "file:line:col: key:
// message" per line); nothing is merged unless every file is valid.
core::Result<core::Config> load_config_with_drop_ins(const std::string& main_path, bool main_required);

}  // namespace pathkeeper::config
