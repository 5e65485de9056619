#pragma once
// Path grouping policies and group ordering, as multipath-tools does them (libmultipath/pgpolicies.c,
// structs_vec.c path_group_prio_update(), switchgroup.c select_path_group()):
//  - failover: one group per path; multibus: one group with every path;
//    group_by_prio / group_by_serial / group_by_node_name / group_by_tpg: one group per distinct priority /
//    serial / node name / ALUA target port group, paths in discovery order inside each group; group_by_tpg
//    falls back to group_by_prio when a path reports no target port group (as multipath-tools does);
//  - a group's priority is the *average* (integer division) of the priorities of its usable paths
//    (Up or Ghost; Pending counts as usable while its first check runs), 0 when none is usable;
//  - groups are then sorted by priority, higher first, ties by more usable paths, further ties keep
//    discovery order (a stable sort, like multipath-tools' insertion sort);
//  - the best group (the table's initial group and the failback target) is the one with the highest
//    priority among groups with a usable path, ties to the one with more usable paths, then the first.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace pathkeeper::core {

// What grouping needs to know about one path.
struct GroupingInput {
    int priority = 0;
    bool usable = true;
    std::string serial;
    std::string node_name;
    std::optional<std::uint16_t> tpg_id;
};

struct PathGroup {
    std::vector<std::size_t> members;  // indices into the input, discovery order
    int priority = 0;                  // average priority of the usable members
    unsigned usable_paths = 0;
};

// Groups and orders `paths` (in discovery order). Empty input gives no groups.
std::vector<PathGroup> group_paths(GroupingPolicy policy, const std::vector<GroupingInput>& paths);

// Recomputes priority and usable_paths of `group` from `paths`.
void update_group_priority(PathGroup& group, const std::vector<GroupingInput>& paths);

// 1-based index of the best group (see above); 1 when no group has a usable path; 0 for no groups.
unsigned select_best_group(const std::vector<PathGroup>& groups);

}  // namespace pathkeeper::core
