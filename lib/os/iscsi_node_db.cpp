#include "os/iscsi_node_db.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

namespace pathkeeper::os {
namespace fs = std::filesystem;

namespace {

std::string_view trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// A name used as one directory component: it comes from sysfs, which the kernel fills from what the
// target sent at login, so it must not be able to name another place.
bool safe_component(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

std::optional<std::string> read_small_file(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
        return std::nullopt;
    }
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

std::optional<unsigned> replacement_timeout_from_record(std::string_view text) {
    constexpr std::string_view kKey = "node.session.timeo.replacement_timeout";
    std::optional<unsigned> found;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = trimmed(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || trimmed(line.substr(0, eq)) != kKey) {
            continue;
        }
        const std::string_view value = trimmed(line.substr(eq + 1));
        unsigned seconds = 0;
        auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (ec != std::errc{} || ptr != value.data() + value.size() || value.empty()) {
            return std::nullopt;
        }
        found = seconds;  // iscsid applies the last occurrence
    }
    return found;
}

std::optional<unsigned> configured_replacement_timeout(const fs::path& node_db, const IscsiNodeKey& key) {
    const std::string portal = key.address + "," + key.port + "," + key.tpgt;
    if (!safe_component(key.target_iqn) || !safe_component(portal)) {
        return std::nullopt;
    }
    const fs::path portal_entry = node_db / key.target_iqn / portal;
    std::optional<std::string> record;
    if (safe_component(key.iface)) {
        record = read_small_file(portal_entry / key.iface);
    }
    if (!record) {
        record = read_small_file(portal_entry);
    }
    if (!record) {
        return std::nullopt;
    }
    return replacement_timeout_from_record(*record);
}

}  // namespace pathkeeper::os
