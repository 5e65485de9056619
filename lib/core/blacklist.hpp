#pragma once
// Which devices may become multipath maps: blacklist and exceptions, as multipath-tools decides.
//
// Five independent categories are checked in multipath-tools' order: udev property, devnode,
// device (vendor/product), protocol, wwid. Within a category an exception wins over a blacklist rule (the
// exception only lifts that category: a WWID exception does not rescue a blacklisted devnode).
// Property rules are special: when any property exception exists (the built-in one is
// "(SCSI_IDENT_|ID_WWN)"), a device with none of the excepted properties is blacklisted ("missing
// property") - this keeps non-SCSI-identified devices out. A path whose udev properties are not known
// (empty map: simulation, or before udev has spoken) is not judged by property rules.

#include <string>

#include "core/config.hpp"
#include "core/model.hpp"

namespace pathkeeper::core {

enum class BlacklistCategory { None, Property, Devnode, Device, Protocol, Wwid };

// multipath-tools' protocol string for a transport: "scsi:iscsi", "scsi:fcp", "scsi:sas",
// "scsi:unspec" (other SCSI), "undef" (unknown).
std::string protocol_name(Transport transport);
const char* to_string(BlacklistCategory c) noexcept;

struct BlacklistVerdict {
    bool blacklisted = false;
    BlacklistCategory category = BlacklistCategory::None;  // what decided (for a blacklisted path)
    std::string reason;  // "devnode \"sr0\" matches blacklist \"!^(sd[a-z]|dasd[a-z]|nvme[0-9])\" (built-in)"
};

// multipath-tools 0.9.4's built-in rules (`multipath -t`): devnode "!^(sd[a-z]|dasd[a-z]|nvme[0-9])",
// the vendor/product rules for array management LUNs (LUNZ, Universal Xport, ...), and the property
// exception "(SCSI_IDENT_|ID_WWN)".
const BlacklistRules& builtin_blacklist();
const BlacklistRules& builtin_blacklist_exceptions();

// Checks `path` against exactly these lists.
BlacklistVerdict is_blacklisted(const BlacklistRules& blacklist, const BlacklistRules& exceptions,
                                const PathInfo& path);

// Checks `path` against the built-in rules plus the config's (user rules are added to the built-in
// ones, as multipath.conf's are).
BlacklistVerdict is_blacklisted(const Config& config, const PathInfo& path);

}  // namespace pathkeeper::core
