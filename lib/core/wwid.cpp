#include "core/wwid.hpp"

#include <string>

#include "core/text.hpp"

namespace pathkeeper::core {

namespace {

// Why the WWID breaks the rule; nullptr when it does not.
const char* wwid_problem(std::string_view wwid) noexcept {
    if (wwid.empty()) {
        return "is empty";
    }
    if (wwid.size() > wwid_max_chars) {
        return "is longer than the limit";
    }
    if (wwid == "." || wwid == "..") {
        return "is a directory name";
    }
    for (const char c : wwid) {
        const auto b = static_cast<unsigned char>(c);
        if (text::is_space(c)) {
            return "contains whitespace";
        }
        if (b < 0x20 || b == 0x7f) {
            return "contains control characters";
        }
        if (b > 0x7f) {
            return "contains non-ASCII bytes";
        }
        if (c == '/') {
            return "contains '/'";
        }
    }
    return nullptr;
}

}  // namespace

Result<void> check_wwid(std::string_view wwid) {
    const char* problem = wwid_problem(wwid);
    if (problem == nullptr) {
        return {};
    }
    std::string message = "WWID '" + text::quote(wwid, 64) + "' " + problem;
    if (wwid.size() > wwid_max_chars) {
        message +=
            " (" + std::to_string(wwid.size()) + " bytes, at most " + std::to_string(wwid_max_chars) + ")";
    }
    return make_error(ErrorCode::InvalidArgument, std::move(message));
}

Result<void> check_literal_wwid_pattern(std::string_view pattern) {
    if (pattern.find_first_of(".^$*+?()[]{}|\\") != std::string_view::npos) {
        return {};
    }
    return check_wwid(pattern);
}

bool valid_wwid(std::string_view wwid) noexcept {
    return wwid_problem(wwid) == nullptr;
}

}  // namespace pathkeeper::core
