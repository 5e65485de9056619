#pragma once
// What the imperative shell tells the engine. Engine::handle(event, now) answers each with actions.
//
// Startup protocol: the daemon sends PathAdded for every coldplugged path, then exactly one
// MapsDiscovered with the existing mpath-* maps (possibly none). Until MapsDiscovered the engine only
// checks paths; it plans maps once it knows both sides, so a map that already exists is adopted, not
// re-created or reloaded with half of its paths.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/actions.hpp"
#include "core/config.hpp"
#include "core/dm_table.hpp"
#include "core/holder_policy.hpp"
#include "core/local_links.hpp"
#include "core/model.hpp"
#include "core/path_registration.hpp"
#include "core/result.hpp"

namespace pathkeeper::core {

struct PathAdded {
    PathInfo path;
};

// udev "change" (or a re-read): new properties, size, WWID, ALUA support ...
struct PathChanged {
    PathInfo path;
};

struct PathRemoved {
    std::string devnode;
    // Open count of the map the path belonged to, read by the daemon just before: a map that is
    // still open is not removed when its last path leaves.
    unsigned map_open_count = 0;
};

// A worker began the check (it may have waited in the pool's queue first): the check's deadline runs from
// here. A check never reported as started is queued, and a queued check is never overdue.
struct CheckStarted {
    std::string devnode;
    std::uint64_t check_id = 0;
};

// The answer to a StartCheck. Results whose check_id is not the check in flight are ignored.
struct CheckerResult {
    CheckerResult() = default;
    CheckerResult(std::string dev, PathState s, std::string text, std::uint64_t id,
                  std::optional<int> measured = std::nullopt, std::optional<bool> rdac = std::nullopt)
        : devnode(std::move(dev)),
          state(s),
          message(std::move(text)),
          check_id(id),
          priority(measured),
          reports_rdac(rdac) {}

    std::string devnode;
    PathState state = PathState::Down;  // Up, Down or Ghost
    std::string message;                // "tur checker reports path is down"
    std::uint64_t check_id = 0;
    std::optional<int> priority;       // measured by the prioritizer the StartCheck named
    std::optional<bool> reports_rdac;  // page 0xC9's answer, when the StartCheck asked
};

// The answer to a SyncRegistration. Answers whose sync_id is not the sync in flight are ignored.
struct RegistrationSynced {
    std::string devnode;
    std::uint64_t sync_id = 0;
    RegistrationVerdict verdict = RegistrationVerdict::Failed;
    std::string detail;  // what the target said: "key 0xa1 registered", "RESERVATION CONFLICT ..."
};

// The answer to ReadMapStatus (or a status read on the daemon's own initiative).
struct DmStatusRead {
    std::string map;
    DmMultipathStatus status;
};

// The kernel signalled an event on a map (path failed on I/O error, group switched, ...).
struct DmEvent {
    std::string map;
};

struct ExistingMap {
    std::string name;
    std::string uuid;  // only "mpath-<wwid>" maps are adopted
    std::uint64_t size_sectors = 0;
    DmMultipathTable table;
    DmMultipathStatus status;
    unsigned open_count = 0;
};

// Once at startup, after the coldplug PathAdded events.
struct MapsDiscovered {
    std::vector<ExistingMap> maps;
};

// Time passed: run due checks, no_path_retry countdowns, delayed failback, retries.
struct Tick {};

// A new, already validated configuration (SIGHUP or Reconfigure).
struct ConfigApplied {
    Config config;
};

struct AdminFailPath {
    std::string devnode;
};
struct AdminReinstatePath {
    std::string devnode;
};
// multipathd's del path / add path: take a path out of its map's table (the disk stays; it is neither
// checked nor planned) until added back, or until the disk itself is removed and added again.
struct AdminRemovePath {
    std::string devnode;
};
struct AdminAddPath {
    std::string devnode;
};
struct AdminSwitchGroup {
    std::string map;
    unsigned group = 0;  // 1-based
};
// multipathd's disablequeueing / restorequeueing / forcequeueing: an administrator's no_path_retry for a map,
// in force until restored (a reconfigure keeps it).
enum class QueueingControl {
    Disable,  // no_path_retry fail: queued I/O fails now and nothing queues
    Restore,  // back to the configured no_path_retry
    Force,    // no_path_retry queue: I/O queues until a path returns, with no limit
};
const char* to_string(QueueingControl c) noexcept;  // "disable", "restore", "force"
std::optional<QueueingControl> parse_queueing_control(std::string_view text) noexcept;

struct AdminSetQueueing {
    std::string map;  // empty: every map
    QueueingControl control = QueueingControl::Restore;
    std::string by = "the administrator";  // for the log line
};
// multipath -a / -w / -W: the administrator edits the known-WWIDs list (find_multipaths on/strict reads it).
enum class KnownWwidsEdit {
    Add,     // the WWID (or the WWID of the path named) becomes known
    Remove,  // no longer known; refused while the WWID has a map (planning would add it back)
    Reset,   // only the WWIDs that have a map now stay
};
struct AdminEditKnownWwids {
    KnownWwidsEdit edit = KnownWwidsEdit::Add;
    std::string target;  // Add, Remove: a WWID or a path's devnode ("sdb"); Reset: unused
};
// multipathd's resize map: the map takes the size every path of it reports now, a shrink included.
struct AdminResizeMap {
    std::string map;  // name or WWID
};
// multipath -f / multipathd del map: remove a map (its kpartx partition maps first) and keep its WWID out of
// planning until AddMap, a new configuration, or a path of the WWID added again by the kernel. Refused by dm
// (the daemon names the holders) while the map or a partition is open, unless deferred.
struct AdminRemoveMap {
    std::string map;  // the map's name, or its WWID
    bool deferred = false;
};
// multipathd add map: plan a WWID removed by AdminRemoveMap (or outside the daemon) again.
struct AdminAddMap {
    std::string target;  // a WWID, or a disk ("sdb") of the WWID
};
// After a persistent reservation command of the administrator's (pathctl reservation): every path of the map
// checks its registration again, without leaving service, so what `show paths` says is current.
struct AdminSyncRegistrations {
    std::string map;  // name or WWID
};
using AdminRequest = std::variant<AdminFailPath, AdminReinstatePath, AdminRemovePath, AdminAddPath,
                                  AdminSwitchGroup, AdminSetQueueing, AdminEditKnownWwids, AdminRemoveMap,
                                  AdminAddMap, AdminResizeMap, AdminSyncRegistrations>;

// /sys/class/iscsi_session/session<N>/state changed ("LOGGED_IN", "FAILED", "FREE", ...).
struct IscsiSessionChanged {
    unsigned session_id = 0;
    std::string state;
};

// /sys/block/<dev>/device/state changed ("running", "offline", "transport-offline", "blocked", ...).
struct DeviceStateChanged {
    std::string devnode;
    std::string state;
};

// The path's ALUA access state changed (UNIT ATTENTION, sysfs access_state re-read).
struct AluaStateChanged {
    std::string devnode;
    AluaState state = AluaState::Unknown;
};

// Several paths' ALUA states changed at once. One REPORT TARGET PORT GROUPS updates every port group of the
// LU, so a poll usually sees a port group gain "optimized" and another lose it together: applied as one event
// they regroup the map once, instead of passing through a merged or wrongly ordered table in between.
struct AluaStatesChanged {
    std::vector<AluaStateChanged> changes;
};

struct ActionCompleted {
    Action action;
};
struct ActionFailed {
    Action action;
    Error error;
};

// uevents that arrived together (one read of the udev monitor), applied in order with the maps planned
// once at the end: planning is linear in the paths, so planning per uevent made a storm of N uevents cost
// N^2, and a map whose paths come in one batch is created with all of them instead of grown one by one.
struct PathEvents {
    std::vector<std::variant<PathAdded, PathChanged, PathRemoved>> events;
};

// Every SCSI disk present now, read again because uevents were lost (the udev monitor's socket overflowed).
// The engine applies the difference with the paths it knows, in one batch as PathEvents: a path it does not
// know is added, one it knows with other facts is changed, one missing is removed.
struct PathsReEnumerated {
    std::vector<PathInfo> paths;
};

// A map the engine loaded is no longer in dm: removed outside the daemon (`dmsetup remove`). It is dropped
// and its WWID withheld from planning until a path event of that WWID or a new configuration (see
// "Maps removed outside the daemon" in docs/design-decisions.md).
struct MapVanished {
    std::string map;
};

// What holds each map, read again (every polling interval while the daemon runs, and after map changes): by
// map name; nullopt when nothing is stacked on the map. Maps not named keep what was last read for them.
struct MapHoldersRead {
    std::map<std::string, std::optional<MapHolder>> holders;
};

// rtnetlink reported the host's network interfaces: each named one's whole state now (at startup every
// interface; then those whose flags or addresses changed). Drives local-link failover.
struct LocalLinksChanged {
    std::vector<LocalLinkState> links;
};

using Event =
    std::variant<PathAdded, PathChanged, PathRemoved, PathEvents, CheckerResult, DmStatusRead, DmEvent,
                 MapsDiscovered, Tick, ConfigApplied, AdminRequest, IscsiSessionChanged, DeviceStateChanged,
                 AluaStateChanged, ActionCompleted, ActionFailed, AluaStatesChanged, CheckStarted,
                 PathsReEnumerated, MapVanished, MapHoldersRead, RegistrationSynced, LocalLinksChanged>;

}  // namespace pathkeeper::core
