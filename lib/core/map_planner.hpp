#pragma once
// The desired maps: from the configuration, the known paths, the alias bindings and the known-WWIDs
// list, which dm-multipath maps should exist, under which names, with exactly which tables.
// The daemon's engine and `pathctl plan` both call plan_maps(), so a support case can be replayed
// offline and gives the daemon's answer.
//
// Decisions, in order:
//  1. Paths without a WWID, or blacklisted (built-in + config rules), are skipped with a log line
//     (steps 1 and 3 are the membership rule of membership.hpp).
//  2. Paths are grouped by WWID in discovery order; the map's size and which paths of another size are
//     left out follow map_size.hpp (an existing map never loses a path to a resize under way).
//  3. find_multipaths: greedy takes every WWID; on takes WWIDs with 2+ paths, known WWIDs, WWIDs in
//     `multipaths:` and WWIDs that already have a map; strict only the last three. Every WWID that
//     gets a map is added to the known-WWIDs list (multipath-tools remembers them the same way).
//  4. Name: the `multipaths:` alias; else, with user_friendly_names, the WWID's binding or a newly
//     allocated one (Bindings::allocate_alias, skipping other WWIDs' YAML aliases and existing map
//     names); else the WWID. dm uuid is always "mpath-<wwid>".
//  5. Options resolved per map (multipaths > overrides > devices > defaults > built-in) from the
//     first path's vendor/product/revision; no_path_retry then from the administrator's override, else the
//     holder's verdict where the configured value yields to it (holder_policy.hpp); priorities per path
//     (explicit priority, else the effective prioritizer: const = 1, alua/sysfs = from the ALUA state);
//     groups and their order by grouping.hpp; the table: features (queue_if_no_path unless no_path_retry is
//     fail, pg_init_retries N when N > 0), hardware handler (effective: alua on TPGS devices while
//     retain_attached_hw_handler is on), initial group = best group, selector with no args, one
//     per-path arg: the repeat count rr_min_io_rq (times the path priority with rr_weight priorities).

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/bindings.hpp"
#include "core/config.hpp"
#include "core/dm_table.hpp"
#include "core/holder_policy.hpp"
#include "core/map_size.hpp"
#include "core/model.hpp"

namespace pathkeeper::core {

using KnownWwids = std::vector<std::string>;

// A path as the planner sees it: what discovery knows plus the checker's state (plan input files
// give it as `state`; default up).
struct PlanPath {
    PathInfo info;
    PathState state = PathState::Up;
};

enum class NameOrigin { Multipaths, Bindings, Wwid };
const char* to_string(NameOrigin o) noexcept;  // "multipaths", "bindings", "wwid"

struct PlannedPath {
    std::string devnode;
    DevT devt;
    int priority = 0;
    PathState state = PathState::Up;
};

struct PlannedGroup {
    std::vector<std::string> devnodes;  // discovery order
    int priority = 0;                   // average priority of the usable paths
    unsigned usable_paths = 0;
};

struct PlannedMap {
    std::string wwid;
    std::string name;
    NameOrigin name_origin = NameOrigin::Wwid;
    std::string uuid;  // "mpath-<wwid>"
    std::uint64_t size_sectors = 0;
    std::string vendor;
    std::string product;
    ResolvedMapOptions options;
    std::vector<PlannedPath> paths;  // discovery order
    std::vector<PlannedGroup> groups;
    unsigned best_group = 0;  // 1-based
    DmMultipathTable table;

    const PlannedPath* find_path(std::string_view devnode) const;
    // 1-based group holding devnode, 0 if none.
    unsigned group_of(std::string_view devnode) const;
};

struct PlanLogLine {
    LogLevel level = LogLevel::Info;
    std::string context;  // "sdb", "mpatha"
    std::string message;
    bool operator==(const PlanLogLine&) const = default;
};

// What the daemon knows beyond the paths; empty for an offline plan.
struct PlanContext {
    std::map<std::string, std::string, std::less<>> existing_names;  // wwid -> name of its existing map
    // wwid -> no_path_retry the administrator set at run time (pathctl queueing disable / force).
    std::map<std::string, NoPathRetry, std::less<>> no_path_retry_overrides;
    // wwid -> the verdict of the redundant layer holding its map (holder_policy.hpp).
    std::map<std::string, HolderVerdict, std::less<>> holder_verdicts;
    // wwid -> its existing map's size and paths: a resize under way holds the map, never drops a path.
    std::map<std::string, LoadedLayout, std::less<>> loaded_layouts;
    // WWIDs whose map may shrink to what every path reports (pathctl resize-map).
    std::set<std::string, std::less<>> shrink_allowed;
    // find_multipaths smart: wwid -> when its first path was first seen, the WWIDs already released as
    // single-path disks, and the time now (on the same clock).
    std::map<std::string, Millis, std::less<>> first_seen;
    std::set<std::string, std::less<>> released;
    Millis now{0};
};

struct PlanResult {
    std::vector<PlannedMap> maps;  // in order of each WWID's first path
    Bindings bindings;             // input bindings plus any new ones
    bool bindings_changed = false;
    KnownWwids known_wwids;  // input list plus WWIDs that got a map
    bool known_wwids_changed = false;
    std::vector<PlanLogLine> log;
    // wwid -> why its existing map stays at its size while paths report another (map_size.hpp).
    std::map<std::string, std::string, std::less<>> size_held;
    // find_multipaths smart: WWIDs whose lone path is held back waiting for a second one, and those whose
    // hold ended in this plan (the caller remembers the release and lets udev answer for the path again).
    std::set<std::string, std::less<>> held;
    std::set<std::string, std::less<>> hold_expired;

    const PlannedMap* find_wwid(std::string_view wwid) const;
    const PlannedMap* find_name(std::string_view name) const;
};

PlanResult plan_maps(const Config& config, const std::vector<PlanPath>& paths, const Bindings& bindings,
                     const KnownWwids& known_wwids, const PlanContext& context);
// Every path taken as up; no existing maps.
PlanResult plan_maps(const Config& config, const std::vector<PathInfo>& paths, const Bindings& bindings,
                     const KnownWwids& known_wwids);

// The priority the planner gives a path under these options.
int path_priority(const ResolvedMapOptions& options, const PathInfo& path);

// The dm table text `pathctl plan` prints; the same as format_table(map.table).
std::string table_text(const PlannedMap& map);

}  // namespace pathkeeper::core
