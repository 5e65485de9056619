#include "core/reservation_keys.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "core/config.hpp"
#include "core/text.hpp"
#include "core/wwid.hpp"

namespace pathkeeper::core {

namespace {

constexpr std::size_t fixed_key_width = 18;  // "0x" + 16 hex digits

bool has_control_bytes(std::string_view line) {
    return std::any_of(line.begin(), line.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return (b < 0x20 && c != '\t') || b == 0x7f;
    });
}

}  // namespace

Result<void> ReservationKeys::set(std::string_view wwid, std::uint64_t key, bool aptpl) {
    if (key == 0) {
        return make_error(ErrorCode::InvalidArgument, "a reservation key must not be zero");
    }
    if (auto checked = check_wwid(wwid); !checked) {
        return checked.error();
    }
    for (auto& entry : entries_) {
        if (entry.wwid == wwid) {
            entry.key = key;
            entry.aptpl = aptpl;
            return {};
        }
    }
    entries_.push_back({std::string(wwid), key, aptpl});
    return {};
}

bool ReservationKeys::remove(std::string_view wwid) {
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const ReservationKeyEntry& e) { return e.wwid == wwid; });
    if (it == entries_.end()) {
        return false;
    }
    entries_.erase(it);
    return true;
}

const ReservationKeyEntry* ReservationKeys::find(std::string_view wwid) const {
    for (const auto& entry : entries_) {
        if (entry.wwid == wwid) {
            return &entry;
        }
    }
    return nullptr;
}

Result<ReservationKeysFile> parse_reservation_keys(std::string_view text) {
    if (text.size() > reservation_keys_max_text_bytes) {
        return make_error(ErrorCode::InvalidArgument, "reservation keys file of " +
                                                          std::to_string(text.size()) + " bytes exceeds " +
                                                          std::to_string(reservation_keys_max_text_bytes));
    }
    ReservationKeysFile out;
    std::map<std::string, std::size_t, std::less<>> first_line;  // WWID -> line of its key
    const auto lines = text::split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view raw = lines[i];
        auto issue = [&](std::vector<LineIssue>& list, std::string reason) {
            list.push_back(LineIssue{i + 1, text::quote(raw, 200), std::move(reason)});
        };
        const std::string_view line = text::trim(raw);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        if (has_control_bytes(raw)) {
            issue(out.rejected, "control characters in line");
            continue;
        }
        const auto words = text::split_whitespace(line);
        if (words.size() != 2) {
            issue(out.rejected,
                  "expected \"<key> <wwid>\", found " + std::to_string(words.size()) + " words");
            continue;
        }
        const auto key = parse_hex_key(words[0]);
        if (!key) {
            issue(out.rejected, "\"" + text::quote(words[0]) + "\" is not a key (0x and 1 to 16 hex digits)");
            continue;
        }
        if (*key == 0) {
            issue(out.rejected, "zero key: a zero key means no key");
            continue;
        }
        if (auto checked = check_wwid(words[1]); !checked) {
            issue(out.rejected, checked.error().message);
            continue;
        }
        if (auto it = first_line.find(words[1]); it != first_line.end()) {
            issue(out.rejected, "WWID already has a key on line " + std::to_string(it->second) +
                                    "; the first line's key is used");
            continue;
        }
        first_line.emplace(std::string(words[1]), i + 1);
        const bool aptpl = words[0][1] == 'X';
        if (words[0].size() != fixed_key_width ||
            raw != std::string(words[0]) + " " + std::string(words[1])) {
            // multipath-tools finds a key exactly 18 bytes before " <wwid>" at the end of the line.
            issue(out.warnings,
                  "not in the form multipath-tools reads (0x, 16 hex digits, one space, the WWID); "
                  "written that way when the file is next saved");
        }
        (void)out.keys.set(words[1], *key, aptpl);  // cannot fail: key and WWID checked above
    }
    return out;
}

std::string format_reservation_key_field(std::uint64_t key, bool aptpl) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = aptpl ? "0X" : "0x";
    for (int shift = 60; shift >= 0; shift -= 4) {
        out += hex[(key >> shift) & 0xf];
    }
    return out;
}

std::string format_reservation_keys(const ReservationKeys& keys) {
    std::string out =
        "# pathkeeper persistent reservation keys, one \"<key> <wwid>\" line per map\n"
        "# (same format as multipath-tools' /etc/multipath/prkeys; 0X: registered with APTPL).\n"
        "# Maintained by pathkeeperd.\n";
    for (const auto& entry : keys.entries()) {
        if (entry.key == 0 || !valid_wwid(entry.wwid)) {
            continue;
        }
        out += format_reservation_key_field(entry.key, entry.aptpl);
        out += ' ';
        out += entry.wwid;
        out += '\n';
    }
    return out;
}

}  // namespace pathkeeper::core
