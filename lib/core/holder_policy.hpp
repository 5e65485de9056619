#pragma once
// Redundancy-aware queueing: what holds a multipath map decides whether its I/O should queue when its last
// path fails. Queueing protects a map with nothing redundant above it; under a mirror (md RAID, LVM
// raid/mirror LV) whose other copy is healthy it only stalls the whole mirror until no_path_retry runs out,
// since the redundant layer never sees an error and so never drops the dead leg. See "Redundancy-aware
// queueing" in docs/design-decisions.md.
//
// The verdict:
//  - fail fast when the redundant layer keeps an in-sync copy without this map: raid1 / mirror with another
//    in-sync leg, raid4 / raid5 / raid10 not degraded, raid6 degraded by less than two; or when the layer has
//    already failed this map's leg (nothing above waits for it any more);
//  - queue otherwise (the other copies are degraded or syncing: this map may hold the only good copy; an
//    array that is not running).
// The verdict replaces a no_path_retry that was not set explicitly for the map (built-in, built-in device
// table, defaults, devices rules); a multipaths entry, overrides or the administrator's `pathctl queueing`
// win over it. A queue verdict keeps the configured no_path_retry: it never makes queue what the
// configuration lets fail.

#include <optional>
#include <string>

#include "core/config.hpp"

namespace pathkeeper::core {

// The map's own leg as the redundant layer sees it.
enum class LegState {
    InSync,   // md "in_sync", LVM 'A'
    Syncing,  // a member being rebuilt: md spare / recovering, LVM 'a'
    Faulty,   // md "faulty", LVM 'D'
    Unknown,
};
const char* to_string(LegState s) noexcept;  // "in_sync", "syncing", "faulty", "unknown"

// What holds a multipath map: the first redundant layer found above it (through its partition maps and
// linear dm devices such as an LV's _rimage_N), or else the first device stacked on it.
struct MapHolder {
    std::string device;  // "md0", or the dm name ("vg0-mirror", "mpatha1")
    // "md raid1", "LVM raid5", "LVM mirror" for a redundant layer; "md raid0", "LVM volume", "partition map",
    // "dm device", "device" otherwise.
    std::string kind;
    bool redundant = false;
    // A redundant layer's facts (ignored otherwise).
    std::string level;           // "raid1", "raid4", "raid5", "raid6", "raid10", "mirror"
    bool running = true;         // md array_state neither inactive nor clear
    unsigned members = 0;        // md raid_disks, LVM legs
    unsigned degraded = 0;       // members missing or not in sync
    unsigned other_in_sync = 0;  // members other than this map's leg holding an in-sync copy
    LegState leg = LegState::Unknown;

    bool operator==(const MapHolder&) const = default;
};

struct HolderVerdict {
    bool fail_fast = false;
    std::string reason;  // "md0 (raid1) has another in-sync leg: fail fast"

    bool operator==(const HolderVerdict&) const = default;
};

// nullopt when the holder is not redundant: the configured no_path_retry stands.
std::optional<HolderVerdict> decide_holder_verdict(const MapHolder& holder);

// Whether a no_path_retry resolved from this origin gives way to a holder's verdict (not set explicitly for
// the map: built-in, built-in device table, defaults, devices).
bool yields_to_holder(Origin configured) noexcept;

// The map's no_path_retry under the verdict: fail with Origin::Holder for a fail-fast verdict on a value
// that yields; the configured one otherwise.
Resolved<NoPathRetry> apply_holder_verdict(const Resolved<NoPathRetry>& configured,
                                           const HolderVerdict& verdict);

// Whether the map's no_path_retry is a redundant holder's fail-fast verdict: then even its last path fails
// over fast, so the holder drops the leg instead of waiting out the session's recovery.
bool holder_fails_fast(const Resolved<NoPathRetry>& no_path_retry) noexcept;

}  // namespace pathkeeper::core
