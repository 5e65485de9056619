#pragma once
// SysfsStateWatch: notices the SCSI device states and ALUA access states that change without a uevent, at a
// fraction of the cost of reading every path's two attributes every second.
//
// Why sampling is enough: the kernel changes these states in whole units. A transport blocks and offlines a
// SCSI target's devices together (iSCSI session recovery, FC fast_io_fail: scsi_target_block/unblock), and
// one REPORT TARGET PORT GROUPS updates access_state of every path of the LU. So the once-a-second sweep
// reads one running device per SCSI target and one ALUA path per LU, and reads the whole target (or LU) when
// that one changed. What a unit-wide change does not cover is caught per path: a device that is not running
// is read every second (it is reinstated as soon as it runs again), a check that failed reads its device, and
// every check of an ALUA path reads that path's access_state (one port group of a LU changing alone is seen
// within the path's check interval). At 512 scsi_debug paths (8 targets, 256 LUs, checked every 5 s) that is
// about 370 reads a second instead of 1024: under the bench's emulation the reads were 15% of the idle
// daemon's CPU.
//
// Owned and called by the event-loop thread only; the reads are cached sysfs attributes (no device I/O).

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "core/model.hpp"
#include "ports/sysfs.hpp"

namespace pathkeeper::daemon {

class SysfsStateWatch {
public:
    explicit SysfsStateWatch(ports::Sysfs& sysfs) : sysfs_(sysfs) {}

    struct DeviceStateChange {
        std::string devnode;
        ports::ScsiDeviceState from = ports::ScsiDeviceState::Running;
        ports::ScsiDeviceState to = ports::ScsiDeviceState::Running;
    };
    // What the reads found, in the engine's terms: device changes one by one, ALUA changes as one batch (so a
    // group_by_prio map is regrouped once for the whole LU).
    struct Changes {
        std::vector<DeviceStateChange> devices;
        core::AluaStatesChanged alua;
        bool empty() const { return devices.empty() && alua.changes.empty(); }
    };

    // A path was added or its udev data changed: learn (or re-learn) its target, LU and ALUA support. A new
    // device is assumed running; its ALUA state is the one udev reported.
    void track(const core::PathInfo& path);
    void forget(const std::string& devnode);

    // The ALUA state last seen for the path, or nullopt when it is not an ALUA path or unknown here.
    std::optional<core::AluaState> alua_state(const std::string& devnode) const;

    // Once a second.
    Changes sweep();
    // After a check of the path finished: `usable` is whether the checker found it usable.
    Changes after_check(const std::string& devnode, bool usable);
    // Every ALUA path of the LU (an SDEV_UA uevent said the kernel is re-reading its port groups).
    Changes read_lu(const std::string& wwid);

private:
    struct Device {
        std::string target;  // "h:c:t", or the devnode itself when the SCSI address is unknown
        std::string wwid;
        bool tpgs = false;
        ports::ScsiDeviceState state = ports::ScsiDeviceState::Running;
        core::AluaState alua = core::AluaState::Unknown;
    };
    // Read one device's attribute; true when it changed (the change is added to `out`).
    bool read_device_state(const std::string& devnode, Device& device, Changes& out);
    bool read_alua_state(const std::string& devnode, Device& device, Changes& out);
    void unlink(const std::string& devnode, const Device& device);

    ports::Sysfs& sysfs_;
    std::map<std::string, Device> devices_;                  // devnode -> what was last seen
    std::map<std::string, std::set<std::string>> targets_;   // SCSI target -> its devnodes
    std::map<std::string, std::set<std::string>> alua_lus_;  // wwid -> its ALUA paths
    std::set<std::string> not_running_;  // devnodes last seen in a state other than running
};

}  // namespace pathkeeper::daemon
