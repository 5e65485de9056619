#pragma once
// The dm-multipath table and status text formats (drivers/md/dm-mpath.c), as data.
//
// Table: <#features> <features...> <#hwh args> <hw handler> <hwh args...> <#groups> <initial group>
//        { <selector> <#selector args> <selector args...> <#paths> <#path args>
//          { <maj:min> <path args...> }... }...
// e.g.   "1 queue_if_no_path 1 alua 2 1 service-time 0 1 2 8:0 1 1 service-time 0 1 2 8:16 1 1"
//
// Status: <#features> <features...> <#hwh status args> <args...> <#groups> <next group>
//         { <A|E|D> <#group status args> <args...> <#paths> <#selector status args>
//           { <maj:min> <A|F> <fail count> <selector status args...> }... }...

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace pathkeeper::core {

struct DmTablePath {
    DevT devt;
    std::vector<std::string> args;  // per-path selector args, e.g. {"1"} repeat count, service-time {"1","1"}
    bool operator==(const DmTablePath&) const = default;
};

struct DmTableGroup {
    std::string selector;                    // "round-robin", "queue-length", "service-time"
    std::vector<std::string> selector_args;  // usually empty ("0")
    unsigned path_arg_count = 1;             // #path args (all paths in a group share it)
    std::vector<DmTablePath> paths;
    bool operator==(const DmTableGroup&) const = default;
};

struct DmMultipathTable {
    std::vector<std::string> features;  // e.g. {"queue_if_no_path"}, {"pg_init_retries","50"}
    std::string hw_handler;             // "" for none, else "alua", "emc", ...
    std::vector<std::string> hw_handler_args;
    unsigned initial_group = 1;  // 1-based; 0 lets the kernel choose
    std::vector<DmTableGroup> groups;
    bool operator==(const DmMultipathTable&) const = default;
};

// Exact text the kernel accepts for a table load.
std::string format_table(const DmMultipathTable& table);
// Parses table text (ours or as `dmsetup table` / DM_TABLE_STATUS reports it). Never throws.
Result<DmMultipathTable> parse_table(std::string_view text);
// True when two tables are equivalent for the kernel: what adoption uses to skip a needless reload.
// Ignores differences the kernel introduces when it echoes a table back (feature ordering, initial group 0 vs
// 1 ...).
bool tables_equivalent(const DmMultipathTable& desired, const DmMultipathTable& actual);

enum class DmGroupState { Active, Enabled, Disabled };  // 'A', 'E', 'D'

struct DmPathStatus {
    DevT devt;
    DmPathState state = DmPathState::Unknown;
    unsigned fail_count = 0;
    std::vector<std::string> selector_args;
};

struct DmGroupStatus {
    DmGroupState state = DmGroupState::Enabled;
    std::vector<DmPathStatus> paths;
};

struct DmMultipathStatus {
    bool queue_io = false;  // I/O is currently being queued (pg init in progress or no path)
    unsigned pg_init_count = 0;
    bool queue_if_no_path = false;  // derived from features when the kernel reports it
    unsigned next_group = 0;        // 1-based group the kernel will use next; 0 if none
    std::vector<DmGroupStatus> groups;

    // 1-based index of the group in state Active, or 0 if none is active.
    unsigned active_group() const;
};

Result<DmMultipathStatus> parse_status(std::string_view text);

}  // namespace pathkeeper::core
