#pragma once
// Small string helpers shared by the text parsers of the core. Pure, never throwing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::core::text {

// True for the ASCII whitespace the kernel and udev treat as separators (space, \t, \n, \v, \f, \r).
constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim(std::string_view s) noexcept;

// Splits on runs of whitespace; no empty tokens.
std::vector<std::string_view> split_whitespace(std::string_view s);

// Splits into lines on '\n'; a trailing '\r' is dropped from each line; a final newline does not start an
// extra empty line.
std::vector<std::string_view> split_lines(std::string_view s);

// Decimal digits only (no sign, no spaces, no "0x"), value <= max. nullopt otherwise.
std::optional<std::uint64_t> to_unsigned(std::string_view s, std::uint64_t max = UINT64_MAX) noexcept;

// As to_unsigned, but the error names what was expected and quotes the offending text.
Result<std::uint64_t> parse_unsigned(std::string_view s, std::uint64_t max, std::string_view what);

std::string to_lower_ascii(std::string_view s);

// A short, printable rendering of untrusted text for error messages: control and non-ASCII bytes become
// "\xNN", long input is cut with "...".
std::string quote(std::string_view s, std::size_t max_chars = 40);

// Length of the valid UTF-8 multi-byte sequence starting at s[i] (no overlong forms, no surrogates), or 0
// when s[i] does not start one (ASCII bytes included).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// D-Bus strings and JSON must be valid UTF-8, while SCSI INQUIRY strings, iSCSI names and YAML aliases are
// just bytes. to_valid_utf8 keeps valid text as it is and turns every invalid byte into U+FFFD.
bool is_valid_utf8(std::string_view s) noexcept;
std::string to_valid_utf8(std::string_view s);

}  // namespace pathkeeper::core::text
