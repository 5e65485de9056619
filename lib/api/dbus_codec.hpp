#pragma once
// Views <-> GetTopology's wire types, and object paths. Shared by the daemon (encode) and pathctl (decode).
// Struct fields are typed by sdbus-c++ (a wrong signature throws sdbus::Error before we see it). In the a{sv}
// dictionaries a missing key keeps the default, an unknown key is ignored (the API may grow), and a key with
// the wrong type is an error.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <sdbus-c++/Types.h>

#include "api/views.hpp"
#include "core/result.hpp"

namespace pathkeeper::api {

using Dict = std::map<std::string, sdbus::Variant>;
// The wire types of GetTopology, in the field order the XML documents. The trailing Dict holds fields added
// after version 1 (none yet).
using GroupStruct =
    sdbus::Struct<std::uint32_t, std::string, std::int32_t, std::string, std::vector<std::string>>;
using MapStruct = sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                                std::string, std::string, std::uint64_t, std::string, std::string,
                                std::string, bool, std::uint32_t, std::vector<GroupStruct>, Dict>;
using PathStruct = sdbus::Struct<std::string, std::string, std::string, std::string, std::uint32_t,
                                 std::string, std::string, std::string, std::string, std::string, std::string,
                                 std::string, std::string, std::uint32_t, std::int32_t, std::string,
                                 std::uint64_t, std::string, std::string, std::string, std::string, Dict>;
using TopologyReply = std::tuple<Dict, std::vector<MapStruct>, std::vector<PathStruct>>;

// Manager properties as a{sv}: GetTopology's first value and Properties.GetAll's answer.
Dict encode_manager(const ManagerView& manager);
core::Result<ManagerView> decode_manager(const Dict& dict);

GroupStruct encode_group(const GroupView& group);
MapStruct encode_map(const MapView& map);
PathStruct encode_path(const PathView& path);
GroupView decode_group(const GroupStruct& group);
MapView decode_map(const MapStruct& map);
PathView decode_path(const PathStruct& path);

TopologyReply encode_topology(const TopologyView& topology);
core::Result<TopologyView> decode_topology(const TopologyReply& reply);
// GetMaps' reply: GetTopology's second value.
std::vector<MapStruct> encode_maps(const std::vector<MapView>& maps);
std::vector<MapView> decode_maps(const std::vector<MapStruct>& maps);

// The Reservation method: the request's options (Key, Type, Victim as s; Aptpl as b; empty strings and
// false are left out) and its answer (Map, Command, Key, Message; with status also Generation u, Keys as,
// Registered b, Holder and HolderType s).
Dict encode_reservation_options(const ReservationRequest& request);
core::Result<ReservationRequest> decode_reservation_options(std::string map, std::string command,
                                                            const Dict& options);
Dict encode_reservation(const ReservationView& view);
core::Result<ReservationView> decode_reservation(const Dict& dict);

// Object path component escaping as systemd's sd_bus_path_encode does it: [A-Za-z0-9] kept, every other byte
// "_xx" in lower-case hex, the empty string "_".
std::string escape_object_path_component(std::string_view text);
core::Result<std::string> unescape_object_path_component(std::string_view text);
std::string map_object_path(std::string_view map_name);  // /org/pathkeeper/PathKeeper1/maps/<escaped>
std::string path_object_path(std::string_view devnode);  // /org/pathkeeper/PathKeeper1/paths/<escaped>

}  // namespace pathkeeper::api
