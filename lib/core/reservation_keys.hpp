#pragma once
// The reservation keys file: the key of every map whose reservation_key is "file", per WWID, in the format of
// multipath-tools' prkeys file (/etc/multipath/prkeys), so either tool reads the keys the other wrote.
//
// Format, as multipath-tools reads and writes it (libmultipath/prkey.c):
//  - one "<key> <wwid>" line per map; the key is written "0x" and 16 lower-case hex digits (fixed width:
//    multipath-tools finds the key 18 bytes before the WWID);
//  - an upper-case "0X" marks a key registered with APTPL (activate persist through power loss);
//  - '#' starts a comment line; multipath-tools removes a key by turning the first byte of its line into
//    '#', so a commented-out key is simply not there;
//  - a WWID listed twice: multipath-tools uses the first line, and so does this parser.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bindings.hpp"  // LineIssue
#include "core/result.hpp"

namespace pathkeeper::core {

inline constexpr std::size_t reservation_keys_max_text_bytes = 16U << 20;

struct ReservationKeyEntry {
    std::string wwid;
    std::uint64_t key = 0;  // never 0
    bool aptpl = false;
    bool operator==(const ReservationKeyEntry&) const = default;
};

class ReservationKeys {
public:
    // Sets the WWID's key, in place when it has one (the file keeps its order), else at the end.
    // InvalidArgument for a zero key (it means "no key": use remove) or a WWID the WWID rule refuses.
    Result<void> set(std::string_view wwid, std::uint64_t key, bool aptpl);
    // Removes the WWID's key; false when it had none.
    bool remove(std::string_view wwid);
    const ReservationKeyEntry* find(std::string_view wwid) const;

    const std::vector<ReservationKeyEntry>& entries() const noexcept { return entries_; }  // file order
    std::size_t size() const noexcept { return entries_.size(); }
    bool empty() const noexcept { return entries_.empty(); }
    bool operator==(const ReservationKeys&) const = default;

private:
    std::vector<ReservationKeyEntry> entries_;
};

struct ReservationKeysFile {
    ReservationKeys keys;
    std::vector<LineIssue> rejected;  // dropped lines
    std::vector<LineIssue> warnings;  // kept, but worth a log line
};

// Keeps every valid line of a possibly corrupt file; InvalidArgument only for text over the size cap.
Result<ReservationKeysFile> parse_reservation_keys(std::string_view text);
// A header comment, then one line per key in the fixed-width form multipath-tools reads.
std::string format_reservation_keys(const ReservationKeys& keys);
// "0x" + 16 hex digits, "0X" with APTPL: the key as the file spells it.
std::string format_reservation_key_field(std::uint64_t key, bool aptpl);

}  // namespace pathkeeper::core
