#pragma once
// `pathctl plan` output: pure renderings of a planner result.

#include <nlohmann/json.hpp>

#include <string>

#include "core/map_planner.hpp"

namespace pathkeeper::cli {

// Per map: "name wwid uuid (name from origin)", "  table: 0 <size> multipath <table>", one line per group;
// then the planner's log lines as "# level: context: message".
std::string format_plan(const core::PlanResult& plan);
// {"schema_version", "maps": [{name, name_origin, wwid, dm_uuid, size_sectors, vendor, product, table,
//   initial_group, groups: [{priority, usable_paths, paths}]}], "log": [{level, context, message}]}
nlohmann::json plan_document(const core::PlanResult& plan);

}  // namespace pathkeeper::cli
