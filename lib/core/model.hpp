#pragma once
// The topology model: what pathkeeper knows about SCSI paths and the dm-multipath maps built on them.
//
// Path states (the checker's view of one path; dm's own view is DmPathState):
//   Up       the checker says the path can carry I/O.
//   Down     the checker says it cannot (transport gone, device offline, TUR failed, I/O error).
//   Ghost    the path answers but is a standby port (ALUA standby / NOT READY "in standby");
//            it stays in the map, in a lower-priority group, and carries I/O only after a group switch.
//   Pending  a check is in flight and no result has arrived yet (new path, or a path being re-checked).
//   Shaky    the path is up but failed again shortly after being reinstated; flap damping holds it
//            out of I/O (failed in dm) until it has stayed up for the hold-out period.
// A path is usable for I/O when its checker state is Up or Ghost; dm is then told to reinstate it.

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::core {

// A block device number "major:minor" as dm tables spell it.
struct DevT {
    unsigned major = 0;
    unsigned minor = 0;

    std::string to_string() const;
    static Result<DevT> parse(std::string_view text);  // "8:16"
    auto operator<=>(const DevT&) const = default;
};

enum class Transport { Unknown, Iscsi, Fc, Sas, Other };
const char* to_string(Transport t) noexcept;
Result<Transport> parse_transport(std::string_view text);

enum class PathState { Up, Down, Ghost, Pending, Shaky };
const char* to_string(PathState s) noexcept;
Result<PathState> parse_path_state(std::string_view text);
inline bool is_usable(PathState s) noexcept {
    return s == PathState::Up || s == PathState::Ghost;
}

// dm-multipath's own per-path state, as `dmsetup status` reports it.
enum class DmPathState { Active, Failed, Unknown };
const char* to_string(DmPathState s) noexcept;

// SCSI ALUA asymmetric access state of the target port group a path leads to.
enum class AluaState {
    Unknown,
    ActiveOptimized,
    ActiveNonOptimized,
    Standby,
    Unavailable,
    Transitioning,
    Offline,
    LbaDependent
};
const char* to_string(AluaState s) noexcept;
// Parses the kernel's sysfs `access_state` spelling ("active/optimized", "standby", ...).
Result<AluaState> parse_alua_state(std::string_view text);
// Priority multipath-tools' alua/sysfs prioritizers give each state (higher is better): optimized 50,
// non-optimized 10, lba-dependent 5, standby 1, others 0 (libmultipath/prioritizers/alua.c, sysfs.c).
int alua_priority(AluaState s) noexcept;
// Same, plus 80 when the port has the preferred bit (PREF / sysfs preferred_path = 1) and is not
// active/optimized, or always with the `exclusive_pref_bit` prio argument, as multipath-tools does.
int alua_priority(AluaState s, bool preferred_port, bool exclusive_pref_bit = false) noexcept;

struct ScsiAddress {
    unsigned host = 0;
    unsigned channel = 0;
    unsigned target = 0;
    std::uint64_t lun = 0;

    std::string to_string() const;  // "2:0:0:1"
    static Result<ScsiAddress> parse(std::string_view text);
    auto operator<=>(const ScsiAddress&) const = default;
};

struct IscsiInfo {
    unsigned session_id = 0;    // N of /sys/class/iscsi_session/sessionN
    std::string target_iqn;     // targetname
    std::string portal;         // "10.77.1.1:3260"
    std::string session_state;  // LOGGED_IN, FAILED, FREE, ...
    std::optional<unsigned> recovery_tmo_s;
    // node.session.timeo.replacement_timeout of the session's record in open-iscsi's node database: the
    // recovery_tmo the admin configured, which sysfs no longer shows once the daemon has set its own.
    std::optional<unsigned> replacement_timeout_s;
    // The session's TCP connection: the host's source address (its iSCSI host's ipaddress) and the target
    // address and port it is connected to; empty while the kernel shows none (the session is down).
    std::string local_address;
    std::string remote_address;
    unsigned remote_port = 0;
};

// The names of a disk's udev properties, sorted by name. Immutable and shared: disks of one kind carry the
// same names, so the udev adaptor gives all disks with one set the same copy (core::UdevPropertyNamePool),
// and copying a PathInfo, as every plan does, copies a pointer (the memory saved: docs/design-decisions.md).
using UdevPropertyNames = std::shared_ptr<const std::vector<std::string>>;

// udev's verdict on a disk from its last event (DM_MULTIPATH_DEVICE_PATH, set by pathkeeper-udev-helper): a
// claimed disk is left alone by blkid, LVM and systemd. Unknown when udev's data does not say (plan input,
// simulation, a host without the rule).
enum class UdevClaim { Unknown, Claimed, NotClaimed };

// Everything discovery learned about one SCSI disk (udev, sysfs, VPD). Pure data.
struct PathInfo {
    std::string devnode;  // kernel name, "sdb"
    DevT devt;
    std::string wwid;  // same form as udev's ID_SERIAL / multipath-tools, e.g. "36001405..."
    std::string vendor;
    std::string product;
    std::string revision;
    std::string serial;  // unit serial number (VPD 0x80), for group_by_serial
    Transport transport = Transport::Unknown;
    std::optional<ScsiAddress> hctl;
    std::optional<IscsiInfo> iscsi;
    std::string node_name;           // iSCSI target name (IQN) or FC node WWN: for group_by_node_name
    std::uint64_t size_sectors = 0;  // 512-byte sectors
    bool tpgs = false;               // device reports ALUA support (TPGS != 0)
    // ALUA target port group of the port this path goes through (VPD 0x83 target port group designator),
    // for group_by_tpg; unset when the device reports none.
    std::optional<std::uint16_t> tpg_id;
    AluaState alua_state = AluaState::Unknown;
    std::optional<int> priority;  // explicit priority (simulation, plan input); else derived
    // What the checks learned, kept across udev changes of the disk: the priority an array prioritizer
    // measured (rdac, emc, path_latency, ...), and whether INQUIRY page 0xC9 named an RDAC controller
    // (detect_checker). nullopt until measured / asked.
    std::optional<int> measured_priority;
    std::optional<bool> reports_rdac;
    // Null when udev's data is unknown (plan input, an incomplete record). Names only: blacklist "property"
    // rules match names, never values.
    UdevPropertyNames udev_property_names;
    UdevClaim udev_claim = UdevClaim::Unknown;
};

}  // namespace pathkeeper::core
