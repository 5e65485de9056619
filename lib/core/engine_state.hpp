#pragma once
// What the engine knows: every path with its checker state machine, every map it has loaded (or is removing),
// and the read-only questions the policy parts ask about them. The policy parts (map_diff, map_io_policy,
// iscsi_timeouts, check_scheduler, snapshot) read and update these records; the Engine dispatches events.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/map_planner.hpp"
#include "core/model.hpp"
#include "core/path_policy.hpp"
#include "core/path_registration.hpp"

namespace pathkeeper::core {

struct PathRecord {
    PathInfo info;
    PathPolicy policy;
    std::uint64_t seq = 0;                        // discovery order
    DmPathState dm_state = DmPathState::Unknown;  // what dm has, as far as we know
    // A "change" uevent was asked for since the map holding the path was created (at most one: the event it
    // causes must not cause another).
    bool udev_change_triggered = false;
    // Taken out of its map by the administrator (pathctl remove-path): left out of planning until added back.
    bool removed_by_admin = false;
    // The host's reservation key on this path's I_T nexus (maps with reservation_key).
    PathRegistration registration;
};

struct MapRecord {
    PlannedMap plan;  // table = what is loaded
    bool exists = false;
    bool adopting = false;       // found at startup, not yet compared with the plan
    unsigned current_group = 0;  // 1-based
    bool queueing = false;
    bool retries_exhausted = false;
    std::optional<TimePoint> no_path_since;
    std::optional<TimePoint> fail_io_at;
    std::optional<TimePoint> failback_at;
    std::optional<TimePoint> retry_at;
    unsigned open_count = 0;
    std::uint64_t seq = 0;  // creation order
    // The map's own removal failed after its WWID was planned again: the create emitted meanwhile fails on
    // the map still there, and that failure is expected (see MapLifecycle::create_failed).
    bool create_failure_expected = false;
    // Its removal (no path left) was refused because the map is open: it stays, and the removal is retried
    // quietly every polling interval until the last opener closes it or its paths come back.
    bool kept_in_use = false;
    // Why it is held at its size while its paths disagree (map_size.hpp); a warning says so once, at
    // size_hold_warn_at, when the hold lasts.
    std::optional<std::string> size_hold;
    std::optional<TimePoint> size_hold_warn_at;
};

class EngineState {
public:
    std::map<std::string, PathRecord, std::less<>> paths;  // by devnode
    std::map<std::string, MapRecord, std::less<>> maps;    // by WWID
    // Maps whose RemoveMap has not completed yet, by name: a removal that fails (udev's blkid or an
    // application briefly holding the map open) gives the map back to `maps` instead of forgetting it.
    std::map<std::string, MapRecord, std::less<>> removing;
    // no_path_retry set by the administrator at run time (pathctl queueing), by WWID; kept until restored.
    std::map<std::string, NoPathRetry, std::less<>> no_path_retry_overrides;
    // What holds each loaded map, by WWID, as last read (MapHoldersRead); and the verdict drawn from it.
    struct Holder {
        MapHolder facts;
        std::optional<HolderVerdict> verdict;
    };
    std::map<std::string, Holder, std::less<>> holders;
    // WWIDs whose map was removed outside the daemon: not planned (so not created again) until a path of the
    // WWID is added or changed, or a configuration is applied.
    std::set<std::string, std::less<>> withheld;
    // WWIDs whose map the administrator removed (pathctl remove-map): not planned until AddMap, a
    // configuration is applied, or the kernel adds a path of the WWID again (a change event keeps it out).
    std::set<std::string, std::less<>> removed_by_admin;

    // The next discovery / creation sequence number, for PathRecord::seq and MapRecord::seq.
    std::uint64_t take_seq() { return next_seq_++; }

    PathRecord* find_path(std::string_view devnode);
    const PathRecord* find_path(std::string_view devnode) const;
    // The map the path is a member of; nullptr when none is loaded for it.
    MapRecord* map_of(const PathRecord& path);
    const MapRecord* map_of(const PathRecord& path) const;
    MapRecord* find_map_by_name(std::string_view name);
    const MapRecord* find_map_by_name(std::string_view name) const;
    MapRecord* find_map_by_uuid(std::string_view uuid);
    // "map: devnode" for log lines, or the devnode of a path in no map.
    std::string context(const PathRecord& path) const;

    bool any_in_service(const MapRecord& map) const;
    // dm should carry I/O on the path: it is in service, or it is the map's last resort (see the .cpp).
    bool carries_io(const MapRecord& map, const PathRecord& path) const;
    unsigned usable_count(const MapRecord& map) const;  // paths that carry I/O
    bool group_usable(const MapRecord& map, unsigned group) const;
    unsigned best_group_now(const MapRecord& map) const;

    // Loaded maps, oldest first: maps are evaluated and shown in the order they were created.
    std::vector<MapRecord*> maps_in_creation_order();
    std::vector<const MapRecord*> maps_in_creation_order() const;
    // Every path, in the order it was discovered.
    std::vector<const PathRecord*> paths_in_discovery_order() const;
    // The paths as plan input, in discovery order: grouping ties and alias allocation follow it.
    std::vector<PlanPath> plan_input() const;

private:
    std::uint64_t next_seq_ = 1;
};

// The uuid prefix of pathkeeper's dm maps ("mpath-<wwid>", as multipath-tools).
inline constexpr std::string_view kMapUuidPrefix = "mpath-";

}  // namespace pathkeeper::core
