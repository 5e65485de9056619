#pragma once
// A map's kpartx partition maps ("<map>-part<N>", dm uuid "part<N>-mpath-<wwid>") follow the map: kpartx
// names them after the map when it makes them and never renames them, so pathkeeperd renames them with the
// map. Runs on the dm worker.

#include <string>

#include "ports/block_holders.hpp"
#include "ports/device_mapper.hpp"

namespace pathkeeper::daemon {

// Renames the partition maps of `old_map` that carry its name to the same names under `new_map`; called
// before the map itself is renamed. Empty when all went well, else what was left under its old name and why.
std::string rename_partition_maps(ports::DeviceMapper& dm, ports::BlockHolders& holders,
                                  const std::string& old_map, const std::string& new_map);

}  // namespace pathkeeper::daemon
