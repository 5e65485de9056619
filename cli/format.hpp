#pragma once
// Pure formatters: views in, text out. No I/O, no terminal detection (the caller decides Style.colour), so
// every byte pathctl prints for humans is covered by golden tests.

#include <cstdint>
#include <string>
#include <vector>

#include "api/views.hpp"
#include "os/block_stats.hpp"

namespace pathkeeper::cli {

using os::BlockStats;

struct Style {
    bool colour = false;  // ANSI colours for states; only when stdout is a terminal
};

// "1.0G", "512M", "300K" like multipath -ll (1024-based, one decimal below 10).
std::string format_size(std::uint64_t sectors);

// The multipath -ll style tree: per map a header line (name, WWID, dm device, vendor,product), a
// size/features/hwhandler line, and per group a policy/prio/status line with its paths
// ("H:C:T:L devnode maj:min dm-state checker-state [portal]"). Paths in no map follow under their own
// heading.
std::string format_topology(const api::TopologyView& topology, const Style& style);
// "holder: md0 (md raid1), verdict fail: md0 (raid1) has another in-sync leg: fail fast\n"; "" when nothing
// is stacked on the map.
std::string format_holder(const api::MapView& map);
// A REGISTRATION column (before TRANSPORT) only when some path's map has a reservation key.
std::string format_paths_table(const std::vector<api::PathView>& paths, const Style& style);
// "sdb: failed: <what the target said>\n" for each path with a registration detail (`show path DEV`).
std::string format_registration_details(const std::vector<api::PathView>& paths);
// `show paths --stats`: per path its map, state and I/O counters; stats[i] belongs to paths[i], "-" where
// the counters could not be read.
std::string format_path_stats_table(const std::vector<api::PathView>& paths,
                                    const std::vector<std::optional<BlockStats>>& stats, const Style& style);
// `pathctl reservation MAP status`: keys, reservation, whether the key is registered, then each path of
// the map (`paths`) with its registration state. Other commands: "MAP: <what the daemon did>".
std::string format_reservation(const api::ReservationView& view, const std::vector<api::PathView>& paths,
                               const Style& style);
// Sectors as MiB with one decimal: "0.0", "1536.5".
std::string format_mib(std::uint64_t sectors);
std::string format_maps_table(const api::TopologyView& topology, const Style& style);
std::string format_status(const api::ManagerView& manager);
// One line each, for `pathctl watch`; time_prefix ("12:00:01 ") is supplied by the caller.
std::string format_path_event(const api::PathStateEvent& event, const Style& style);
std::string format_map_event(const api::MapChangeEvent& event);
// The PATHS.yaml `pathctl plan --paths` reads, for the given paths.
std::string format_plan_input(const std::vector<api::PathView>& paths);

}  // namespace pathkeeper::cli
