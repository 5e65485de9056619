#pragma once
// WWID of a SCSI device when udev gave no ID_SERIAL: from sysfs `vpd_pg83` (the same designator preference
// and prefix convention as multipath-tools / scsi_id, via the core VPD parser), else from the kernel's `wwid`
// attribute. The error message says what was missing, for the "skipped: no usable WWID" log line.

#include <filesystem>
#include <string>

#include "core/result.hpp"

namespace pathkeeper::os {

class SysfsTree;

core::Result<std::string> wwid_from_sysfs(const SysfsTree& sysfs,
                                          const std::filesystem::path& scsi_device_dir);

}  // namespace pathkeeper::os
