#pragma once
// The prio_args of the prioritizers that take arguments, and the priorities they give.
//
// weightedpath: "FIELD REGEX PRIO [REGEX PRIO ...]", FIELD one of hbtl ("2:0:1:3"), devname ("sdb") or
// serial; the first regular expression (POSIX extended, unanchored) that matches the path's field gives its
// priority, none gives 0. multipath-tools' fourth field, wwn (the FC host and target port names), is not
// known to pathkeeper and is refused by name.
// path_latency: "io_num=N base_num=B" (multipath-tools' older "N|B" is read too): N reads of the first
// block (2-200) are timed; their average latency, on a logarithmic scale of base B (2-10) between 1 us and
// 100 s, gives the priority: the faster the path, the higher.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "core/model.hpp"
#include "core/result.hpp"

namespace pathkeeper::core {

struct WeightedPathArgs {
    enum class Field { Hbtl, Devname, Serial };
    Field field = Field::Devname;
    std::vector<std::pair<Pattern, int>> rules;  // in the order given
};
// Errors (InvalidArgument) name the prio_args and what is wrong: no field, an unknown field, a regex
// without a priority, a priority that is not a number, an invalid regular expression.
Result<WeightedPathArgs> parse_weighted_path_args(std::string_view text);
int weighted_path_priority(const WeightedPathArgs& args, const PathInfo& path);

struct PathLatencyArgs {
    unsigned io_num = 20;
    unsigned base_num = 10;
    bool operator==(const PathLatencyArgs&) const = default;
};
// Empty text gives the defaults (20 reads, base 10).
Result<PathLatencyArgs> parse_path_latency_args(std::string_view text);
// The priority of a path whose reads took `average` each: 0 above 100 s, 1 + floor(log_B(100 s / average))
// otherwise (9 for 1 us at base 10, 1 for 10-100 s).
int path_latency_priority(std::chrono::nanoseconds average, unsigned base_num);

// Checks the prio_args the resolved prioritizer takes (weightedpath, path_latency); other prioritizers
// ignore theirs. For the configuration loader, so a bad pattern is refused at load, not at the first plan.
Result<bool> validate_prio_args(PrioKind prio, std::string_view text);

}  // namespace pathkeeper::core
