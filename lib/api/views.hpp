#pragma once
// Views: the plain data pathkeeperd publishes (D-Bus, JSON) and pathctl prints. They are the API's own types,
// deliberately decoupled from the engine's internal model so the wire format and JSON schema stay stable when
// the core changes. States are carried as their published lower-case words ("up", "failed", "active", ...).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pathkeeper::api {

inline constexpr const char* kBusName = "org.pathkeeper.PathKeeper1";
inline constexpr const char* kRootObjectPath = "/org/pathkeeper/PathKeeper1";
inline constexpr const char* kManagerInterface = "org.pathkeeper.PathKeeper1.Manager";
inline constexpr const char* kMapInterface = "org.pathkeeper.PathKeeper1.Map";
inline constexpr const char* kPathInterface = "org.pathkeeper.PathKeeper1.Path";

struct PathView {
    std::string devnode;  // "sdb"
    std::string devt;     // "8:16"
    std::string wwid;
    std::string map;          // "" when the path is in no map
    std::uint32_t group = 0;  // 1-based group index within its map, 0 if none
    std::string hctl;         // "2:0:0:1", "" if unknown
    std::string vendor;
    std::string product;
    std::string revision;
    std::string serial;
    std::string transport = "unknown";      // iscsi | fc | sas | other | unknown
    std::string checker_state = "pending";  // up | down | ghost | pending | shaky
    std::string dm_state = "unknown";       // active | failed | unknown
    std::uint32_t fail_count = 0;
    std::int32_t priority = 0;
    std::string alua_state = "unknown";
    std::uint64_t size_sectors = 0;
    std::string node_name;
    std::string target_iqn;     // iSCSI only
    std::string portal;         // iSCSI only, "10.77.1.1:3260"
    std::string session_state;  // iSCSI only, "LOGGED_IN"
    // The host's reservation key on this path: "registered", "host-unregistered", "unsupported", "failed",
    // "needed", "syncing"; "" when the map has no reservation_key. The detail says what the last sync found.
    std::string registration;
    std::string registration_detail;

    bool operator==(const PathView&) const = default;
};

struct GroupView {
    std::uint32_t index = 0;  // 1-based, table order
    std::string selector;     // "service-time 0"
    std::int32_t priority = 0;
    std::string state = "enabled";   // active | enabled | disabled
    std::vector<std::string> paths;  // devnodes, table order

    bool operator==(const GroupView&) const = default;
};

// What holds a map and what that means for its queueing (core/holder_policy.hpp).
struct HolderView {
    std::string device;  // "md0", "vg0-data"
    std::string kind;    // "md raid1", "LVM raid1", "LVM mirror", "LVM volume", ...
    bool redundant = false;
    std::string verdict;  // "fail" | "queue"; "" when not redundant
    std::string reason;   // "md0 (raid1) has another in-sync leg: fail fast"

    bool operator==(const HolderView&) const = default;
};

struct MapView {
    std::string name;  // dm name: alias or WWID
    std::string wwid;
    std::string dm_uuid;    // "mpath-<wwid>"
    std::string dm_device;  // "dm-3"
    std::string dm_devt;    // "253:3"
    std::string vendor;
    std::string product;
    std::string revision;
    std::uint64_t size_sectors = 0;
    std::string features = "0";          // "1 queue_if_no_path"
    std::string hardware_handler = "0";  // "1 alua"
    std::string no_path_retry;           // "queue" | "fail" | "<n>"
    bool queueing = false;
    // While no_path_retry counts down with no path left: the Unix time at which queued I/O fails.
    std::optional<std::int64_t> queueing_ends_at;
    std::uint32_t active_group = 0;  // 1-based, 0 if none
    std::vector<GroupView> groups;
    // A reload failed to resume the map: it holds its I/O until the daemon's retried resume succeeds.
    bool suspended = false;
    std::optional<HolderView> holder;  // nullopt: nothing is stacked on the map

    bool operator==(const MapView&) const = default;
};

struct ManagerView {
    std::string version;
    std::string config_path;
    std::uint32_t map_count = 0;
    std::uint32_t path_count = 0;
    std::uint32_t failed_path_count = 0;
    // The checker pool: threads now, checks holding a thread past the slow threshold (hung), checks waiting
    // for a thread, and how many held threads the pool replaces at most.
    std::uint32_t checker_threads = 0;
    std::uint32_t hung_checks = 0;
    std::uint32_t queued_checks = 0;
    std::uint32_t hung_check_limit = 0;

    bool operator==(const ManagerView&) const = default;
};

// Everything at one instant: what GetTopology returns and `pathctl show topology` prints.
struct TopologyView {
    ManagerView manager;
    std::vector<MapView> maps;
    std::vector<PathView> paths;  // every known path, mapped or not

    bool operator==(const TopologyView&) const = default;

    const PathView* find_path(const std::string& devnode) const;
    const MapView* find_map(const std::string& name) const;
};

// D-Bus refuses strings that are not valid UTF-8 (sd-bus fails the whole reply or signal) and so does JSON
// output, but vendor/product strings come from SCSI INQUIRY data, names from config files: bytes a target or
// an admin chose. Every string of the topology goes through this before it is published: invalid bytes
// become U+FFFD, valid text is untouched.
void make_valid_utf8(TopologyView& topology);

// A path whose checker state means it cannot carry I/O (anything but up/ghost/pending).
bool is_failed_state(const std::string& checker_state);

// Fills manager.map_count/path_count/failed_path_count from the lists.
void update_counts(TopologyView& topology);

// pathctl reservation MAP COMMAND: the Reservation method's arguments. Empty strings leave the choice to the
// daemon: key the map's configured reservation_key (for "file" the key recorded for its WWID), type
// write-exclusive-registrants-only where the command takes one.
struct ReservationRequest {
    std::string map;  // name or WWID
    std::string
        command;       // status | register | unregister | reserve | release | clear | preempt | preempt-abort
    std::string key;   // "0xabc" or "abc"
    std::string type;  // a name or mpathpersist's --prout-type number
    std::string victim;  // preempt, preempt-abort: the key whose registrations go
    bool aptpl = false;
    bool operator==(const ReservationRequest&) const = default;
};

// The Reservation method's answer.
struct ReservationView {
    std::string map;
    std::string command;
    std::string key;      // the key used, "0xabc"; "" when none was needed and none is configured
    std::string message;  // what went through which path(s) and what the target answered
    // status only (has_status): READ KEYS and READ RESERVATION.
    bool has_status = false;
    std::uint32_t generation = 0;
    std::vector<std::string> keys;  // every registration, "0x..." (a key registered through n paths n times)
    bool registered = false;        // `key` is among them
    std::string holder;             // the reservation holder's key; "" when no reservation is held
    std::string holder_type;        // "write-exclusive-registrants-only", ...
    bool operator==(const ReservationView&) const = default;
};

// One PathStateChanged signal.
struct PathStateEvent {
    std::string map;
    std::string path;
    std::string old_state;
    std::string new_state;
    std::string reason;
    bool operator==(const PathStateEvent&) const = default;
};

// One MapChanged signal; change is "added", "removed" or "changed".
struct MapChangeEvent {
    std::string map;
    std::string change;
    bool operator==(const MapChangeEvent&) const = default;
};

}  // namespace pathkeeper::api
