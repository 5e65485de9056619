#pragma once
// What the engine asks the imperative shell to do. Every action has a stable one-line text form
// (to_string) used in logs and in the scenario files under tests/unit/scenarios; the daemon reports
// each action's outcome back as ActionCompleted / ActionFailed (events.hpp), so retries are policy too.
//
// Text forms (fields in this order; tokens separated by one space):
//   create <name> uuid=<uuid> size=<sectors> table="<dm table>"
//   reload <name> size=<sectors> table="<dm table>"          (no-flush suspend, then resume)
//   remove <name>[ by-admin][ deferred]
//   rename <old> <new>
//   message <map> <dm message>                                e.g. "message mpatha fail_path 8:16"
//   read-status <map>                                          (answer with DmStatusRead)
//   check <dev> <checker> timeout=<duration>                  (the check id is not part of the text)
//   set-recovery-tmo session<N> <seconds>s
//   end-tcp-connection session<N> <local address>-><remote address>:<port>
//   tune-path <map> <dev> <setting>=<value> ...                e.g. "tune-path mpatha sdb eh_deadline=off"
//   tune-map <map> max_sectors_kb=<KiB>
//   trigger-change <dev>
//   save-bindings <alias>=<wwid> ...
//   save-wwids <wwid> ...
//   publish-path <map> <dev> <old>-><new> (<reason>)
//   publish-map <map> <change>[ (<detail>)]
//   log <level> <context>: <message>                           (context omitted when empty)

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bindings.hpp"
#include "core/config.hpp"
#include "core/dm_table.hpp"
#include "core/duration.hpp"
#include "core/model.hpp"

namespace pathkeeper::core {

struct CreateMap {
    std::string name;
    std::string uuid;  // "mpath-<wwid>"
    std::uint64_t size_sectors = 0;
    DmMultipathTable table;
    bool operator==(const CreateMap&) const = default;
};

struct ReloadMap {
    std::string name;
    std::uint64_t size_sectors = 0;
    DmMultipathTable table;
    bool operator==(const ReloadMap&) const = default;
};

struct RemoveMap {
    std::string name;
    // pathctl remove-map: the daemon removes the map's partition maps first, and refuses (naming who holds
    // it) while the map or one of them is open, unless deferred.
    bool by_admin = false;
    // dm deferred remove: the map goes when its last opener closes it.
    bool deferred = false;
    bool operator==(const RemoveMap&) const = default;
};

struct RenameMap {
    std::string old_name;
    std::string new_name;
    bool operator==(const RenameMap&) const = default;
};

// A dm target message: "fail_path 8:16", "reinstate_path 8:16", "switch_group 2", "queue_if_no_path",
// "fail_if_no_path".
struct DmMessage {
    std::string map;
    std::string message;
    bool operator==(const DmMessage&) const = default;
};

// Read the map's dm status and answer with a DmStatusRead event.
struct ReadMapStatus {
    std::string map;
    bool operator==(const ReadMapStatus&) const = default;
};

// Run one path check; answer with CheckerResult carrying the same check_id. The worker reports Down
// when the check times out.
struct StartCheck {
    std::string devnode;
    DevT devt;
    CheckerKind checker = CheckerKind::Tur;
    Millis timeout{30000};
    std::uint64_t check_id = 0;
    // The prioritizer the worker measures with the check (prio_measured_by_worker), and its prio_args.
    std::optional<PrioKind> prio;
    std::string prio_args;
    bool probe_rdac = false;  // also read INQUIRY page 0xC9 for detect_checker
    bool operator==(const StartCheck&) const = default;
};

// Keep the host's reservation key registered through one path (path_registration.hpp): read the keys the
// LU lists through it and, when the host's key is among them, register the key on this path too (REGISTER
// AND IGNORE EXISTING KEY). Answered with RegistrationSynced carrying the same sync_id.
struct SyncRegistration {
    std::string devnode;
    std::string wwid;
    ReservationKey key;  // Fixed, or File: the key recorded for the WWID in the keys file
    bool aptpl = false;
    bool all_tg_pt = false;
    Millis timeout{30000};
    std::uint64_t sync_id = 0;
    // The path was registered: only confirm the key is still listed (a fence may have preempted it).
    bool confirm_only = false;
    bool operator==(const SyncRegistration&) const = default;
};

// Write /sys/class/iscsi_session/session<N>/recovery_tmo.
struct SetRecoveryTmo {
    unsigned session_id = 0;
    std::chrono::seconds value{0};
    bool operator==(const SetRecoveryTmo&) const = default;
};

// End an iSCSI session's TCP connection (sock_diag SOCK_DESTROY of every TCP socket from local_address to
// remote_address:remote_port): iscsi_tcp sees its socket closed and starts recovery now, not at its noop
// timeout. For a session whose local link is gone (local_link_failover.hpp).
struct EndTcpConnection {
    unsigned session_id = 0;
    std::string local_address;
    std::string remote_address;
    unsigned remote_port = 0;
    bool operator==(const EndTcpConnection&) const = default;
};

// Write a path's SCSI settings beside the dm table (path_tuning.hpp): its FC remote port's timeouts, its
// SCSI host's eh_deadline, its block queue's max_sectors_kb. Done before the map's table is loaded, in the
// map's order, so a path joins with the I/O size the map's other paths have.
struct TunePath {
    std::string map;
    std::string devnode;
    PathTuning tuning;
    bool operator==(const TunePath&) const = default;
};

// Write the map's own max_sectors_kb, after its table is loaded (a table load stacks the paths' limits anew).
struct TuneMapDevice {
    std::string map;
    unsigned max_sectors_kb = 0;
    bool operator==(const TuneMapDevice&) const = default;
};

// Write "change" to /sys/block/<dev>/uevent: udev runs its rules for the disk again, so a path that udev left
// unclaimed before its WWID was known is claimed now that its map exists.
struct TriggerUdevChange {
    std::string devnode;
    bool operator==(const TriggerUdevChange&) const = default;
};

// Persist the whole bindings file (atomically).
struct SaveBindings {
    Bindings bindings;
    bool operator==(const SaveBindings&) const = default;
};

// Persist the whole known-WWIDs list (atomically).
struct SaveKnownWwids {
    std::vector<std::string> wwids;
    bool operator==(const SaveKnownWwids&) const = default;
};

// Persist the WWIDs find_multipaths smart released as single-path disks (released_wwids_path()).
struct SaveReleasedWwids {
    std::vector<std::string> wwids;
    bool operator==(const SaveReleasedWwids&) const = default;
};

// For the D-Bus path-state signal and the daemon's structured journal entry.
struct PublishPathStateChange {
    std::string map;  // empty when the path is in no map
    std::string devnode;
    PathState old_state = PathState::Pending;
    PathState new_state = PathState::Pending;
    std::string reason;
    std::string wwid;  // of the path; not part of the text form
    bool operator==(const PublishPathStateChange&) const = default;
};

enum class MapChange {
    Created,
    Adopted,
    Reloaded,
    Removed,
    Renamed,
    GroupSwitched,
    AllPathsDown,      // no usable path left (I/O queued or failed per no_path_retry)
    QueueingDisabled,  // no_path_retry exhausted, or fail: queued I/O now fails
    QueueingRestored,  // a path came back: queue_if_no_path again
    PathsRestored,     // the first usable path is back
};
const char* to_string(MapChange c) noexcept;

// For the D-Bus map PropertiesChanged, the compact event stream and the structured journal entry.
struct PublishMapChange {
    std::string map;
    MapChange change = MapChange::Created;
    std::string detail;
    std::string wwid;  // of the map; not part of the text form
    bool operator==(const PublishMapChange&) const = default;
};

struct Log {
    LogLevel level = LogLevel::Info;
    std::string context;  // "mpatha: sdb"
    std::string message;
    bool operator==(const Log&) const = default;
};

using Action = std::variant<CreateMap, ReloadMap, RemoveMap, RenameMap, DmMessage, ReadMapStatus, StartCheck,
                            SyncRegistration, SetRecoveryTmo, EndTcpConnection, TunePath, TuneMapDevice,
                            TriggerUdevChange, SaveBindings, SaveKnownWwids, SaveReleasedWwids,
                            PublishPathStateChange, PublishMapChange, Log>;

std::string to_string(const Action& action);
std::string to_string(const std::vector<Action>& actions);  // one per line

}  // namespace pathkeeper::core
