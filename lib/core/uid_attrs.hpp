#pragma once
// Which udev property holds a path's WWID: uid_attrs ("sd:ID_SERIAL nvme:ID_WWN", matched against the start
// of the kernel name, as multipath.conf's uid_attrs) before the device's uid_attribute. The property's value
// is then checked by the one WWID rule (core/wwid.hpp) like any other WWID.

#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace pathkeeper::core {

struct UidAttr {
    std::string devnode_prefix;  // "sd": matches sda, sdb, ...
    std::string property;        // "ID_SERIAL"
    bool operator==(const UidAttr&) const = default;
};

// A udev property name as udev writes them: letters, digits and '_', not starting with a digit.
bool valid_udev_property_name(std::string_view name) noexcept;

// "sd:ID_SERIAL nvme:ID_WWN" -> the records; empty text -> none. InvalidArgument names the bad record.
Result<std::vector<UidAttr>> parse_uid_attrs(std::string_view text);

// The property holding the WWID of `devnode`: the first uid_attrs record whose prefix starts the name,
// else `uid_attribute`.
std::string wwid_property_for(std::string_view devnode, const std::vector<UidAttr>& uid_attrs,
                              std::string_view uid_attribute);

// The property holding the WWID of a disk with this kernel name and inquiry strings, as the configuration
// says: uid_attrs, else the uid_attribute the device's rules resolve to (multipaths entries are keyed by the
// WWID this answers the way to, so they cannot set it).
std::string wwid_property_of(const Config& config, std::string_view devnode, std::string_view vendor,
                             std::string_view product, std::string_view revision);

}  // namespace pathkeeper::core
