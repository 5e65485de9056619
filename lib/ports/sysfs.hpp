#pragma once
// Port: the sysfs reads and writes the daemon makes after discovery (SCSI device state, ALUA state, iSCSI
// session state and recovery_tmo, the paths' transport timeouts and I/O size). The real adaptor works
// relative to a configurable sysfs root ("/sys" in production, a fake tree in a temp dir in tests).

#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"
#include "core/transport_tunables.hpp"

namespace pathkeeper::ports {

// /sys/block/sdX/device/state
enum class ScsiDeviceState {
    Running,
    Offline,
    Blocked,
    TransportOffline,
    Created,
    Cancel,
    Deleted,
    Quiesce,
    CreatedBlock,
    Unknown,
};

// /sys/class/iscsi_session/sessionN + its connection
struct IscsiSessionInfo {
    unsigned session_id = 0;
    std::string state;       // "LOGGED_IN", "FAILED", "FREE"
    std::string target_iqn;  // targetname
    std::string portal;      // "10.77.1.1:3260" ("[fe80::1]:3260" for IPv6)
    std::optional<unsigned> recovery_tmo_s;
    std::optional<unsigned> replacement_timeout_s;  // from open-iscsi's node record, when one is found
    // Where its connection is connected now (the connection's address and port); empty while it has none.
    std::string remote_address;
    unsigned remote_port = 0;
};

class Sysfs {
public:
    virtual ~Sysfs() = default;

    virtual core::Result<ScsiDeviceState> scsi_device_state(const std::string& devnode) = 0;
    // access_state of the device's ALUA port group; NotFound when the kernel exposes none (no TPGS / no alua
    // device handler attached).
    virtual core::Result<core::AluaState> alua_access_state(const std::string& devnode) = 0;
    // /sys/block/sdX/device/timeout in seconds: the default checker timeout.
    virtual core::Result<unsigned> scsi_timeout_s(const std::string& devnode) = 0;

    // The iSCSI session a disk belongs to; NotFound when the disk is not iSCSI.
    virtual core::Result<unsigned> iscsi_session_of(const std::string& devnode) = 0;
    virtual core::Result<IscsiSessionInfo> iscsi_session(unsigned session_id) = 0;
    virtual core::Result<std::vector<IscsiSessionInfo>> iscsi_sessions() = 0;
    virtual core::Result<std::string> iscsi_session_state(unsigned session_id) = 0;
    virtual core::Result<unsigned> iscsi_recovery_tmo(unsigned session_id) = 0;
    virtual core::Result<void> set_iscsi_recovery_tmo(unsigned session_id, unsigned seconds) = 0;
    // Writes "change" to /sys/block/<devnode>/uevent: the kernel sends a change uevent and udev runs its
    // rules for the disk again.
    virtual core::Result<void> trigger_change_uevent(const std::string& devnode) = 0;
    // Writes a path's SCSI settings (path_tuning.hpp): its FC remote port's fast_io_fail_tmo and
    // dev_loss_tmo, in an order the kernel accepts; its SCSI host's eh_deadline; its queue's max_sectors_kb,
    // no more than the queue's max_hw_sectors_kb. Every setting is tried; the error names each that failed
    // and why. The value: what was adjusted (a clamped max_sectors_kb), empty when nothing was. Blocking:
    // call from a worker.
    virtual core::Result<std::string> tune_path(const std::string& devnode, const core::PathTuning& tuning) {
        (void)devnode;
        (void)tuning;
        return core::Error{core::ErrorCode::NotSupported, "path settings are not supported here"};
    }
    // The max_sectors_kb of the map's dm device, found by the map's name; clamped as tune_path's.
    virtual core::Result<std::string> set_map_max_sectors_kb(const std::string& map, unsigned kb) {
        (void)map;
        (void)kb;
        return core::Error{core::ErrorCode::NotSupported, "map settings are not supported here"};
    }
    // The disk went away: drop whatever the adaptor keeps for it (open attribute files, resolved paths).
    virtual void forget_device(const std::string& devnode) { (void)devnode; }
};

inline const char* to_string(ScsiDeviceState state) noexcept {
    switch (state) {
        case ScsiDeviceState::Running:
            return "running";
        case ScsiDeviceState::Offline:
            return "offline";
        case ScsiDeviceState::Blocked:
            return "blocked";
        case ScsiDeviceState::TransportOffline:
            return "transport-offline";
        case ScsiDeviceState::Created:
            return "created";
        case ScsiDeviceState::Cancel:
            return "cancel";
        case ScsiDeviceState::Deleted:
            return "deleted";
        case ScsiDeviceState::Quiesce:
            return "quiesce";
        case ScsiDeviceState::CreatedBlock:
            return "created-blocked";
        case ScsiDeviceState::Unknown:
            return "unknown";
    }
    return "unknown";
}

}  // namespace pathkeeper::ports
