#include "core/map_size.hpp"

#include <algorithm>
#include <set>

namespace pathkeeper::core {

namespace {

std::string sectors(std::uint64_t n) {
    return std::to_string(n) + " sectors";
}

MapSizeDecision new_map_size(std::span<const SizedPath> paths) {
    MapSizeDecision d;
    const SizedPath& first = paths.front();
    d.size_sectors = first.size_sectors;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const SizedPath& p = paths[i];
        if (first.size_sectors != 0 && p.size_sectors != 0 && p.size_sectors != first.size_sectors) {
            d.left_out.push_back({i, "size " + std::to_string(p.size_sectors) + " differs from " +
                                         std::string(first.devnode) + "'s " +
                                         std::to_string(first.size_sectors)});
        } else {
            d.admitted.push_back(i);
        }
    }
    return d;
}

}  // namespace

std::optional<std::uint64_t> agreed_size(std::span<const SizedPath> paths) {
    std::optional<std::uint64_t> size;
    for (const SizedPath& p : paths) {
        if (p.size_sectors == 0) {
            continue;
        }
        if (size && *size != p.size_sectors) {
            return std::nullopt;
        }
        size = p.size_sectors;
    }
    return size;
}

std::string describe_sizes(std::span<const SizedPath> paths) {
    std::string text;
    for (const SizedPath& p : paths) {
        if (!text.empty()) {
            text += ", ";
        }
        text += std::string(p.devnode) + " " + std::to_string(p.size_sectors);
    }
    return text;
}

MapSizeDecision decide_map_size(std::span<const SizedPath> paths, const LoadedLayout* loaded,
                                bool shrink_allowed) {
    if (paths.empty()) {
        return {};
    }
    if (loaded == nullptr || loaded->size_sectors == 0) {
        return new_map_size(paths);
    }
    const std::uint64_t current = loaded->size_sectors;
    auto is_member = [&](std::string_view devnode) {
        return std::find(loaded->devnodes.begin(), loaded->devnodes.end(), devnode) != loaded->devnodes.end();
    };
    std::set<std::uint64_t> member_sizes;
    for (const SizedPath& p : paths) {
        if (is_member(p.devnode) && p.size_sectors != 0) {
            member_sizes.insert(p.size_sectors);
        }
    }

    MapSizeDecision d;
    d.size_sectors = current;
    std::vector<SizedPath> admitted;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const SizedPath& p = paths[i];
        if (is_member(p.devnode) || p.size_sectors == 0 || p.size_sectors == current ||
            member_sizes.contains(p.size_sectors)) {
            d.admitted.push_back(i);
            admitted.push_back(p);
        } else {
            d.left_out.push_back({i, "size " + std::to_string(p.size_sectors) + " differs from the map's " +
                                         std::to_string(current) + " and from every path's in it"});
        }
    }

    const std::optional<std::uint64_t> agreed = agreed_size(admitted);
    if (!agreed) {
        if (std::any_of(admitted.begin(), admitted.end(), [&](const SizedPath& p) {
                return p.size_sectors != 0 && p.size_sectors != current;
            })) {
            d.held = "paths report different sizes (" + describe_sizes(admitted) + "); held at " +
                     sectors(current) + " until every path agrees";
        }
    } else if (*agreed > current) {
        d.size_sectors = *agreed;
        d.resized = "grown from " + std::to_string(current) + " to " + sectors(*agreed);
    } else if (*agreed < current) {
        if (shrink_allowed) {
            d.size_sectors = *agreed;
            d.resized = "shrunk from " + std::to_string(current) + " to " + sectors(*agreed);
        } else {
            d.held = "every path reports " + sectors(*agreed) + ", less than the map's " +
                     std::to_string(current) + "; held until a resize-map asks for the shrink";
        }
    }
    return d;
}

}  // namespace pathkeeper::core
