#pragma once
// Is this disk a path of a multipath map? The one rule, shared by the map planner (pathkeeperd and
// `pathctl plan`) and the udev helper (56-pathkeeper.rules), so udev and the daemon never disagree.
//
// In order: a disk without a WWID, with one the WWID rule (core/wwid.hpp) refuses, or blacklisted, never is.
// Otherwise its WWID decides: taken when it has a multipaths: entry, is in the known-WWIDs list or already
// has a map; else find_multipaths decides (greedy: always; on: when another disk reports the same WWID;
// strict: never; smart: as on, but a lone first path is held back - claimed, not mapped - until
// find_multipaths_timeout after it was first seen, then released to the system and not held again).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/duration.hpp"
#include "core/model.hpp"

namespace pathkeeper::core {

enum class MemberReason {
    NoWwid,                // not a member
    InvalidWwid,           // not a member: the WWID rule refuses it
    Blacklisted,           // not a member
    MultipathsEntry,       // member
    KnownWwid,             // member
    ExistingMap,           // member
    FindMultipathsGreedy,  // member
    AnotherPathHasWwid,    // member (find_multipaths on or smart)
    NotKnown,              // not a member (find_multipaths on with one path, or strict)
    HeldForSecondPath,     // not a member yet, but held back (claimed) waiting for a second path (smart)
    HoldExpired,           // not a member: the hold ended now; the caller remembers the release (smart)
    Released,              // not a member: held once and released as a single-path disk (smart)
};
const char* to_string(MemberReason reason) noexcept;

struct MemberDecision {
    bool member = false;
    bool held = false;  // HeldForSecondPath: claimed from the system although not (yet) a map member
    MemberReason reason = MemberReason::NotKnown;
    std::string blacklist_reason;  // for Blacklisted: the rule that matched; for InvalidWwid: why
};

// What the caller knows about the disk's WWID beyond the configuration. The questions are asked only
// when their answer decides (the udev helper reads a file and scans sysfs for them); empty means no.
struct MembershipFacts {
    std::function<bool()> wwid_known;  // in the known-WWIDs list?
    bool map_exists = false;           // a map for the WWID exists already
    // find_multipaths on: does another disk report the same WWID?
    std::function<bool()> another_path_has_wwid;
    // find_multipaths smart: was the WWID already held and released (never held again)? When was its first
    // path first seen (unset: now), and what time is it now? Time is passed in: the rule reads no clock.
    std::function<bool()> wwid_released;
    std::optional<Millis> first_seen;
    Millis now{0};
};

// find_multipaths smart: when the hold of a WWID whose first path was seen at `first_seen` ends.
Millis smart_hold_deadline(Millis first_seen, Millis timeout) noexcept;

// The disk's own part of the rule (no WWID, invalid WWID, blacklisted): final whatever other disks report.
// nullopt when the WWID decides.
std::optional<MemberDecision> excluded_disk(const Config& config, const PathInfo& path);

// The WWID's part of the rule, for a disk excluded_disk() lets through. `mode` is the config's
// resolved find_multipaths.
MemberDecision decide_wwid_membership(const Config& config, FindMultipaths mode, std::string_view wwid,
                                      const MembershipFacts& facts);

// The whole rule for one disk. The planner applies the two parts above separately because it groups
// the disks by WWID in between (an excluded disk is nobody's "other path").
MemberDecision decide_membership(const Config& config, FindMultipaths mode, const PathInfo& path,
                                 const MembershipFacts& facts);

}  // namespace pathkeeper::core
