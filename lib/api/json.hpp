#pragma once
// JSON rendering of the views, the stable schema `pathctl ... --json` prints (docs/json-schema.md).
// Every top-level document carries "schema_version"; fields are only ever added within one version.

#include <string>

#include <nlohmann/json.hpp>

#include "api/views.hpp"

namespace pathkeeper::api {

inline constexpr int kJsonSchemaVersion = 1;

nlohmann::json path_to_json(const PathView& path);
nlohmann::json group_to_json(const GroupView& group);
nlohmann::json map_to_json(const MapView& map);
nlohmann::json manager_to_json(const ManagerView& manager);

// Serialises a document for output. Invalid UTF-8 in any string (SCSI INQUIRY bytes, names from files)
// becomes U+FFFD instead of nlohmann's exception: printing must never fail on the data it prints.
std::string dump_json(const nlohmann::json& document, int indent = -1);

// Top-level documents.
nlohmann::json topology_document(const TopologyView& topology);  // daemon, maps, paths
nlohmann::json maps_document(const std::vector<MapView>& maps);
nlohmann::json paths_document(const std::vector<PathView>& paths);
nlohmann::json status_document(const ManagerView& manager);
nlohmann::json known_wwids_document(const std::vector<std::string>& wwids);  // `pathctl wwids list`
nlohmann::json path_state_event_to_json(const PathStateEvent& event);        // one line of `watch --json`
nlohmann::json map_change_event_to_json(const MapChangeEvent& event);
// `pathctl reservation MAP COMMAND --json`: map, command, key, message; for status also generation, keys,
// registered, reservation ({holder, type} or null) and each of `paths` with its registration state.
nlohmann::json reservation_document(const ReservationView& view, const std::vector<PathView>& paths);

}  // namespace pathkeeper::api
