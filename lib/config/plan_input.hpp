#pragma once
// PATHS.yaml, the path list `pathctl plan --paths` reads and `pathctl show paths --as-plan-input` writes:
// a YAML list (or a mapping with a `paths:` list) of paths, each with `dev` and `devt` ("8:16") and
// optionally `wwid`, `vendor`, `product`, `revision`, `serial`, `priority`, `alua_state`, `node_name`,
// `state` (up/down/ghost), `size_sectors`, `transport`. Unknown keys and bad values are errors; every problem
// is reported as "file:line:col: key: message" in one ErrorCode::InvalidArgument error.

#include <string>
#include <string_view>
#include <vector>

#include "core/map_planner.hpp"
#include "core/result.hpp"

namespace pathkeeper::config {

// Text above 4 MiB is refused. file_name only labels locations.
core::Result<std::vector<core::PlanPath>> parse_plan_paths(std::string_view yaml_text,
                                                           std::string_view file_name);

}  // namespace pathkeeper::config
