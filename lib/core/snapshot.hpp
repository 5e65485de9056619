#pragma once
// Plain copies of the engine's state for the D-Bus layer and pathctl (show topology / paths / maps).
// No behaviour beyond lookups: whatever is shown is computed by the engine when the snapshot is taken. Only
// what the daemon shows is copied.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.hpp"
#include "core/model.hpp"
#include "core/path_policy.hpp"

namespace pathkeeper::core {

struct PathSnapshot {
    std::string devnode;  // "sdb"
    std::string devt;     // "8:16"
    std::string wwid;
    std::string map;     // name of the map holding the path; empty if none
    unsigned group = 0;  // 1-based group in that map; 0 if none
    std::string hctl;    // "2:0:0:1"; empty if unknown
    std::string vendor;
    std::string product;
    std::string revision;
    std::string serial;
    std::string transport;     // "iscsi", "fc", ...
    std::string iscsi_target;  // target IQN
    std::string iscsi_portal;  // "10.0.0.1:3260"
    std::string iscsi_session_state;
    int priority = 0;
    std::string alua_state;                       // "active/optimized", ... ; "unknown" when not ALUA
    PathState state = PathState::Pending;         // what the admin sees: Down while failed by the admin
    DmPathState dm_state = DmPathState::Unknown;  // what dm has (as the engine last set or read it)
    // The host's reservation key on this path (path_registration.hpp): "registered", "failed", ...; empty
    // when the map has no reservation_key. The detail says what the target last answered.
    std::string registration;
    std::string registration_detail;
};

struct GroupSnapshot {
    unsigned index = 0;    // 1-based
    std::string selector;  // "service-time 0"
    int priority = 0;
    std::string state;               // "active", "enabled", "disabled"
    std::vector<std::string> paths;  // devnodes
};

// What holds a map and what that means for its queueing (holder_policy.hpp).
struct HolderSnapshot {
    std::string device;  // "md0"
    std::string kind;    // "md raid1"
    bool redundant = false;
    std::string verdict;  // "fail", "queue"; "" when not redundant
    // "md0 (raid1) has another in-sync leg: fail fast", with "(not applied: ...)" when the map's
    // no_path_retry is set explicitly.
    std::string reason;
};

struct MapSnapshot {
    std::string name;
    std::string wwid;
    std::string uuid;  // "mpath-<wwid>"
    std::uint64_t size_sectors = 0;
    std::string vendor;
    std::string product;
    std::string features;    // "1 queue_if_no_path" as dm echoes the table: with the current queueing flag
    std::string hw_handler;  // "1 alua" or "0"
    std::string no_path_retry;
    bool queue_if_no_path = false;  // the flag in effect: I/O would be queued if no path were left
    bool queueing = false;          // I/O is being queued now: the flag is set and no path can carry I/O
    // While a no_path_retry count runs (no path left): how long until queued I/O fails. Only in a snapshot
    // taken with the time.
    std::optional<Millis> queueing_left;
    unsigned active_group = 0;  // 1-based
    std::vector<GroupSnapshot> groups;
    std::optional<HolderSnapshot> holder;
};

struct TopologySnapshot {
    std::vector<MapSnapshot> maps;    // in creation order
    std::vector<PathSnapshot> paths;  // in discovery order, members or not

    const MapSnapshot* find_map(std::string_view name) const;
    const PathSnapshot* find_path(std::string_view devnode) const;
    std::vector<const PathSnapshot*> paths_of(std::string_view map) const;
};

class EngineState;
// The engine's state as plain copies: maps in creation order, paths in discovery order.
// now: the time the snapshot is taken at, for the countdowns in it; nullopt when not known.
TopologySnapshot take_snapshot(const EngineState& state, std::optional<TimePoint> now = std::nullopt);

}  // namespace pathkeeper::core
