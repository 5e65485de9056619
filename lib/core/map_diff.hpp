#pragma once
// Desired vs loaded maps -> the ordered changes that turn one into the other. Pure: it reads plain values
// and decides; Engine::reconcile applies the changes to its records and turns them into actions.
//
// Tables are compared as the kernel sees them (tables_equivalent, after matching groups by their path sets),
// so a change of group order alone never reloads: group order is the failback policy's business.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/dm_table.hpp"
#include "core/map_planner.hpp"

namespace pathkeeper::core {

// What the engine believes dm has for one WWID.
struct LoadedMap {
    std::string name;
    std::uint64_t size_sectors = 0;
    DmMultipathTable table;     // as loaded (as dm showed it, for a map found at startup)
    NoPathRetry no_path_retry;  // as configured when it was loaded
    bool flush_on_last_del = false;
    bool has_paths = true;  // false once it was kept open without paths (that was reported then)
    bool exists = true;     // false: its create failed
    bool adopting = false;  // found at startup, not yet compared with the plan
    bool queueing = false;
    bool retries_exhausted = false;  // no_path_retry N ran out: queueing stays off until a path returns
    bool retry_pending = false;      // a failed create or removal waits for its retry time
    unsigned open_count = 0;
    bool kept_in_use = false;  // a refused removal was already reported as kept open
};

struct MapUpdate {
    enum class Kind {
        Create,              // not loaded: create `map`
        Rename,              // loaded as `old_name`: rename to `name`
        RestartNoPathRetry,  // its no_path_retry changed: the retry count starts afresh
        Keep,                // the loaded table is equivalent: no reload; `map` has the loaded layout
        Reload,              // the loaded table differs: reload with `map`
        KeepOpen,            // no longer planned but open: kept, without paths
        Remove,              // no longer planned: removed
    };
    Kind kind = Kind::Keep;
    std::string wwid;
    std::string name;
    PlannedMap map;                // Create, Keep, Reload: what to record as loaded
    std::string old_name;          // Rename
    NoPathRetry no_path_retry;     // RestartNoPathRetry
    bool adopted = false;          // Keep, Reload: a map found at startup, compared for the first time
    std::optional<bool> queueing;  // Keep: queue_if_no_path to set (true) or clear (false) by message
    bool fail_queued_io = false;   // KeepOpen, Remove: flush_on_last_del with I/O queued, fail it first
    bool quiet = false;            // Remove: a retry of a removal already reported as kept open
};

// Changes in order: for each desired map in plan order Create, or Rename, RestartNoPathRetry, then Keep or
// Reload; then KeepOpen / Remove for loaded maps no longer desired, by WWID.
std::vector<MapUpdate> diff_maps(std::vector<PlannedMap> desired,
                                 const std::map<std::string, LoadedMap, std::less<>>& loaded);

// One line per change, e.g. "create mpatha 3600a: [sdb sdc] [sdd]", "rename mpathc -> db1".
std::string to_string(const MapUpdate& update);

}  // namespace pathkeeper::core
