#pragma once
// What the engine tests build their scenarios from: a SCSI path and counts of the actions the engine sent.
#include <string>
#include <vector>

#include "core/engine.hpp"

namespace pathkeeper::core::test_support {

inline PathInfo path(std::string dev, unsigned minor, std::string wwid = "3600a") {
    PathInfo p;
    p.devnode = std::move(dev);
    p.devt = DevT{8, minor};
    p.wwid = std::move(wwid);
    p.size_sectors = 2048;
    return p;
}

// Actions whose text (to_string) starts with prefix.
inline std::size_t count_with_prefix(const std::vector<Action>& actions, const std::string& prefix) {
    std::size_t n = 0;
    for (const Action& a : actions) {
        n += to_string(a).rfind(prefix, 0) == 0 ? 1 : 0;
    }
    return n;
}

// Actions whose text is exactly text.
inline std::size_t count_equal(const std::vector<Action>& actions, const std::string& text) {
    std::size_t n = 0;
    for (const Action& a : actions) {
        n += to_string(a) == text ? 1 : 0;
    }
    return n;
}

}  // namespace pathkeeper::core::test_support
