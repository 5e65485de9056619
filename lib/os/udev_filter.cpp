#include "os/udev_filter.hpp"

namespace pathkeeper::os {

std::optional<std::string> why_not_a_path(const BlockDeviceFacts& facts) {
    if (facts.subsystem != "block") {
        return "not a block device (subsystem '" + facts.subsystem + "')";
    }
    if (facts.devtype != "disk") {
        return "not a whole disk (devtype '" + facts.devtype + "')";
    }
    // sd driver names are "sd" + one or more lower-case letters; anything else (dm-*, loop*, ram*, zram*,
    // nvme*, md*, sr*, vd*, nbd*, rbd*, mmcblk*) is not a SCSI disk multipath can manage.
    const std::string& name = facts.sysname;
    bool sd_name = name.size() > 2 && name.starts_with("sd");
    for (std::size_t i = 2; sd_name && i < name.size(); ++i) {
        sd_name = name[i] >= 'a' && name[i] <= 'z';
    }
    if (!sd_name) {
        return "not a SCSI disk ('" + name + "')";
    }
    if (facts.devpath.find("/virtual/") != std::string::npos) {
        return "virtual device";
    }
    return std::nullopt;
}

}  // namespace pathkeeper::os
