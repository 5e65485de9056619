#include "core/text.hpp"

#include <charconv>

namespace pathkeeper::core::text {

std::string_view trim(std::string_view s) noexcept {
    std::size_t begin = 0;
    while (begin < s.size() && is_space(s[begin])) {
        ++begin;
    }
    std::size_t end = s.size();
    while (end > begin && is_space(s[end - 1])) {
        --end;
    }
    return s.substr(begin, end - begin);
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < s.size() && !is_space(s[i])) {
            ++i;
        }
        if (i > start) {
            tokens.push_back(s.substr(start, i - start));
        }
    }
    return tokens;
}

std::vector<std::string_view> split_lines(std::string_view s) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < s.size()) {
        std::size_t end = s.find('\n', start);
        const bool last = end == std::string_view::npos;
        if (last) {
            end = s.size();
        }
        std::string_view line = s.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        lines.push_back(line);
        if (last) {
            break;
        }
        start = end + 1;
    }
    return lines;
}

std::optional<std::uint64_t> to_unsigned(std::string_view s, std::uint64_t max) noexcept {
    if (s.empty() || s.size() > 20) {
        return std::nullopt;
    }
    for (const char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
    }
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size() || value > max) {
        return std::nullopt;
    }
    return value;
}

Result<std::uint64_t> parse_unsigned(std::string_view s, std::uint64_t max, std::string_view what) {
    if (auto value = to_unsigned(s, max)) {
        return *value;
    }
    return make_error(ErrorCode::InvalidArgument, "expected " + std::string(what) + " (0.." +
                                                      std::to_string(max) + "), got '" + quote(s) + "'");
}

std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string quote(std::string_view s, std::size_t max_chars) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (out.size() >= max_chars) {
            out += "...";
            break;
        }
        const auto byte = static_cast<unsigned char>(s[i]);
        if (byte < 0x20 || byte >= 0x7f) {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += static_cast<char>(byte);
        }
    }
    return out;
}

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        len = 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        len = 3;
        lo = b0 == 0xe0 ? 0xa0 : 0x80;  // no overlong forms
        hi = b0 == 0xed ? 0x9f : 0xbf;  // no surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        len = 4;
        lo = b0 == 0xf0 ? 0x90 : 0x80;
        hi = b0 == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (i + len > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        const unsigned char min = k == 1 ? lo : 0x80;
        const unsigned char max = k == 1 ? hi : 0xbf;
        if (b < min || b > max) {
            return 0;
        }
    }
    return len;
}

bool is_valid_utf8(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        const std::size_t len = utf8_sequence_length(s, i);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

std::string to_valid_utf8(std::string_view s) {
    if (is_valid_utf8(s)) {
        return std::string(s);
    }
    std::string out;
    out.reserve(s.size() + 8);
    for (std::size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            out.push_back(s[i++]);
            continue;
        }
        if (const std::size_t len = utf8_sequence_length(s, i); len != 0) {
            out.append(s.substr(i, len));
            i += len;
            continue;
        }
        out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
        ++i;
    }
    return out;
}

}  // namespace pathkeeper::core::text
