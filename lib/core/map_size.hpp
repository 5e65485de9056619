#pragma once
// How big a map is when its paths do not all report the same size. A LUN resized on the array shows its new
// size path by path, as each path is rescanned; the map must not lose a path meanwhile.
//  - A new map takes its first path's size; a path of another size is left out (a clashing WWID, or a resize
//    half seen: the map is made from the paths that agree).
//  - An existing map keeps every path of its table. It grows by itself once every path reports the same
//  larger
//    size; until then it is held at its size (a grown path serves a smaller table). It shrinks only when the
//    administrator asks (pathctl resize-map) and every path agrees: a shrink cuts data off.
//  - A path not yet in the map joins when it reports the map's size or a size a member already reports (the
//    resize under way); any other size is left out.
//  - A path that reports no size (0) takes no part.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pathkeeper::core {

// The map as loaded now, for an existing map.
struct LoadedLayout {
    std::uint64_t size_sectors = 0;
    std::vector<std::string> devnodes;  // paths in its table
};

struct SizedPath {
    std::string_view devnode;
    std::uint64_t size_sectors = 0;
};

struct MapSizeDecision {
    std::uint64_t size_sectors = 0;
    std::vector<std::size_t> admitted;  // indices into the paths given, in their order
    struct LeftOut {
        std::size_t index = 0;
        std::string reason;
    };
    std::vector<LeftOut> left_out;
    std::optional<std::string> held;     // why the map stays at its size while paths report another
    std::optional<std::string> resized;  // "grown from A to B sectors", "shrunk ..."
};

MapSizeDecision decide_map_size(std::span<const SizedPath> paths, const LoadedLayout* loaded,
                                bool shrink_allowed);

// Every path's size when all of them agree (paths reporting 0 ignored); nullopt when they differ or none
// reports one.
std::optional<std::uint64_t> agreed_size(std::span<const SizedPath> paths);

// "sdb 4194304, sdc 2097152": the sizes the paths report, for log lines and errors.
std::string describe_sizes(std::span<const SizedPath> paths);

}  // namespace pathkeeper::core
