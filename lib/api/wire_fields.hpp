#pragma once
// The field order of GetTopology's and GetMaps' structs, owned here once: the daemon's sdbus-c++ codec
// (dbus_codec) and pathctl's sd-bus decoder (sd_bus_decode) both walk these lists, so the two cannot drift.
// Each list is the struct's leading fields in wire order; what follows them is written next to each list.

#include <tuple>

#include "api/views.hpp"

namespace pathkeeper::api {

// (usisas): every field of a group.
inline constexpr auto kGroupWireFields = std::make_tuple(
    &GroupView::index, &GroupView::selector, &GroupView::priority, &GroupView::state, &GroupView::paths);

// (sssssssstsssbu a(usisas) a{sv}): these fields, then the groups, then the extension dictionary.
inline constexpr auto kMapWireFields = std::make_tuple(
    &MapView::name, &MapView::wwid, &MapView::dm_uuid, &MapView::dm_device, &MapView::dm_devt,
    &MapView::vendor, &MapView::product, &MapView::revision, &MapView::size_sectors, &MapView::features,
    &MapView::hardware_handler, &MapView::no_path_retry, &MapView::queueing, &MapView::active_group);

// (ssssussssssssuistssss a{sv}): these fields, then the extension dictionary.
inline constexpr auto kPathWireFields = std::make_tuple(
    &PathView::devnode, &PathView::devt, &PathView::wwid, &PathView::map, &PathView::group, &PathView::hctl,
    &PathView::vendor, &PathView::product, &PathView::revision, &PathView::serial, &PathView::transport,
    &PathView::checker_state, &PathView::dm_state, &PathView::fail_count, &PathView::priority,
    &PathView::alua_state, &PathView::size_sectors, &PathView::node_name, &PathView::target_iqn,
    &PathView::portal, &PathView::session_state);

// The Manager properties (a{sv} keys of GetTopology's first value and Properties.GetAll).
inline constexpr auto kManagerWireKeys = std::make_tuple(
    std::make_pair("Version", &ManagerView::version), std::make_pair("ConfigPath", &ManagerView::config_path),
    std::make_pair("MapCount", &ManagerView::map_count),
    std::make_pair("PathCount", &ManagerView::path_count),
    std::make_pair("FailedPathCount", &ManagerView::failed_path_count),
    std::make_pair("CheckerThreads", &ManagerView::checker_threads),
    std::make_pair("HungChecks", &ManagerView::hung_checks),
    std::make_pair("QueuedChecks", &ManagerView::queued_checks),
    std::make_pair("HungCheckLimit", &ManagerView::hung_check_limit));

// Extension keys of the map and path dictionaries, and of the Reservation answer.
inline constexpr const char* kMapSuspendedKey = "Suspended";            // b
inline constexpr const char* kMapQueueingEndsAtKey = "QueueingEndsAt";  // x
inline constexpr auto kMapHolderKeys = std::make_tuple(
    std::make_pair("HolderDevice", &HolderView::device), std::make_pair("HolderKind", &HolderView::kind),
    std::make_pair("HolderRedundant", &HolderView::redundant),
    std::make_pair("HolderVerdict", &HolderView::verdict),
    std::make_pair("HolderReason", &HolderView::reason));
inline constexpr auto kPathExtraKeys =
    std::make_tuple(std::make_pair("Registration", &PathView::registration),
                    std::make_pair("RegistrationDetail", &PathView::registration_detail));
inline constexpr auto kReservationKeys = std::make_tuple(
    std::make_pair("Map", &ReservationView::map), std::make_pair("Command", &ReservationView::command),
    std::make_pair("Key", &ReservationView::key), std::make_pair("Message", &ReservationView::message),
    std::make_pair("Generation", &ReservationView::generation),
    std::make_pair("Keys", &ReservationView::keys),
    std::make_pair("Registered", &ReservationView::registered),
    std::make_pair("Holder", &ReservationView::holder),
    std::make_pair("HolderType", &ReservationView::holder_type));
// The Reservation method's options: strings left out when empty, Aptpl (b) left out when false.
inline constexpr auto kReservationOptionStringKeys = std::make_tuple(
    std::make_pair("Key", &ReservationRequest::key), std::make_pair("Type", &ReservationRequest::type),
    std::make_pair("Victim", &ReservationRequest::victim));
inline constexpr const char* kReservationAptplKey = "Aptpl";
// The key whose presence marks a status answer (ReservationView::has_status).
inline constexpr const char* kReservationStatusKey = "Keys";

// Calls visit(key, member) for each (key, member) pair of a key list, in order, while it returns true.
template <typename Keys, typename Visit>
bool visit_wire_keys(const Keys& keys, Visit&& visit) {
    return std::apply([&](const auto&... entry) { return (visit(entry.first, entry.second) && ...); }, keys);
}

}  // namespace pathkeeper::api
