#pragma once
// Text formats udev and the kernel hand us device properties in:
//  - `udevadm info --query=property [--export]`: "KEY=VALUE" (or KEY='VALUE') lines;
//  - `udevadm info` / `udevadm info --export-db`: record lines "X: data" where E: carries "KEY=VALUE",
//    P: the devpath, N: the devnode, S: a symlink; --export-db separates devices by blank lines;
//  - a kernel uevent netlink datagram: "ACTION@DEVPATH\0KEY=VALUE\0...".
// All parsers are pure and reject malformed input with the line number (or byte offset) of the problem.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace pathkeeper::core {

using UdevProperties = std::map<std::string, std::string>;

struct UdevRecord {
    std::string devpath;                // "P:" ("/devices/platform/host2/.../block/sdb"), may be empty
    std::string devnode;                // "N:" ("sdb"), may be empty
    std::vector<std::string> symlinks;  // "S:" lines, in order
    UdevProperties properties;          // "E:" lines or bare KEY=VALUE lines
};

struct Uevent {
    std::string action;   // "add", "change", "remove", ...
    std::string devpath;  // "/devices/..."
    UdevProperties properties;
};

inline constexpr std::size_t udev_max_text_bytes = 16U << 20;  // a whole --export-db of a big host
inline constexpr std::size_t udev_max_records = 65536;
inline constexpr std::size_t udev_max_properties = 1024;  // per device
inline constexpr std::size_t udev_max_key_bytes = 256;
inline constexpr std::size_t udev_max_value_bytes = 4096;
inline constexpr std::size_t uevent_max_bytes = 64U << 10;

// One device's properties (either line style; other record lines are accepted and ignored). Blank lines
// are allowed only at the end: text holding several devices is an error, use parse_udev_database().
Result<UdevProperties> parse_udev_properties(std::string_view text);
// One device with its P:/N:/S: record lines.
Result<UdevRecord> parse_udev_record(std::string_view text);
// `udevadm info --export-db`: records separated by blank lines.
Result<std::vector<UdevRecord>> parse_udev_database(std::string_view text);
// A kernel uevent datagram. The ACTION/DEVPATH properties, when present, must agree with the header.
Result<Uevent> parse_uevent(std::string_view buffer);

// The names of the properties (sorted, as the map is), as PathInfo keeps them.
UdevPropertyNames property_names_of(const UdevProperties& properties);

// Whether udev's data claims the disk as a multipath path (DM_MULTIPATH_DEVICE_PATH=1, NotClaimed for any
// other value); Unknown when the property is absent (the membership rule did not run for it).
UdevClaim udev_claim_of(const UdevProperties& properties);

// Hands out one shared copy of each distinct set of property names, so that hundreds of disks of one kind
// hold one set between them. It keeps only the sets some disk still holds: a set no disk holds any more is
// dropped when a new one comes in.
class UdevPropertyNamePool {
public:
    // The pooled set equal to `names` (null stays null).
    UdevPropertyNames intern(UdevPropertyNames names);
    std::size_t size() const { return sets_.size(); }

private:
    std::vector<UdevPropertyNames> sets_;
};

}  // namespace pathkeeper::core
