#pragma once
// Vendor, product, blacklist and udev-property patterns as multipath.conf writes them.

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::core {

// A POSIX extended regular expression as multipath.conf uses them: unanchored search, and a leading
// "!" inverts the match (multipath-tools' blacklist syntax, e.g. "!^(sd[a-z]|dasd[a-z]|nvme[0-9])").
class Pattern {
public:
    static Result<Pattern> compile(std::string_view text);  // InvalidArgument names the text
    bool matches(std::string_view subject) const;
    const std::string& text() const noexcept { return text_; }

private:
    // An expression that is text alone, or one group of text alternatives ("(HITACHI|HP|HPE)"), optionally
    // anchored (most vendor and product patterns of the device table), is matched as text, with the same
    // result: compiling a std::regex per pattern would be most of the work of a process that builds the table
    // for one lookup (the udev helper, once per uevent).
    enum class Literal { No, Anywhere, Prefix, Suffix, Whole, Everything };
    std::string text_;
    std::regex regex_;  // Literal::No only
    Literal literal_ = Literal::No;
    std::vector<std::string>
        alternatives_;  // the texts, without anchors or group; any one matching is a match
    bool inverted_ = false;
};

}  // namespace pathkeeper::core
