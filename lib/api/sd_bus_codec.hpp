#pragma once
// GetTopology's, GetMaps', Properties.GetAll's and Reservation's wire types read with plain sd-bus
// (libsystemd's C API): pathctl's side of the API, so the CLI needs no C++ D-Bus library. The field order
// comes from api/wire_fields.hpp, which the daemon's encoder (api/dbus_codec.hpp) walks too. As there, a
// missing dictionary key keeps the default, an unknown key is skipped and a key with the wrong type is an
// error.

#include <vector>

#include "api/views.hpp"
#include "core/result.hpp"

struct sd_bus_message;

namespace pathkeeper::api {

// Each reads the whole reply body from the message's read position.
core::Result<ManagerView> read_manager(sd_bus_message* message);  // a{sv}
core::Result<std::vector<MapView>> read_maps(sd_bus_message* message);
core::Result<TopologyView> read_topology(sd_bus_message* message);
core::Result<std::vector<PathView>> read_paths(sd_bus_message* message);  // GetPaths
// GetTopology's paths only (the manager and the maps skipped): for a daemon older than GetPaths.
core::Result<std::vector<PathView>> read_topology_paths(sd_bus_message* message);
core::Result<ReservationView> read_reservation(sd_bus_message* message);
core::Result<PathStateEvent> read_path_state_event(sd_bus_message* message);
core::Result<MapChangeEvent> read_map_change_event(sd_bus_message* message);

// Appends the Reservation method's arguments (s map, s command, a{sv} options); a negative errno on failure.
int append_reservation_request(sd_bus_message* message, const ReservationRequest& request);

}  // namespace pathkeeper::api
