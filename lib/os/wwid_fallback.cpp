#include "os/wwid_fallback.hpp"

#include "core/vpd.hpp"
#include "os/sysfs_tree.hpp"

namespace pathkeeper::os {

core::Result<std::string> wwid_from_sysfs(const SysfsTree& sysfs,
                                          const std::filesystem::path& scsi_device_dir) {
    // vpd_pg83 first: the core picks the designator exactly as udev's scsi_id does, so the answer matches the
    // ID_SERIAL sibling paths have. The kernel's `wwid` attribute ranks designators differently: last resort.
    std::string why;
    if (auto page = sysfs.read_binary(scsi_device_dir / "vpd_pg83")) {
        auto parsed = core::parse_vpd_pg83(std::span<const std::uint8_t>(page->data(), page->size()));
        if (!parsed) {
            why = "vpd_pg83 unreadable: " + parsed.error().message;
        } else if (auto wwid = core::wwid_from_vpd_pg83(*parsed)) {
            return *wwid;
        } else if (wwid.error().code == core::ErrorCode::NotFound) {
            why = "vpd_pg83 has no NAA/EUI-64/T10/SCSI name designator";
        } else {
            why = "vpd_pg83 refused: " + wwid.error().message;
        }
    } else {
        why = "no vpd_pg83";
    }
    if (auto text = sysfs.read_attribute(scsi_device_dir / "wwid"); text && !text->empty()) {
        if (auto wwid = core::wwid_from_sysfs_wwid(*text)) {
            return *wwid;
        } else {
            why += "; sysfs wwid '" + *text + "' unusable: " + wwid.error().message;
        }
    } else {
        why += "; no sysfs wwid";
    }
    return core::Error{core::ErrorCode::NotFound, why};
}

}  // namespace pathkeeper::os
