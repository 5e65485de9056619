#include "core/wwid.hpp"

#include <algorithm>
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

namespace {

// A kernel disk name ("sdq", "vdb", "dm-3", "nvme0n1"): no WWID looks like one, so a typo of a path name is
// not taken for a WWID.
bool looks_like_disk_name(std::string_view name) {
    auto all_of = [](std::string_view s, auto pred) {
        return !s.empty() &&
               std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); });
    };
    auto lower = [](unsigned char c) { return c >= 'a' && c <= 'z'; };
    auto digit = [](unsigned char c) { return c >= '0' && c <= '9'; };
    for (std::string_view prefix : {"sd", "vd", "hd", "xvd"}) {
        if (name.starts_with(prefix) && all_of(name.substr(prefix.size()), lower)) {
            return true;
        }
    }
    if (name.starts_with("dm-") && all_of(name.substr(3), digit)) {
        return true;
    }
    return name.starts_with("nvme") && name.size() > 4 && digit(static_cast<unsigned char>(name[4]));
}

}  // namespace

Result<std::string> resolve_wwid_target(
    std::string_view target,
    const std::function<std::optional<std::string>(std::string_view)>& wwid_of_path) {
    constexpr std::string_view dev_prefix = "/dev/";
    const bool dev_path = target.starts_with(dev_prefix);
    if (dev_path) {
        target.remove_prefix(dev_prefix.size());
    }
    if (std::optional<std::string> wwid = wwid_of_path(target)) {
        if (wwid->empty()) {
            return make_error(ErrorCode::InvalidArgument, "path " + std::string(target) + " has no WWID");
        }
        return *wwid;
    }
    if (dev_path || looks_like_disk_name(target)) {
        return make_error(ErrorCode::InvalidArgument, "no path named " + std::string(target));
    }
    if (Result<void> ok = check_wwid(target); !ok) {
        return make_error(
            ErrorCode::InvalidArgument,
            "\"" + std::string(target) + "\" is neither a known path nor a WWID: " + ok.error().message);
    }
    return std::string(target);
}

}  // namespace pathkeeper::core
