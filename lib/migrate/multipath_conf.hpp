#pragma once
// multipath.conf syntax (multipath.conf(5), multipath-tools 0.9.4) -> a tree of sections and attributes.
// Only the syntax is judged here; what the keywords mean is the importer's business (import.hpp).
//
// Syntax, as multipath-tools reads it: "<keyword> <value>" lines; "<section> {" opens a (sub)section, a
// line holding only "}" closes it; outside double quotes, '#' and '!' start a comment; inside them '#', '!'
// and whitespace are literal and '""' is one '"'. An unquoted value of several words ("round-robin 0")
// is kept whole, words joined by one space.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::migrate {

struct ConfAttribute {
    std::string keyword;
    std::string value;  // empty when the line had no value
    bool quoted = false;
    int line = 0;  // 1-based
};

struct ConfSection {
    std::string name;
    int line = 0;      // line of "name {"
    int end_line = 0;  // line of its "}"
    std::vector<ConfAttribute> attributes;
    std::vector<ConfSection> subsections;
};

// Tolerated oddities (text after "}", a keyword with no value, ...): the parse goes on.
struct ConfWarning {
    int line = 0;
    std::string message;
};

struct ConfFile {
    std::vector<ConfSection> sections;  // top-level, in file order
    std::vector<ConfWarning> warnings;
};

inline constexpr std::size_t max_multipath_conf_size = 4 * 1024 * 1024;

// Structural errors (unterminated quote, unbalanced braces, a keyword outside any section, sections nested
// deeper than multipath-tools allows, NUL bytes, input above 4 MiB) fail the parse: the error
// (ErrorCode::InvalidArgument) lists each one as "file:line: message", one per line.
core::Result<ConfFile> parse_multipath_conf(std::string_view text, std::string_view file_name);

}  // namespace pathkeeper::migrate
