#pragma once
// Which sd* disks reported which WWID, kept by the udev helper in a runtime directory (tmpfs), so that "does
// another disk report this WWID?" (find_multipaths on) costs a few system calls per uevent, however many
// disks the host has.
//
//   <dir>/by-wwid/<wwid>/<disk>   empty file: <disk> reported <wwid>
//   <dir>/by-disk/<disk>          symlink to <wwid>: what <disk> reported last (to move or drop its entry)
//
// The index comes into being whole: the first event builds it from one scan of sysfs in a private directory
// and renames that into place, so a udev worker sees no index or a complete one. From then on each disk's own
// uevent records it and its remove event forgets it. Every step is one create, rename or unlink, so
// concurrent udev workers never see a half-written entry; an entry left behind by a crash is ignored when
// its disk is gone from sysfs or reports another WWID now.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::os {

class SysfsTree;

// The WWID a disk is filed and looked up under, the one key form of the index: what its SCSI device's sysfs
// gives (vpd_pg83, else the kernel's `wwid`), which a udev worker can read for any disk, so the build scan
// and every disk's own event agree. udev's ID_SERIAL, which the helper answers with, may spell the same LU
// otherwise (sg3_utils' rules, scsi_id's fallback to page 0x80). `udev_wwid` only when sysfs gives none;
// empty when neither does (the disk is not indexed).
std::string indexed_wwid(const SysfsTree& sysfs, const std::string& disk, const std::string& udev_wwid);

class PathWwidIndex {
public:
    // `sysfs_root` is checked for the disks an entry names ("<root>/block/<disk>").
    PathWwidIndex(std::filesystem::path dir, std::filesystem::path sysfs_root);

    bool exists() const;
    // Builds the index from (disk, wwid) pairs unless another process has built it meanwhile (not an error).
    core::Result<void> create(const std::vector<std::pair<std::string, std::string>>& disks) const;
    // `disk` reports `wwid` now (moving it from the WWID it reported before). The WWID must pass the WWID
    // rule and the disk name must be a plain file name.
    core::Result<void> record(const std::string& disk, const std::string& wwid) const;
    // `disk` is gone.
    core::Result<void> forget(const std::string& disk) const;
    // Is another disk, present in sysfs, recorded with `wwid`?
    bool another_disk_has(const std::string& wwid, const std::string& disk) const;

private:
    std::filesystem::path dir_;
    std::filesystem::path sysfs_root_;
};

}  // namespace pathkeeper::os
