#pragma once
// Plain copies of the engine's state for the D-Bus layer and pathctl (show topology / paths / maps).
// No behaviour beyond lookups: whatever is shown is computed by the engine when the snapshot is taken.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
    std::string transport;  // "iscsi", "fc", ...
    std::optional<unsigned> iscsi_session;
    std::string iscsi_target;  // target IQN
    std::string iscsi_portal;  // "10.0.0.1:3260"
    std::string iscsi_session_state;
    int priority = 0;
    std::string alua_state;                        // "active/optimized", ... ; "unknown" when not ALUA
    PathState state = PathState::Pending;          // what the admin sees: Down while failed by the admin
    PathState checker_state = PathState::Pending;  // the checker's last word
    DmPathState dm_state = DmPathState::Unknown;   // what dm has (as the engine last set or read it)
    std::string checker;                           // "tur", "directio", "none"
    std::string last_check_message;
    bool admin_failed = false;
    bool damped = false;  // flap damping holds it out (Shaky) or will when it next checks good
    unsigned flaps = 0;
    std::int64_t hold_remaining_ms = 0;  // while Shaky
    std::int64_t check_interval_ms = 0;  // current healthy/failed re-check interval
    std::string multipath_status;        // "member", "not multipathed: <reason>"
};

struct GroupSnapshot {
    unsigned index = 0;    // 1-based
    std::string selector;  // "service-time 0"
    int priority = 0;
    std::string state;               // "active", "enabled", "disabled"
    std::vector<std::string> paths;  // devnodes
};

struct MapSnapshot {
    std::string name;
    std::string wwid;
    std::string uuid;         // "mpath-<wwid>"
    std::string name_origin;  // "multipaths", "bindings", "wwid", "existing"
    std::string dm_name;      // same as name: dm device /dev/mapper/<name>
    std::uint64_t size_sectors = 0;
    std::string vendor;
    std::string product;
    std::string features;    // "1 queue_if_no_path" as in the table
    std::string hw_handler;  // "1 alua" or "0"
    std::string table;       // the loaded table text
    std::string path_grouping_policy;
    std::string failback;
    std::string no_path_retry;
    bool queueing = false;      // queue_if_no_path in effect
    unsigned active_group = 0;  // 1-based
    unsigned usable_paths = 0;
    unsigned total_paths = 0;
    std::vector<GroupSnapshot> groups;
};

struct TopologySnapshot {
    std::vector<MapSnapshot> maps;    // in creation order
    std::vector<PathSnapshot> paths;  // in discovery order, members or not

    const MapSnapshot* find_map(std::string_view name) const;
    const PathSnapshot* find_path(std::string_view devnode) const;
    std::vector<const PathSnapshot*> paths_of(std::string_view map) const;
};

class EngineState;
struct PlanLogLine;
// The engine's state as plain copies: maps in creation order, paths in discovery order. `plan_log` says why a
// path is in no map; `now` turns hold-out deadlines into remaining times.
TopologySnapshot take_snapshot(const EngineState& state, const std::vector<PlanLogLine>& plan_log,
                               TimePoint now);

}  // namespace pathkeeper::core
