#pragma once
// The bindings and known-WWIDs files of the state dir (or where the config puts them), read once at start.

#include <string>

#include "core/bindings.hpp"
#include "core/config.hpp"
#include "core/map_planner.hpp"
#include "ports/logger.hpp"
#include "ports/state_files.hpp"

namespace pathkeeper::daemon {

// On first start (no bindings file) multipath-tools' /etc/multipath/bindings is imported when
// import_multipath_bindings is on, so a migrating admin keeps every device name. Unreadable lines are logged
// and skipped.
struct PersistentState {
    core::Bindings bindings;
    core::KnownWwids known_wwids;
    core::KnownWwids released_wwids;  // find_multipaths smart (core::released_wwids_path)
    std::string bindings_path;
    std::string wwids_path;
    // Not read here: the keys of maps with reservation_key "file" are read when a path is registered, so a
    // key another tool recorded meanwhile is the one used.
    std::string reservation_keys_path;
};

PersistentState load_persistent_state(const core::Config& config, const std::string& state_dir,
                                      ports::StateFiles& files, ports::Logger& logger);

}  // namespace pathkeeper::daemon
