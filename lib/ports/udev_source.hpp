#pragma once
// Port: discovery of SCSI disk paths (udev coldplug enumeration + hotplug monitor).
// Only whole SCSI disks (sd*) are candidates; partitions, dm-*, loop, ram, nvme, md, zram, sr, ... are
// filtered out inside the adaptor and never reach the caller.

#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace pathkeeper::ports {

// A SCSI disk that discovery saw. Either `path` is set (usable), or skip_reason says why it is not
// (e.g. "skipped: no usable WWID (no ID_SERIAL, vpd_pg83 has no NAA/EUI-64/T10/SCSI name designator)").
// A disk without a WWID is reported, never grouped by accident.
struct DiscoveredDisk {
    std::string devnode;  // kernel name, "sdb"
    core::DevT devt;
    std::optional<core::PathInfo> path;
    std::string skip_reason;
};

enum class UdevAction { Add, Change, Remove };

struct UdevEvent {
    UdevAction action = UdevAction::Add;
    // For Remove, only devnode and devt are meaningful (path is nullopt, skip_reason empty).
    DiscoveredDisk disk;
    // Set on a Change the kernel raised for a SCSI unit attention (udev SDEV_UA of the disk's scsi_device),
    // e.g. "ASYMMETRIC_ACCESS_STATE_CHANGED": the ALUA state in disk.path was re-read; regroup now.
    std::string unit_attention;
};

inline const char* to_string(UdevAction action) noexcept {
    switch (action) {
        case UdevAction::Add:
            return "add";
        case UdevAction::Change:
            return "change";
        case UdevAction::Remove:
            return "remove";
    }
    return "unknown";
}

class UdevSource {
public:
    virtual ~UdevSource() = default;

    // The monitor's netlink fd; the loop polls it for POLLIN. The monitor is started at construction, before
    // enumerate(), so nothing that appears in between is lost (it may be seen twice: add is idempotent).
    virtual int fd() const = 0;
    // Coldplug: every SCSI disk present now that udev has processed (the others follow as add events). After
    // lost uevents it runs on a worker thread while the loop calls receive() and refresh(): adaptors make
    // that safe.
    virtual core::Result<std::vector<DiscoveredDisk>> enumerate() = 0;
    // The next queued uevents in order, at most max_events, without blocking (empty when there is none).
    // While more are queued the fd stays readable, so the loop comes back for them after serving its other
    // sources: a storm of hundreds of uevents must not hold D-Bus answers and checker results for seconds.
    virtual std::vector<UdevEvent> receive(std::size_t max_events) = 0;
    // Re-reads one disk now (e.g. after an iSCSI session logged back in). NotFound when it is gone.
    virtual core::Result<DiscoveredDisk> refresh(const std::string& devnode) = 0;
    // True once, after uevents were lost (the monitor socket overflowed: ENOBUFS), as soon as receive() has
    // delivered every uevent queued before the loss: the caller enumerates again and applies the difference.
    // Adaptors that cannot lose uevents keep this default.
    virtual bool take_lost_uevents() { return false; }
};

}  // namespace pathkeeper::ports
