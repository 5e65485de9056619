#pragma once
// Removing a map on the dm worker (pathctl remove-map, and the daemon's own removals): the map's kpartx
// partition maps first, then the map. Refused while the map or a partition is open, with a message naming who
// holds it (holders may be null: then dm's open count alone refuses, without names), unless deferred: dm then
// removes an open map when its last opener closes it.

#include <chrono>

#include "core/actions.hpp"
#include "core/result.hpp"
#include "ports/block_holders.hpp"
#include "ports/device_mapper.hpp"

namespace pathkeeper::daemon {

// How often, and how far apart, an open map is looked at again before it is reported as held.
inline constexpr int kOpenRechecks = 5;
inline constexpr std::chrono::milliseconds kOpenRecheckInterval{100};

// Runs the partitions' removals and starts the map's (its udev work is the handle's). deferred_now is set
// when the map was open and dm deferred its removal.
core::Result<ports::DeviceMapper::UdevHandle> start_admin_map_removal(ports::DeviceMapper& dm,
                                                                      ports::BlockHolders* holders,
                                                                      const core::RemoveMap& remove,
                                                                      bool& deferred_now);

}  // namespace pathkeeper::daemon
