#pragma once
// SCSI VPD page 0x83 (Device Identification) and the WWID derived from it.
//
// The WWID must equal what udev puts in ID_SERIAL for the same LUN (that is what multipath-tools uses by
// default, uid_attribute ID_SERIAL), so that a path whose udev record lacks ID_SERIAL still lands in the same
// map as its siblings. ID_SERIAL comes from systemd's scsi_id (src/udev/scsi_id/scsi_serial.c), so the
// designator choice follows scsi_id's id_search_list, checked there:
//   only designators associated with the logical unit (association 0), first match in this order:
//   NAA IEEE Registered Extended (6), NAA IEEE Registered (5), any other NAA (first in page order),
//   EUI-64, T10 vendor id; binary code set before ASCII at each step.
// Prefix = designator type as one hex digit ("3" NAA, "2" EUI-64, "1" T10), then lower-case hex for binary
// designators or the text itself for ASCII ones; then udev's whitespace/character clean-up
// (runs of whitespace -> one '_', leading/trailing dropped, characters outside [0-9A-Za-z#+-.:=@_] and
// valid UTF-8 -> '_'). A page in the SCSI-2 format (byte 6 non-zero, old EMC Symmetrix) gives "3" + hex of
// the raw WWN, as in scsi_id.
// Beyond scsi_id, as a last resort: a SCSI name string designator starting "eui."/"naa."/"iqn." gives
// "2"/"3"/"8" + the text after that prefix (lower-cased for eui./naa.), as multipath-tools'
// parse_vpd_pg83() (libmultipath/discovery.c) does. Note that multipath-tools' own fallback ranks NAA
// locally-assigned (3) below T10 and SCSI name strings above EUI-64; we follow udev, whose ID_SERIAL is
// what multipath-tools actually groups by. scsi_id's vendor-specific (type 0) designators need INQUIRY
// vendor/model and are not used. Zero-length designators are skipped. A WWID the WWID rule (core/wwid.hpp)
// refuses (too long, non-ASCII text, '/') is an error, not cut: udev's ID_SERIAL for the same LUN is not cut
// either, and both must lead to the same answer.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/wwid.hpp"

namespace pathkeeper::core {

enum class DesignatorType : std::uint8_t {
    VendorSpecific = 0,
    T10VendorId = 1,
    Eui64 = 2,
    Naa = 3,
    RelativeTargetPort = 4,
    TargetPortGroup = 5,
    LogicalUnitGroup = 6,
    Md5LogicalUnit = 7,
    ScsiNameString = 8,
    ProtocolSpecificPort = 9,
    Uuid = 10,
};

enum class DesignatorAssociation : std::uint8_t {
    LogicalUnit = 0,
    TargetPort = 1,
    TargetDevice = 2,
    Reserved = 3
};

struct VpdDesignator {
    std::uint8_t protocol_id = 0;
    std::uint8_t code_set = 0;  // 1 binary, 2 ASCII, 3 UTF-8
    bool piv = false;
    DesignatorAssociation association = DesignatorAssociation::LogicalUnit;
    std::uint8_t type = 0;   // DesignatorType value (kept raw: reserved types exist)
    std::size_t offset = 0;  // byte offset of this descriptor's header in the page
    std::vector<std::uint8_t> value;
    bool operator==(const VpdDesignator&) const = default;
};

struct VpdPage83 {
    std::uint8_t peripheral = 0;  // byte 0: qualifier and device type
    std::vector<VpdDesignator> designators;
    bool scsi2_format = false;  // pre-SPC-3 reply: no descriptors, a raw WWN after the header
    std::vector<std::uint8_t> scsi2_wwn;
};

// Parses a raw page as read from sysfs `vpd_pg83` or an INQUIRY EVPD 0x83 reply. Bytes after the declared
// page length (zero padding of an SG_IO buffer) are ignored. Errors name the byte offset.
Result<VpdPage83> parse_vpd_pg83(std::span<const std::uint8_t> page);
Result<VpdPage83> parse_vpd_pg83(std::string_view page);

// The WWID (ID_SERIAL form) of a parsed page; NotFound when no designator qualifies, InvalidArgument when
// the chosen one gives a WWID the rule refuses.
Result<std::string> wwid_from_vpd_pg83(const VpdPage83& page);

// Converts the kernel's sysfs `wwid` attribute ("naa.6001405...", "eui.0025...", "t10.ATA  QEMU ...",
// "iqn....") to the same WWID form. The kernel picks its designator with a different preference than
// udev (it ranks SCSI name strings first), so prefer wwid_from_vpd_pg83() when vpd_pg83 is readable.
Result<std::string> wwid_from_sysfs_wwid(std::string_view text);

// Target port group of the port this page was read through (designator type 5, association target port),
// as ALUA reports it; nullopt when absent.
std::optional<std::uint16_t> target_port_group(const VpdPage83& page);

// udev's ID_SERIAL clean-up (udev_replace_whitespace + udev_replace_chars), exposed for callers that
// build WWIDs from other text.
std::string udev_clean_serial(std::string_view raw);

}  // namespace pathkeeper::core
