#pragma once
// A block device's I/O counters from its stat file (/sys/block/<dev>/stat, the kernel's
// Documentation/block/stat.rst). Its own small library: pathctl reads them too and must not load libudev or
// libdevmapper for it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pathkeeper::os {

struct BlockStats {
    std::uint64_t reads = 0;  // read requests completed
    std::uint64_t writes = 0;
    std::uint64_t sectors_read = 0;  // 512-byte sectors, whatever the device's block size
    std::uint64_t sectors_written = 0;
    std::uint64_t in_flight = 0;    // requests issued to the device, not yet completed
    std::uint64_t io_ticks_ms = 0;  // time the device had I/O in flight
    bool operator==(const BlockStats&) const = default;
};

// The stat file's text: at least 11 unsigned numbers; nullopt for anything shorter or not numeric.
std::optional<BlockStats> parse_block_stats(std::string_view text);

// <sysfs_root>/block/<devnode>/stat; nullopt when the device is gone or the file does not parse.
std::optional<BlockStats> read_block_stats(const std::string& sysfs_root, const std::string& devnode);

}  // namespace pathkeeper::os
