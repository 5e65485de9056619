#pragma once
// The one rule a WWID must pass wherever it enters: udev's ID_SERIAL, a WWID derived from sysfs VPD, the
// config's multipaths and blacklist entries, the bindings and known-WWIDs files, `pathctl plan` input.
//
// What udev (scsi_id's ID_SERIAL clean-up) and the kernel produce for SCSI logical units is printable ASCII
// without whitespace: hex NAA/EUI-64 ids ("3" or "2" + at most 32 hex digits), T10 vendor ids and udev's
// "<bus>_<vendor>_<model>_<serial>" serials with runs of whitespace turned into '_'. A WWID is also a map's
// name when it has no alias, the tail of its dm uuid ("mpath-<wwid>") and a line of the known-WWIDs file, so:
//  - 1 to wwid_max_chars bytes: dm keeps a uuid of at most 128 bytes (DM_UUID_LEN 129 with the NUL), and
//    "mpath-" takes 6 of them; real ids are far shorter (33 for a 16-byte NAA, about 70 for an ATA T10 id);
//  - printable ASCII only (0x21..0x7e): no whitespace or control characters (a newline would start another
//    line of a file or of the udev helper's KEY=value output), nothing a dm name would have to mangle;
//  - no '/', and not "." or "..": dm refuses those as names, the known-WWIDs file delimits its WWIDs with
//  '/',
//    and the udev helper's WWID index uses the WWID as a file name.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace pathkeeper::core {

inline constexpr std::size_t wwid_max_chars = 122;

// Ok, or InvalidArgument whose message quotes the WWID and says which part of the rule it breaks.
Result<void> check_wwid(std::string_view wwid);
bool valid_wwid(std::string_view wwid) noexcept;

// What an administrator names where a WWID is wanted (multipath -a/-w style): a path ("sdb", "/dev/sdb")
// stands for its WWID, anything else must be a WWID. wwid_of_path gives a known path's WWID ("" when it has
// none) or nullopt for no such path. InvalidArgument naming the target otherwise.
Result<std::string> resolve_wwid_target(
    std::string_view target, const std::function<std::optional<std::string>(std::string_view)>& wwid_of_path);

// A wwid pattern (blacklist) without regex operators names a WWID or a piece of one: if the rule refuses it,
// it can never match, which is a mistake worth reporting (e.g. a WWID pasted with a space). Ok for any
// pattern with regex operators.
Result<void> check_literal_wwid_pattern(std::string_view pattern);

}  // namespace pathkeeper::core
