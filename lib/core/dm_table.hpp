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

// Exact text the kernel accepts for a table load. Assumes validate_table(table) succeeds (parse_table's
// results always do); the per-path args are written as stored.
std::string format_table(const DmMultipathTable& table);
// Checks the invariants format_table() relies on: every path has exactly its group's path_arg_count args,
// initial_group is 0 iff there are no groups and otherwise in range, hw handler args only with a handler,
// no empty or whitespace-containing tokens, and the size caps of parse_table().
Result<void> validate_table(const DmMultipathTable& table);
// True when the table's features contain the single-word feature `word` (e.g. "queue_if_no_path").
bool has_feature(const DmMultipathTable& table, std::string_view word);
// Parses table text (ours or as `dmsetup table` / DM_TABLE_STATUS reports it). Never throws.
Result<DmMultipathTable> parse_table(std::string_view text);
// True when two tables are equivalent for the kernel: what adoption uses to skip a needless reload.
// Ignores differences the kernel introduces when it echoes a table back (multipath_status() in
// drivers/md/dm-mpath.c and the selectors' status functions):
//  - feature order; retain_attached_hw_handler (a no-op since Linux 4.3); pg_init_retries 0; queue_mode mq/rq
//    (the request-based default);
//  - queue_if_no_path: the echo shows the *current* queueing flag, which the daemon flips with the
//    queue_if_no_path / fail_if_no_path messages; compare has_feature() separately and send a message;
//  - hw handler args (never echoed), and an empty desired handler vs the handler the kernel kept attached;
//  - the initial group (the echo reports the current/next group, not the loaded one);
//  - per-path selector args the kernel rewrites: omitted args become their defaults and repeat counts > 1
//    become 1 (round-robin/queue-length/service-time since Linux 4.x); service-time adds throughput 1;
//  - the order of paths inside a group. Group order, selectors, selector args and path sets must match.
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

// Parses STATUSTYPE_INFO text (`dmsetup status` params, optionally with its "<start> <length> multipath"
// prefix). Never throws; errors name the token position.
Result<DmMultipathStatus> parse_status(std::string_view text);

// Size caps applied by both parsers (a real map is far below them).
inline constexpr std::size_t dm_max_text_bytes = 1U << 20;
inline constexpr unsigned dm_max_groups = 1024;
inline constexpr unsigned dm_max_paths = 8192;  // over all groups
inline constexpr unsigned dm_max_args = 64;     // features, hw handler, selector and per-path args each

}  // namespace pathkeeper::core
