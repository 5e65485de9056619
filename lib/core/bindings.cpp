#include "core/bindings.hpp"

#include <algorithm>
#include <utility>

#include "core/text.hpp"

namespace pathkeeper::core {

namespace {

constexpr std::size_t max_name_bytes = 127;  // multipath-tools WWID_SIZE - 1; also dm's DM_NAME_LEN - 1
constexpr std::size_t max_letters = 7;       // "aaaaaaaa" would overflow an int id

bool plain_bytes(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b <= 0x20 || b == 0x7f;
    });
}

std::string_view strip_comment(std::string_view line) {
    const auto cut = line.find_first_of("#\r");
    return cut == std::string_view::npos ? line : line.substr(0, cut);
}

bool has_control_bytes(std::string_view line) {
    return std::any_of(line.begin(), line.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return (b < 0x20 && c != '\t' && c != '\r') || b == 0x7f;
    });
}

Error too_big(std::string_view what, std::size_t size) {
    return make_error(ErrorCode::InvalidArgument, std::string(what) + " of " + std::to_string(size) +
                                                      " bytes exceeds " +
                                                      std::to_string(bindings_max_text_bytes));
}

}  // namespace

bool alias_less(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) {
        return a.size() < b.size();
    }
    return a < b;
}

std::string alias_for_id(std::string_view prefix, std::uint32_t id) {
    std::string letters;
    for (std::uint64_t n = id; n >= 1; n = (n - 1) / 26) {
        letters.insert(letters.begin(), static_cast<char>('a' + (n - 1) % 26));
    }
    return std::string(prefix) + letters;
}

std::optional<std::uint32_t> alias_id(std::string_view alias, std::string_view prefix) noexcept {
    if (alias.size() <= prefix.size() || alias.substr(0, prefix.size()) != prefix ||
        alias.size() - prefix.size() > max_letters) {
        return std::nullopt;
    }
    std::uint64_t n = 0;
    for (const char c : alias.substr(prefix.size())) {
        if (c < 'a' || c > 'z') {
            return std::nullopt;
        }
        n = n * 26 + static_cast<std::uint64_t>(c - 'a') + 1;
    }
    if (n > alias_max_id) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(n);
}

bool valid_alias(std::string_view alias) noexcept {
    return !alias.empty() && alias.size() <= max_name_bytes && plain_bytes(alias) &&
           alias.find('/') == std::string_view::npos && alias != "." && alias != "..";
}

Result<void> Bindings::add(std::string_view alias, std::string_view wwid) {
    if (!valid_alias(alias)) {
        return make_error(ErrorCode::InvalidArgument, "invalid alias '" + text::quote(alias) + "'");
    }
    if (auto checked = check_wwid(wwid); !checked) {
        return checked.error();
    }
    const auto it =
        std::lower_bound(entries_.begin(), entries_.end(), alias,
                         [](const Binding& b, std::string_view a) { return alias_less(b.alias, a); });
    if (it != entries_.end() && it->alias == alias) {
        if (it->wwid == wwid) {
            return {};
        }
        return make_error(ErrorCode::Conflict,
                          "alias " + std::string(alias) + " is already bound to WWID " + it->wwid);
    }
    entries_.insert(it, Binding{std::string(alias), std::string(wwid)});
    return {};
}

std::size_t Bindings::remove_wwid(std::string_view wwid) {
    const auto before = entries_.size();
    std::erase_if(entries_, [&](const Binding& b) { return b.wwid == wwid; });
    return before - entries_.size();
}

std::optional<std::string> Bindings::alias_for(std::string_view wwid) const {
    for (const auto& b : entries_) {
        if (b.wwid == wwid) {
            return b.alias;
        }
    }
    return std::nullopt;
}

std::optional<std::string> Bindings::wwid_for(std::string_view alias) const {
    const auto it =
        std::lower_bound(entries_.begin(), entries_.end(), alias,
                         [](const Binding& b, std::string_view a) { return alias_less(b.alias, a); });
    if (it != entries_.end() && it->alias == alias) {
        return it->wwid;
    }
    return std::nullopt;
}

Result<std::string> Bindings::allocate_alias(std::string_view prefix, std::string_view wwid,
                                             const std::set<std::string, std::less<>>& names_used_elsewhere) {
    if (auto checked = check_wwid(wwid); !checked) {
        return checked.error();
    }
    if (!plain_bytes(prefix) || prefix.find('/') != std::string_view::npos ||
        prefix.size() + max_letters > max_name_bytes) {
        return make_error(ErrorCode::InvalidArgument, "invalid alias prefix '" + text::quote(prefix) + "'");
    }
    if (auto existing = alias_for(wwid)) {
        if (names_used_elsewhere.contains(*existing)) {
            return make_error(ErrorCode::Conflict, "WWID " + std::string(wwid) + " is bound to alias " +
                                                       *existing + ", which another map already uses");
        }
        return *existing;
    }
    std::set<std::uint32_t> used;
    for (const auto& b : entries_) {
        if (auto id = alias_id(b.alias, prefix)) {
            used.insert(*id);
        }
    }
    for (const auto& name : names_used_elsewhere) {
        if (auto id = alias_id(name, prefix)) {
            used.insert(*id);
        }
    }
    std::uint32_t id = 1;
    for (const std::uint32_t taken : used) {  // ascending: the first hole is the lowest free id
        if (taken != id) {
            break;
        }
        if (id == alias_max_id) {
            return make_error(ErrorCode::NotFound,
                              "no more available user_friendly_names with prefix " + std::string(prefix));
        }
        ++id;
    }
    std::string alias = alias_for_id(prefix, id);
    if (auto added = add(alias, wwid); !added) {
        return added.error();
    }
    return alias;
}

Result<BindingsFile> parse_bindings(std::string_view text) {
    if (text.size() > bindings_max_text_bytes) {
        return too_big("bindings file", text.size());
    }
    BindingsFile out;
    const auto lines = text::split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t line_no = i + 1;
        const std::string_view raw = lines[i];
        auto reject = [&](std::string reason) {
            out.rejected.push_back(LineIssue{line_no, text::quote(raw, 200), std::move(reason)});
        };
        if (has_control_bytes(raw)) {
            reject("control characters in line");
            continue;
        }
        const auto words = text::split_whitespace(strip_comment(raw));
        if (words.empty()) {
            continue;  // blank or comment
        }
        if (words.size() == 1) {
            reject("missing WWID after alias " + std::string(words[0]));
            continue;
        }
        const std::string_view alias = words[0];
        const std::string_view wwid = words[1];
        if (auto checked = check_wwid(wwid); !checked) {
            reject(checked.error().message);
            continue;
        }
        if (!valid_alias(alias)) {
            reject("invalid alias '" + text::quote(alias) + "'");
            continue;
        }
        const auto previous_alias = out.bindings.alias_for(wwid);
        const bool duplicate = out.bindings.wwid_for(alias) == std::string(wwid);
        if (auto added = out.bindings.add(alias, wwid); !added) {
            reject(added.error().message + "; keeping the earlier line");
            continue;
        }
        if (words.size() > 2) {
            out.warnings.push_back(
                LineIssue{line_no, text::quote(raw, 200), "extra words after the WWID ignored"});
        }
        if (duplicate) {
            out.warnings.push_back(LineIssue{line_no, text::quote(raw, 200), "duplicate line"});
        } else if (previous_alias) {
            out.warnings.push_back(LineIssue{line_no, text::quote(raw, 200),
                                             "WWID " + std::string(wwid) + " is also bound to alias " +
                                                 *previous_alias + "; " + *out.bindings.alias_for(wwid) +
                                                 " is used"});
        }
    }
    return out;
}

std::string format_bindings(const Bindings& bindings) {
    std::string out =
        "# pathkeeper alias bindings, one \"alias wwid\" per line\n"
        "# (same format as multipath-tools' /etc/multipath/bindings). Maintained by pathkeeperd.\n";
    for (const auto& b : bindings.entries()) {
        out += b.alias;
        out += ' ';
        out += b.wwid;
        out += '\n';
    }
    return out;
}

Result<KnownWwidsFile> parse_known_wwids(std::string_view text) {
    if (text.size() > bindings_max_text_bytes) {
        return too_big("known WWIDs file", text.size());
    }
    KnownWwidsFile out;
    std::set<std::string, std::less<>> seen;
    const auto lines = text::split_lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view raw = lines[i];
        auto reject = [&](std::string reason) {
            out.rejected.push_back(LineIssue{i + 1, text::quote(raw, 200), std::move(reason)});
        };
        const std::string_view line = text::trim(raw);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        if (has_control_bytes(raw)) {
            reject("control characters in line");
            continue;
        }
        if (line.front() != '/') {
            reject("not a /wwid/ line");
            continue;
        }
        const auto close = line.find('/', 1);
        if (close == std::string_view::npos) {
            reject("missing closing '/'");
            continue;
        }
        const std::string_view wwid = line.substr(1, close - 1);
        if (auto checked = check_wwid(wwid); !checked) {
            reject(checked.error().message);
            continue;
        }
        if (seen.insert(std::string(wwid)).second) {
            out.wwids.emplace_back(wwid);
        }
    }
    return out;
}

std::string format_known_wwids(const std::vector<std::string>& wwids) {
    std::string out =
        "# pathkeeper known WWIDs, one /wwid/ per line\n"
        "# (same format as multipath-tools' /etc/multipath/wwids). Maintained by pathkeeperd.\n";
    for (const auto& w : wwids) {
        if (!valid_wwid(w)) {
            continue;
        }
        out += '/';
        out += w;
        out += "/\n";
    }
    return out;
}

std::string released_wwids_path(std::string_view known_wwids_path) {
    const std::size_t slash = known_wwids_path.rfind('/');
    const std::string_view dir = slash == std::string_view::npos ? "" : known_wwids_path.substr(0, slash + 1);
    return std::string(dir) + "released-wwids";
}

}  // namespace pathkeeper::core
