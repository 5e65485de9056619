#include "core/grouping.hpp"

#include <algorithm>
#include <string_view>

namespace pathkeeper::core {

void update_group_priority(PathGroup& group, const std::vector<GroupingInput>& paths) {
    long sum = 0;
    group.usable_paths = 0;
    for (std::size_t index : group.members) {
        const GroupingInput& p = paths[index];
        if (p.usable) {
            sum += p.priority;
            ++group.usable_paths;
        }
    }
    group.priority = group.usable_paths == 0 ? 0 : static_cast<int>(sum / group.usable_paths);
}

namespace {

// Groups paths whose key compares equal, in order of first appearance.
template <typename KeyOf>
std::vector<PathGroup> group_by_key(const std::vector<GroupingInput>& paths, KeyOf key_of) {
    std::vector<PathGroup> groups;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        auto same = std::find_if(groups.begin(), groups.end(), [&](const PathGroup& g) {
            return key_of(paths[g.members.front()]) == key_of(paths[i]);
        });
        if (same == groups.end()) {
            groups.push_back(PathGroup{{i}, 0, 0});
        } else {
            same->members.push_back(i);
        }
    }
    return groups;
}

}  // namespace

std::vector<PathGroup> group_paths(GroupingPolicy policy, const std::vector<GroupingInput>& paths) {
    std::vector<PathGroup> groups;
    if (paths.empty()) {
        return groups;
    }
    switch (policy) {
        case GroupingPolicy::Failover:
            for (std::size_t i = 0; i < paths.size(); ++i) {
                groups.push_back(PathGroup{{i}, 0, 0});
            }
            break;
        case GroupingPolicy::Multibus: {
            PathGroup all;
            for (std::size_t i = 0; i < paths.size(); ++i) {
                all.members.push_back(i);
            }
            groups.push_back(std::move(all));
            break;
        }
        case GroupingPolicy::GroupByPrio:
            groups = group_by_key(paths, [](const GroupingInput& p) { return p.priority; });
            break;
        case GroupingPolicy::GroupBySerial:
            groups = group_by_key(paths, [](const GroupingInput& p) { return std::string_view(p.serial); });
            break;
        case GroupingPolicy::GroupByNodeName:
            groups =
                group_by_key(paths, [](const GroupingInput& p) { return std::string_view(p.node_name); });
            break;
        case GroupingPolicy::GroupByTpg:
            // A path without a target port group cannot be placed; its priority still says which paths
            // belong together (with ALUA, the priority follows the group's access state).
            if (std::all_of(paths.begin(), paths.end(), [](const GroupingInput& p) { return p.tpg_id; })) {
                groups = group_by_key(paths, [](const GroupingInput& p) { return *p.tpg_id; });
            } else {
                groups = group_by_key(paths, [](const GroupingInput& p) { return p.priority; });
            }
            break;
    }
    for (PathGroup& g : groups) {
        update_group_priority(g, paths);
    }
    std::stable_sort(groups.begin(), groups.end(), [](const PathGroup& a, const PathGroup& b) {
        if (a.priority != b.priority) {
            return a.priority > b.priority;
        }
        return a.usable_paths > b.usable_paths;
    });
    return groups;
}

unsigned select_best_group(const std::vector<PathGroup>& groups) {
    if (groups.empty()) {
        return 0;
    }
    unsigned best = 0;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const PathGroup& g = groups[i];
        if (g.usable_paths == 0) {
            continue;
        }
        if (best == 0) {
            best = static_cast<unsigned>(i + 1);
            continue;
        }
        const PathGroup& b = groups[best - 1];
        if (g.priority > b.priority || (g.priority == b.priority && g.usable_paths > b.usable_paths)) {
            best = static_cast<unsigned>(i + 1);
        }
    }
    return best == 0 ? 1 : best;
}

}  // namespace pathkeeper::core
