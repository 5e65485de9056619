#include "core/vpd.hpp"

#include <array>

#include "core/text.hpp"

namespace pathkeeper::core {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

Error invalid(std::string message) {
    return make_error(ErrorCode::InvalidArgument, "VPD page 0x83: " + std::move(message));
}

bool udev_plain_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("#+-.:=@_").find(c) != std::string_view::npos;
}

std::string hex_of(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        out += hex_digits[b >> 4];
        out += hex_digits[b & 0xf];
    }
    return out;
}

// The derived WWID when the rule accepts it; `source` names the designator in the error.
Result<std::string> accepted(std::string wwid, const std::string& source) {
    if (auto checked = check_wwid(wwid); !checked) {
        return make_error(ErrorCode::InvalidArgument, source + ": " + checked.error().message);
    }
    return wwid;
}

// Text of an ASCII designator as a C string: scsi_id stops at the first NUL.
std::string_view c_text(const std::vector<std::uint8_t>& value) {
    std::string_view s(reinterpret_cast<const char*>(value.data()), value.size());
    return s.substr(0, s.find('\0'));
}

bool is_hex(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (const char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

// SCSI name strings keep their punctuation (",t,0x1"), as in multipath-tools; only bytes that would break
// a whitespace-separated state file or a dm uuid are replaced.
std::string clean_name_string(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        out += (b <= 0x20 || b >= 0x7f) ? '_' : c;
    }
    return out;
}

std::optional<std::string> wwid_from_name_string(std::string_view name) {
    while (!name.empty() && name.back() == '\0') {
        name.remove_suffix(1);
    }
    if (name.size() <= 4) {
        return std::nullopt;
    }
    const std::string_view prefix = name.substr(0, 4);
    const std::string_view rest = name.substr(4);
    if (prefix == "eui.") {
        return "2" + clean_name_string(text::to_lower_ascii(rest));
    }
    if (prefix == "naa.") {
        return "3" + clean_name_string(text::to_lower_ascii(rest));
    }
    if (prefix == "iqn.") {
        return "8" + clean_name_string(rest);
    }
    return std::nullopt;
}

}  // namespace

std::string udev_clean_serial(std::string_view raw) {
    // udev_replace_whitespace(): drop leading/trailing whitespace, collapse inner runs into one '_'.
    const std::string_view s = text::trim(raw);
    std::string collapsed;
    collapsed.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (text::is_space(s[i])) {
            while (i + 1 < s.size() && text::is_space(s[i + 1])) {
                ++i;
            }
            collapsed += '_';
        } else {
            collapsed += s[i];
        }
    }
    // udev_replace_chars(s, NULL): keep plain characters, "\x" escapes and valid UTF-8; others -> '_'.
    std::string out;
    out.reserve(collapsed.size());
    for (std::size_t i = 0; i < collapsed.size(); ++i) {
        const char c = collapsed[i];
        if (udev_plain_char(c)) {
            out += c;
        } else if (c == '\\' && i + 1 < collapsed.size() && collapsed[i + 1] == 'x') {
            out += "\\x";
            ++i;
        } else if (const std::size_t len = text::utf8_sequence_length(collapsed, i); len > 1) {
            out.append(collapsed, i, len);
            i += len - 1;
        } else {
            out += '_';
        }
    }
    return out;
}

Result<VpdPage83> parse_vpd_pg83(std::span<const std::uint8_t> page) {
    if (page.size() < 4) {
        return invalid(std::to_string(page.size()) + " bytes, shorter than the 4-byte page header");
    }
    if (page[1] != 0x83) {
        return invalid(std::string("byte 1 holds page code 0x") + hex_digits[page[1] >> 4] +
                       hex_digits[page[1] & 0xf] + ", not 0x83");
    }
    const std::size_t page_length = (static_cast<std::size_t>(page[2]) << 8) | page[3];
    if (4 + page_length > page.size()) {
        return invalid("page length " + std::to_string(page_length) + " at byte 2 needs " +
                       std::to_string(4 + page_length) + " bytes, the buffer holds " +
                       std::to_string(page.size()));
    }
    const auto body = page.subspan(0, 4 + page_length);
    VpdPage83 out;
    out.peripheral = page[0];
    if (page_length >= 3 && body[6] != 0) {
        // SCSI-2 reply (see scsi_id's do_scsi_page83_inquiry): a raw WWN, no descriptor headers.
        out.scsi2_format = true;
        out.scsi2_wwn.assign(body.begin() + 4, body.end());
        return out;
    }
    std::size_t offset = 4;
    while (offset < body.size()) {
        if (offset + 4 > body.size()) {
            return invalid("designator at byte " + std::to_string(offset) +
                           ": header truncated by the page end at byte " + std::to_string(body.size()));
        }
        const std::size_t len = body[offset + 3];
        if (offset + 4 + len > body.size()) {
            return invalid("designator at byte " + std::to_string(offset) + ": length " +
                           std::to_string(len) + " runs past the page end at byte " +
                           std::to_string(body.size()));
        }
        VpdDesignator d;
        d.protocol_id = static_cast<std::uint8_t>(body[offset] >> 4);
        d.code_set = static_cast<std::uint8_t>(body[offset] & 0x0f);
        d.piv = (body[offset + 1] & 0x80) != 0;
        d.association = static_cast<DesignatorAssociation>((body[offset + 1] >> 4) & 0x3);
        d.type = static_cast<std::uint8_t>(body[offset + 1] & 0x0f);
        d.offset = offset;
        d.value.assign(body.begin() + static_cast<std::ptrdiff_t>(offset + 4),
                       body.begin() + static_cast<std::ptrdiff_t>(offset + 4 + len));
        out.designators.push_back(std::move(d));
        offset += 4 + len;
    }
    return out;
}

Result<VpdPage83> parse_vpd_pg83(std::string_view page) {
    return parse_vpd_pg83(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(page.data()), page.size()));
}

Result<std::string> wwid_from_vpd_pg83(const VpdPage83& page) {
    if (page.scsi2_format) {
        if (page.scsi2_wwn.empty()) {
            return make_error(ErrorCode::NotFound, "VPD page 0x83: SCSI-2 format page without a WWN");
        }
        return accepted("3" + hex_of(page.scsi2_wwn), "VPD page 0x83 (SCSI-2 format)");
    }
    struct Search {
        DesignatorType type;
        int naa_type;  // -1: any
        std::uint8_t code_set;
    };
    // scsi_id's id_search_list without the target port group and vendor-specific entries.
    static constexpr std::array<Search, 10> order{{
        {DesignatorType::Naa, 6, 1},
        {DesignatorType::Naa, 6, 2},
        {DesignatorType::Naa, 5, 1},
        {DesignatorType::Naa, 5, 2},
        {DesignatorType::Naa, -1, 1},
        {DesignatorType::Naa, -1, 2},
        {DesignatorType::Eui64, -1, 1},
        {DesignatorType::Eui64, -1, 2},
        {DesignatorType::T10VendorId, -1, 1},
        {DesignatorType::T10VendorId, -1, 2},
    }};
    for (const Search& search : order) {
        for (const VpdDesignator& d : page.designators) {
            if (d.association != DesignatorAssociation::LogicalUnit ||
                d.type != static_cast<std::uint8_t>(search.type) || d.code_set != search.code_set ||
                d.value.empty()) {
                continue;
            }
            if (search.naa_type >= 0 && (d.value[0] >> 4) != search.naa_type) {
                continue;
            }
            const char prefix = hex_digits[d.type];
            const std::string source = "VPD page 0x83: designator at byte " + std::to_string(d.offset);
            if (d.code_set == 1) {
                return accepted(prefix + hex_of(d.value), source);
            }
            const std::string_view textual = c_text(d.value);
            if (text::trim(textual).empty()) {
                continue;  // e.g. IBM 3542 all-space identifiers of unconfigured LUNs
            }
            return accepted(udev_clean_serial(std::string(1, prefix) + std::string(textual)), source);
        }
    }
    for (const VpdDesignator& d : page.designators) {
        if (d.association == DesignatorAssociation::LogicalUnit &&
            d.type == static_cast<std::uint8_t>(DesignatorType::ScsiNameString)) {
            if (auto wwid = wwid_from_name_string(
                    std::string_view(reinterpret_cast<const char*>(d.value.data()), d.value.size()))) {
                return accepted(std::move(*wwid),
                                "VPD page 0x83: SCSI name string at byte " + std::to_string(d.offset));
            }
        }
    }
    return make_error(
        ErrorCode::NotFound,
        "VPD page 0x83: no usable logical-unit designator (NAA, EUI-64, T10 vendor id or SCSI name "
        "string) among " +
            std::to_string(page.designators.size()) + " designators");
}

Result<std::string> wwid_from_sysfs_wwid(std::string_view raw) {
    std::string_view s = raw;
    while (!s.empty() && (s.back() == '\0' || text::is_space(s.back()))) {
        s.remove_suffix(1);
    }
    s = text::trim(s);
    auto fail = [&](const std::string& why) {
        return make_error(ErrorCode::InvalidArgument, "sysfs wwid '" + text::quote(raw) + "': " + why);
    };
    if (s.size() <= 4) {
        return fail("too short");
    }
    const std::string_view prefix = s.substr(0, 4);
    const std::string_view rest = s.substr(4);
    if (prefix == "naa." || prefix == "eui.") {
        if (!is_hex(rest)) {
            return fail("designator is not hexadecimal");
        }
        return accepted((prefix == "naa." ? "3" : "2") + text::to_lower_ascii(rest), "sysfs wwid");
    }
    if (prefix == "t10.") {
        const std::string cleaned = udev_clean_serial(rest);
        if (cleaned.empty()) {
            return fail("empty T10 vendor id");
        }
        return accepted("1" + cleaned, "sysfs wwid");
    }
    if (auto wwid = wwid_from_name_string(s)) {
        return accepted(std::move(*wwid), "sysfs wwid");
    }
    return fail("unknown designator prefix (expected naa., eui., t10. or iqn.)");
}

std::optional<std::uint16_t> target_port_group(const VpdPage83& page) {
    for (const VpdDesignator& d : page.designators) {
        if (d.type == static_cast<std::uint8_t>(DesignatorType::TargetPortGroup) &&
            d.association == DesignatorAssociation::TargetPort && d.value.size() >= 4) {
            return static_cast<std::uint16_t>((d.value[2] << 8) | d.value[3]);
        }
    }
    return std::nullopt;
}

}  // namespace pathkeeper::core
