#pragma once
// `pathctl config import`: multipath.conf text -> equivalent pathkeeper.yaml text.
//
// Every option in the input is accounted for: it is written to the YAML (with a "# line N" comment naming
// where it came from), or an ImportNote says why it was not, or how its meaning was translated when
// pathkeeper's option differs from multipath-tools'. The YAML always passes config::parse_config: values
// are checked with the same core parsers, and values it would reject are reported instead of written.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::migrate {

struct ImportNote {
    enum class Kind {
        Translated,    // written, but under another name or with a different meaning: read the message
        NotMapped,     // pathkeeper has no equivalent; left out
        InvalidValue,  // the value is not valid for the option; left out
        Syntax,        // tolerated syntax oddity (text after "}", missing value, unknown section)
        Info,          // a difference in defaults worth knowing; nothing left out
    };
    Kind kind = Kind::NotMapped;
    std::string file;
    int line = 0;        // 0: not tied to a line
    std::string option;  // multipath.conf keyword (or section name)
    std::string message;

    std::string to_string() const;  // "file:line: option: message"
};
const char* to_string(ImportNote::Kind kind) noexcept;  // "translated", "not mapped", ...

struct ImportResult {
    std::string yaml;
    std::vector<ImportNote> notes;  // in line order
};

// Fails (ErrorCode::InvalidArgument, "file:line: message" lines) only when the text is not a
// multipath.conf at all: see parse_multipath_conf().
core::Result<ImportResult> import_multipath_conf(std::string_view text, std::string_view file_name);

}  // namespace pathkeeper::migrate
