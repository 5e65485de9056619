#pragma once
// Picking one map or one path out of the daemon's topology by any name an admin may type for it, so every
// `show ... NAME` command accepts the same spellings.

#include <string>

#include "api/views.hpp"
#include "cli/client.hpp"

namespace pathkeeper::cli {

// NAME is the map's name (alias), its WWID, its dm device (dm-3, /dev/dm-3), /dev/mapper/NAME or its dm
// major:minor.
Reply<api::MapView> select_map(const api::TopologyView& topology, const std::string& name);
// DEV is the path's kernel name (sdb), /dev/sdb, or its major:minor.
Reply<api::PathView> select_path(const api::TopologyView& topology, const std::string& dev);
// The map with its own paths only: a topology view of that one map, in the same schema.
api::TopologyView topology_of(const api::TopologyView& topology, const api::MapView& map);

}  // namespace pathkeeper::cli
