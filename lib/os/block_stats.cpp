#include "os/block_stats.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

namespace pathkeeper::os {

std::optional<BlockStats> parse_block_stats(std::string_view text) {
    std::vector<std::uint64_t> fields;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n') {
            ++i;
            continue;
        }
        std::uint64_t value = 0;
        const char* begin = text.data() + i;
        const char* end = text.data() + text.size();
        const auto [next, error] = std::from_chars(begin, end, value);
        if (error != std::errc{} || (next != end && *next != ' ' && *next != '\t' && *next != '\n')) {
            return std::nullopt;
        }
        fields.push_back(value);
        i += static_cast<std::size_t>(next - begin);
    }
    // Fields 1-11 are in every kernel since 2.6; discard and flush counters follow on newer ones.
    if (fields.size() < 11) {
        return std::nullopt;
    }
    BlockStats s;
    s.reads = fields[0];
    s.sectors_read = fields[2];
    s.writes = fields[4];
    s.sectors_written = fields[6];
    s.in_flight = fields[8];
    s.io_ticks_ms = fields[9];
    return s;
}

std::optional<BlockStats> read_block_stats(const std::string& sysfs_root, const std::string& devnode) {
    if (devnode.empty() || devnode.find('/') != std::string::npos || devnode == "." || devnode == "..") {
        return std::nullopt;
    }
    std::ifstream in(sysfs_root + "/block/" + devnode + "/stat");
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_block_stats(text.str());
}

}  // namespace pathkeeper::os
