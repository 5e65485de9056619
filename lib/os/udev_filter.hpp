#pragma once
// Which block devices are path candidates. Pure, so the rules are unit tested on synthetic inputs.

#include <optional>
#include <string>

namespace pathkeeper::os {

struct BlockDeviceFacts {
    std::string sysname;    // "sdb", "sdb1", "dm-0", "loop3", "nvme0n1"
    std::string subsystem;  // "block"
    std::string devtype;    // "disk" or "partition"
    std::string devpath;    // "/devices/platform/host2/session1/target2:0:0/2:0:0:1/block/sdb"
};

// nullopt when the device is a candidate path (a whole SCSI disk, sd*); otherwise why it is ignored.
std::optional<std::string> why_not_a_path(const BlockDeviceFacts& facts);

}  // namespace pathkeeper::os
