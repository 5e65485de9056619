#pragma once
// Finds the SCSI paths of a dm-multipath map without the daemon, libudev or libdevmapper, so fencing works
// when the daemon is sick and start-up stays cheap: stat the device node, confirm through sysfs that it is a
// dm device, ask the kernel (DM_TABLE_STATUS) for its target type and status, and keep the paths dm
// considers active (status letter "A"). Device names come from the map's sysfs `slaves` directory.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace pathkeeper::mpathpersist {

// One target of a dm table as DM_TABLE_STATUS reports it.
struct DmTargetStatus {
    std::string type;    // "multipath"
    std::string params;  // the status text, without "<start> <length> <type>"
};

struct MapPath {
    core::DevT devt;
    std::string devnode;      // "sdc"; empty when sysfs does not list the device among the map's slaves
    std::string device_path;  // "/dev/sdc"
    std::string initiator;    // the SCSI host the path leaves through ("host3"); empty when unknown
    bool active = false;      // dm's "A"; failed paths are skipped
};

struct MapInfo {
    std::string device;  // as given on the command line
    core::DevT devt;
    std::string name;  // dm name
    std::string uuid;  // dm uuid, e.g. "mpath-3600..."
    std::vector<MapPath> paths;

    std::size_t active_count() const;
};

struct PathState {
    core::DevT devt;
    bool active = false;
};

// The per-path states in multipath status text, in table order. Pure; reuses the core status parser.
core::Result<std::vector<PathState>> parse_path_states(std::string_view status);

// Reads the live table's targets of device `devt` with DM_TABLE_STATUS on /dev/mapper/control.
using DmStatusReader = std::function<core::Result<std::vector<DmTargetStatus>>(core::DevT)>;
core::Result<std::vector<DmTargetStatus>> read_dm_status(core::DevT devt);

// The device number of a block device node. ErrorCode::NotFound when it does not exist,
// InvalidArgument when it is not a block device.
core::Result<core::DevT> block_device_number(const std::string& device);

// Everything after the stat: sysfs (below sysfs_root, "/sys" on a real system) and the dm status. Errors:
// NotSupported when the device is not a dm device or not a single multipath target, NotFound when sysfs
// does not know it, Io when the kernel refuses the ioctl.
core::Result<MapInfo> resolve_map(const std::string& device, core::DevT devt,
                                  const std::filesystem::path& sysfs_root, const DmStatusReader& read_status);

}  // namespace pathkeeper::mpathpersist
