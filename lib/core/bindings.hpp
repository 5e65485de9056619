#pragma once
// Alias bindings and the known-WWIDs list, in the file formats of multipath-tools
// (/etc/multipath/bindings: "alias wwid" lines; /etc/multipath/wwids: "/wwid/" lines; '#' comments), so an
// admin migrating from multipathd keeps every device name.
//
// Rules checked against multipath-tools libmultipath/alias.c (0.9.x: add_binding, get_free_id,
// read_binding, format_devname, scan_devname, alias_compar) and wwids.c:
//  - user_friendly_names ids: 1 = <prefix>a ... 26 = <prefix>z, 27 = <prefix>aa ... like spreadsheet
//    columns, at most 7 letters (ids up to INT_MAX);
//  - bindings are kept sorted by "alias order": shorter alias first, equal length alphabetically, which is
//    numeric id order for one prefix;
//  - a new binding takes the lowest id that is neither bound nor taken by a map of another WWID ("names used
//    elsewhere"): gaps are filled;
//  - a WWID that already has a binding keeps it; if that name is taken by another map, allocation fails
//    (multipathd then names the map by its WWID) rather than silently renaming the device;
//  - one alias never names two WWIDs: a later line claiming a bound alias for another WWID is rejected;
//  - a line with an alias but no WWID, or a WWID the WWID rule (core/wwid.hpp) refuses, is rejected; extra
//  words are kept
//    with a warning; a WWID bound to two aliases keeps both lines (the alias that sorts first is used),
//    with a warning.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/wwid.hpp"

namespace pathkeeper::core {

struct Binding {
    std::string alias;
    std::string wwid;
    bool operator==(const Binding&) const = default;
};

// A line of a state file that was dropped (rejected) or kept with a remark (warning). line is 1-based.
struct LineIssue {
    std::size_t line = 0;
    std::string text;
    std::string reason;
    bool operator==(const LineIssue&) const = default;
};

inline constexpr std::size_t bindings_max_text_bytes = 16U << 20;
inline constexpr std::uint32_t alias_max_id = 2147483647U;  // INT_MAX, as multipath-tools
inline constexpr std::string_view default_alias_prefix = "mpath";

// Alias order of multipath-tools (alias_compar): shorter first, then byte-wise.
bool alias_less(std::string_view a, std::string_view b) noexcept;
// "<prefix>a" for 1, "<prefix>z" for 26, "<prefix>aa" for 27 ...; id must be >= 1.
std::string alias_for_id(std::string_view prefix, std::uint32_t id);
// The id of "<prefix>[a-z]{1,7}", or nullopt for any other name.
std::optional<std::uint32_t> alias_id(std::string_view alias, std::string_view prefix) noexcept;
// A usable map name: 1..127 bytes, no '/', no whitespace or control characters.
bool valid_alias(std::string_view alias) noexcept;

class Bindings {
public:
    // Adds alias -> wwid. Ok (no change) when exactly this binding exists; Conflict when the alias is bound
    // to another WWID; InvalidArgument for an unusable alias or WWID.
    Result<void> add(std::string_view alias, std::string_view wwid);
    // Removes every binding of the WWID; returns how many were removed.
    std::size_t remove_wwid(std::string_view wwid);

    // The alias of a WWID (the first in alias order when a corrupt file bound it twice).
    std::optional<std::string> alias_for(std::string_view wwid) const;
    std::optional<std::string> wwid_for(std::string_view alias) const;

    // user_friendly_names: the WWID's existing alias, else a new "<prefix><letters>" binding with the lowest
    // free id, skipping names in names_used_elsewhere (existing dm maps of *other* WWIDs, YAML aliases).
    // Conflict when the WWID's bound alias is in names_used_elsewhere; NotFound when no id is left.
    Result<std::string> allocate_alias(std::string_view prefix, std::string_view wwid,
                                       const std::set<std::string, std::less<>>& names_used_elsewhere);

    const std::vector<Binding>& entries() const noexcept { return entries_; }  // in alias order
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }
    bool operator==(const Bindings&) const = default;

private:
    std::vector<Binding> entries_;
};

struct BindingsFile {
    Bindings bindings;
    std::vector<LineIssue> rejected;  // dropped lines
    std::vector<LineIssue> warnings;  // kept, but worth a log line
};

// Keeps every valid binding of a possibly corrupt file; InvalidArgument only for text over the size cap.
Result<BindingsFile> parse_bindings(std::string_view text);
// A header comment, then one "alias wwid" line per binding in alias order (bindings holds valid ones only).
std::string format_bindings(const Bindings& bindings);

struct KnownWwidsFile {
    std::vector<std::string> wwids;  // file order, duplicates dropped
    std::vector<LineIssue> rejected;
};

Result<KnownWwidsFile> parse_known_wwids(std::string_view text);
// WWIDs the rule refuses are left out, so the file never holds a line its own parser rejects.
std::string format_known_wwids(const std::vector<std::string>& wwids);

// find_multipaths smart: the WWIDs whose lone path was held back and then released as a single-path disk,
// kept next to the known-WWIDs file in its format, so that the udev helper and a restarted daemon do not
// hold them again.
std::string released_wwids_path(std::string_view known_wwids_path);

}  // namespace pathkeeper::core
