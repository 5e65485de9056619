// pathctl plan --config FILE --paths PATHS.yaml [--bindings FILE] [--json]: runs the daemon's pure planner
// (core::plan_maps) offline and prints, per map, its name, WWID, dm uuid and the exact table it would load.
// No daemon, no bus, no devices: a support case replays from three files.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "api/json.hpp"
#include "cli/commands.hpp"
#include "cli/plan.hpp"
#include "config/drop_ins.hpp"
#include "config/plan_input.hpp"
#include "core/bindings.hpp"
#include "core/map_planner.hpp"

namespace pathkeeper::cli {

namespace {

struct PlanArgs {
    std::string config;
    std::string paths;
    std::string bindings;
    bool json = false;
};

bool read_file(const std::string& file, std::string& text, Context& ctx) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        *ctx.err << "pathctl: cannot read " << file << "\n";
        return false;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
    return true;
}

std::string group_line(const core::PlannedMap& map, std::size_t index) {
    const auto& group = map.groups[index];
    std::string devs;
    for (const auto& dev : group.devnodes)
        devs += (devs.empty() ? "" : " ") + dev;
    return fmt::format("  group {} prio={} usable={}{}: {}", index + 1, group.priority, group.usable_paths,
                       index + 1 == map.best_group ? " (initial)" : "", devs);
}

}  // namespace

std::string format_plan(const core::PlanResult& plan) {
    std::string out;
    for (const auto& map : plan.maps) {
        out += fmt::format("{} {} {} (name from {})\n", map.name, map.wwid, map.uuid,
                           core::to_string(map.name_origin));
        out += fmt::format("  table: 0 {} multipath {}\n", map.size_sectors, core::table_text(map));
        for (std::size_t g = 0; g < map.groups.size(); ++g)
            out += group_line(map, g) + "\n";
    }
    if (plan.maps.empty())
        out += "no maps would be created\n";
    for (const auto& line : plan.log) {
        out += fmt::format("# {}: {}{}\n", core::to_string(line.level),
                           line.context.empty() ? "" : line.context + ": ", line.message);
    }
    return out;
}

nlohmann::json plan_document(const core::PlanResult& plan) {
    nlohmann::json maps = nlohmann::json::array();
    for (const auto& map : plan.maps) {
        nlohmann::json groups = nlohmann::json::array();
        for (const auto& g : map.groups) {
            groups.push_back(
                {{"priority", g.priority}, {"usable_paths", g.usable_paths}, {"paths", g.devnodes}});
        }
        maps.push_back({{"name", map.name},
                        {"name_origin", core::to_string(map.name_origin)},
                        {"wwid", map.wwid},
                        {"dm_uuid", map.uuid},
                        {"size_sectors", map.size_sectors},
                        {"vendor", map.vendor},
                        {"product", map.product},
                        {"table", core::table_text(map)},
                        {"initial_group", map.best_group},
                        {"groups", groups}});
    }
    nlohmann::json log = nlohmann::json::array();
    for (const auto& line : plan.log) {
        log.push_back(
            {{"level", core::to_string(line.level)}, {"context", line.context}, {"message", line.message}});
    }
    return {{"schema_version", api::kJsonSchemaVersion}, {"maps", maps}, {"log", log}};
}

void add_plan_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand(
        "plan",
        "Show the maps and dm tables pathkeeperd would build from a config and a path list (no daemon)");
    auto args = std::make_shared<PlanArgs>();
    command->add_option("--config", args->config, "pathkeeper.yaml to plan with")->required();
    command->add_option("--paths", args->paths, "PATHS.yaml (see `pathctl show paths --as-plan-input`)")
        ->required();
    command->add_option("--bindings", args->bindings, "Alias bindings file (/var/lib/pathkeeper/bindings)");
    command->add_flag("--json", args->json, "Print JSON");
    registry.push_back({command, [args](Context& ctx) {
                            auto config = config::load_config_with_drop_ins(args->config, true);
                            if (!config) {
                                *ctx.err << "pathctl: " << config.error().message << "\n";
                                return kExitFailed;
                            }
                            std::string paths_text;
                            if (!read_file(args->paths, paths_text, ctx))
                                return kExitFailed;
                            auto paths = config::parse_plan_paths(paths_text, args->paths);
                            if (!paths) {
                                *ctx.err << "pathctl: " << paths.error().message << "\n";
                                return kExitFailed;
                            }
                            core::Bindings bindings;
                            if (!args->bindings.empty()) {
                                std::string bindings_text;
                                if (!read_file(args->bindings, bindings_text, ctx))
                                    return kExitFailed;
                                auto parsed = core::parse_bindings(bindings_text);
                                if (!parsed) {
                                    *ctx.err << "pathctl: " << args->bindings << ": "
                                             << parsed.error().message << "\n";
                                    return kExitFailed;
                                }
                                for (const auto& issue : parsed->rejected) {
                                    *ctx.err << "pathctl: " << args->bindings << ":" << issue.line
                                             << ": ignored: " << issue.reason << "\n";
                                }
                                bindings = parsed->bindings;
                            }
                            auto plan = core::plan_maps(*config, *paths, bindings, {}, core::PlanContext{});
                            if (args->json) {
                                *ctx.out << api::dump_json(plan_document(plan), 2) << "\n";
                            } else {
                                *ctx.out << format_plan(plan);
                            }
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
