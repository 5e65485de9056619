#include "core/udev_properties.hpp"

#include <algorithm>
#include <utility>

#include "core/text.hpp"

namespace pathkeeper::core {

namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::InvalidArgument, std::move(message));
}

bool valid_key(std::string_view key) {
    if (key.empty() || key.size() > udev_max_key_bytes) {
        return false;
    }
    return std::all_of(key.begin(), key.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b > 0x20 && b < 0x7f && c != '=';
    });
}

bool valid_value(std::string_view value) {
    if (value.size() > udev_max_value_bytes) {
        return false;
    }
    return std::none_of(value.begin(), value.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return (b < 0x20 && c != '\t') || b == 0x7f;
    });
}

// Validates and stores one KEY=VALUE assignment; `where` prefixes error messages ("line 3", "byte 40").
Result<void> add_property(UdevProperties& properties, std::string_view assignment, const std::string& where) {
    const auto eq = assignment.find('=');
    if (eq == std::string_view::npos) {
        return invalid(where + ": '" + text::quote(assignment) + "' is not KEY=VALUE");
    }
    const std::string_view key = assignment.substr(0, eq);
    std::string_view value = assignment.substr(eq + 1);
    if (!valid_key(key)) {
        return invalid(where + ": bad property name '" + text::quote(key) + "'");
    }
    // `udevadm info --query=property --export` quotes values: KEY='VALUE'.
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
        value = value.substr(1, value.size() - 2);
    }
    if (!valid_value(value)) {
        return invalid(where + ": value of " + std::string(key) + " is too long or holds control characters");
    }
    if (properties.size() >= udev_max_properties) {
        return invalid(where + ": more than " + std::to_string(udev_max_properties) + " properties");
    }
    if (!properties.emplace(std::string(key), std::string(value)).second) {
        return invalid(where + ": duplicate property " + std::string(key));
    }
    return {};
}

// Parses the lines [first, last) of one record.
Result<UdevRecord> parse_record_lines(const std::vector<std::string_view>& lines, std::size_t first,
                                      std::size_t last) {
    UdevRecord record;
    for (std::size_t i = first; i < last; ++i) {
        const std::string where = "line " + std::to_string(i + 1);
        const std::string_view line = lines[i];
        const bool record_line = line.size() >= 2 && line[0] >= 'A' && line[0] <= 'Z' && line[1] == ':';
        if (!record_line) {
            if (auto r = add_property(record.properties, line, where); !r) {
                return r.error();
            }
            continue;
        }
        std::string_view data = line.substr(2);
        if (!data.empty() && data.front() == ' ') {
            data.remove_prefix(1);
        }
        if (!valid_value(data)) {
            return invalid(where + ": record line is too long or holds control characters");
        }
        switch (line[0]) {
            case 'E':
                if (auto r = add_property(record.properties, data, where); !r) {
                    return r.error();
                }
                break;
            case 'P':
                if (data.empty() || data.front() != '/') {
                    return invalid(where + ": devpath '" + text::quote(data) + "' does not start with '/'");
                }
                record.devpath = std::string(data);
                break;
            case 'N':
                record.devnode = std::string(data);
                break;
            case 'S':
                if (record.symlinks.size() >= udev_max_properties) {
                    return invalid(where + ": too many symlinks");
                }
                record.symlinks.emplace_back(data);
                break;
            default:
                break;  // M:, R:, U:, T:, D:, L:, Q:, V:, I:, G:, J: ... carry nothing we use
        }
    }
    return record;
}

Result<std::vector<std::string_view>> checked_lines(std::string_view text) {
    if (text.size() > udev_max_text_bytes) {
        return invalid("udev text of " + std::to_string(text.size()) + " bytes exceeds " +
                       std::to_string(udev_max_text_bytes));
    }
    return text::split_lines(text);
}

bool blank(std::string_view line) {
    return text::trim(line).empty();
}

}  // namespace

Result<UdevRecord> parse_udev_record(std::string_view text) {
    auto lines = checked_lines(text);
    if (!lines) {
        return lines.error();
    }
    std::size_t end = lines->size();
    while (end > 0 && blank((*lines)[end - 1])) {
        --end;
    }
    for (std::size_t i = 0; i < end; ++i) {
        if (blank((*lines)[i])) {
            return invalid(
                "line " + std::to_string(i + 1) +
                ": blank line inside one device's properties (several devices? use the database parser)");
        }
    }
    if (end == 0) {
        return invalid("no udev properties (empty text)");
    }
    return parse_record_lines(*lines, 0, end);
}

Result<UdevProperties> parse_udev_properties(std::string_view text) {
    auto record = parse_udev_record(text);
    if (!record) {
        return record.error();
    }
    return std::move(record->properties);
}

Result<std::vector<UdevRecord>> parse_udev_database(std::string_view text) {
    auto lines = checked_lines(text);
    if (!lines) {
        return lines.error();
    }
    std::vector<UdevRecord> records;
    std::size_t i = 0;
    while (i < lines->size()) {
        if (blank((*lines)[i])) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < lines->size() && !blank((*lines)[end])) {
            ++end;
        }
        if (records.size() >= udev_max_records) {
            return invalid("line " + std::to_string(i + 1) + ": more than " +
                           std::to_string(udev_max_records) + " devices");
        }
        auto record = parse_record_lines(*lines, i, end);
        if (!record) {
            return record.error();
        }
        records.push_back(std::move(*record));
        i = end;
    }
    return records;
}

Result<Uevent> parse_uevent(std::string_view buffer) {
    if (buffer.size() > uevent_max_bytes) {
        return invalid("uevent of " + std::to_string(buffer.size()) + " bytes exceeds " +
                       std::to_string(uevent_max_bytes));
    }
    if (buffer.empty()) {
        return invalid("empty uevent");
    }
    if (buffer.substr(0, 8) == std::string_view("libudev\0", 8)) {
        return invalid("byte 0: a libudev monitor message, not a kernel uevent");
    }
    // Fields are NUL-terminated; the last terminator may be missing in a truncated copy, which we accept.
    std::vector<std::pair<std::size_t, std::string_view>> fields;
    std::size_t start = 0;
    while (start < buffer.size()) {
        std::size_t end = buffer.find('\0', start);
        if (end == std::string_view::npos) {
            end = buffer.size();
        }
        if (end == start) {
            return invalid("byte " + std::to_string(start) + ": empty field in uevent");
        }
        fields.emplace_back(start, buffer.substr(start, end - start));
        start = end + 1;
    }
    const std::string_view header = fields.front().second;
    const auto at = header.find('@');
    if (at == std::string_view::npos || at == 0) {
        return invalid("byte 0: uevent header '" + text::quote(header) + "' is not ACTION@DEVPATH");
    }
    Uevent event;
    event.action = std::string(header.substr(0, at));
    event.devpath = std::string(header.substr(at + 1));
    if (!std::all_of(event.action.begin(), event.action.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
        return invalid("byte 0: uevent action '" + text::quote(event.action) + "' is not a lower-case word");
    }
    if (event.devpath.empty() || event.devpath.front() != '/' || !valid_value(event.devpath)) {
        return invalid("byte " + std::to_string(at + 1) + ": uevent devpath '" + text::quote(event.devpath) +
                       "' is not an absolute path");
    }
    for (std::size_t i = 1; i < fields.size(); ++i) {
        if (auto r =
                add_property(event.properties, fields[i].second, "byte " + std::to_string(fields[i].first));
            !r) {
            return r.error();
        }
    }
    for (const auto& [key, expected] :
         {std::pair<const char*, const std::string&>{"ACTION", event.action},
          std::pair<const char*, const std::string&>{"DEVPATH", event.devpath}}) {
        const auto it = event.properties.find(key);
        if (it != event.properties.end() && it->second != expected) {
            return invalid(std::string("uevent ") + key + "=" + text::quote(it->second) +
                           " contradicts the header '" + text::quote(header) + "'");
        }
    }
    return event;
}

UdevPropertyNames property_names_of(const UdevProperties& properties) {
    std::vector<std::string> names;
    names.reserve(properties.size());
    for (const auto& [name, value] : properties) {
        names.push_back(name);
    }
    return std::make_shared<const std::vector<std::string>>(std::move(names));
}

UdevClaim udev_claim_of(const UdevProperties& properties) {
    // Without the property the membership rule did not run for the disk (not installed, or not a disk it
    // handles): a change event would not change udev's answer, so nothing is known to mend.
    const auto it = properties.find("DM_MULTIPATH_DEVICE_PATH");
    if (it == properties.end()) {
        return UdevClaim::Unknown;
    }
    return it->second == "1" ? UdevClaim::Claimed : UdevClaim::NotClaimed;
}

UdevPropertyNames UdevPropertyNamePool::intern(UdevPropertyNames names) {
    if (!names) {
        return names;
    }
    for (const UdevPropertyNames& set : sets_) {
        if (*set == *names) {
            return set;
        }
    }
    std::erase_if(sets_, [](const UdevPropertyNames& set) { return set.use_count() == 1; });
    sets_.push_back(names);
    return names;
}

}  // namespace pathkeeper::core
