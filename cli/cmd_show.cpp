// pathctl show topology | paths | maps | config: read-only views of the daemon's state.
#include <memory>

#include "api/json.hpp"
#include "cli/commands.hpp"

namespace pathkeeper::cli {

namespace {

struct ShowOptions {
    bool json = false;
    bool as_plan_input = false;
    bool explain = false;
};

void print_json(Context& ctx, const nlohmann::json& doc) {
    *ctx.out << api::dump_json(doc, 2) << "\n";
}

int with_topology(Context& ctx, const std::function<void(const api::TopologyView&)>& print) {
    int code = kExitOk;
    Client* client = connect_or_report(ctx, code);
    if (client == nullptr)
        return code;
    auto topology = client->topology();
    if (!topology.ok())
        return report_error(topology.error(), ctx);
    print(topology.value());
    return kExitOk;
}

}  // namespace

void add_show_command(CLI::App& app, Registry& registry) {
    auto* show = app.add_subcommand("show", "Show the daemon's maps, paths, topology or configuration");
    show->require_subcommand(1);
    auto options = std::make_shared<ShowOptions>();

    auto* topology =
        show->add_subcommand("topology", "Every map with its path groups and paths, like multipath -ll");
    topology->add_flag("--json", options->json, "Print JSON (schema: docs/json-schema.md)");
    registry.push_back({topology, [options](Context& ctx) {
                            return with_topology(ctx, [&](const api::TopologyView& t) {
                                if (options->json) {
                                    print_json(ctx, api::topology_document(t));
                                } else {
                                    *ctx.out << format_topology(t, ctx.style);
                                }
                            });
                        }});

    auto* paths = show->add_subcommand("paths", "One line per path");
    paths->add_flag("--json", options->json, "Print JSON (schema: docs/json-schema.md)");
    paths->add_flag("--as-plan-input", options->as_plan_input,
                    "Print the paths as PATHS.yaml for `pathctl plan --paths`");
    registry.push_back({paths, [options](Context& ctx) {
                            return with_topology(ctx, [&](const api::TopologyView& t) {
                                if (options->as_plan_input) {
                                    *ctx.out << format_plan_input(t.paths);
                                } else if (options->json) {
                                    print_json(ctx, api::paths_document(t.paths));
                                } else {
                                    *ctx.out << format_paths_table(t.paths, ctx.style);
                                }
                            });
                        }});
    paths->get_option("--json")->excludes(paths->get_option("--as-plan-input"));

    auto* maps = show->add_subcommand("maps", "One line per map");
    maps->add_flag("--json", options->json, "Print JSON (schema: docs/json-schema.md)");
    registry.push_back({maps, [options](Context& ctx) {
                            if (!options->json) {
                                // The table's PATHS column counts usable paths: it needs their states.
                                return with_topology(ctx, [&](const api::TopologyView& t) {
                                    *ctx.out << format_maps_table(t, ctx.style);
                                });
                            }
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto maps = client->maps();
                            if (!maps.ok())
                                return report_error(maps.error(), ctx);
                            print_json(ctx, api::maps_document(maps.value()));
                            return kExitOk;
                        }});

    auto* config = show->add_subcommand("config", "The configuration in effect, as YAML");
    config->add_flag("--explain", options->explain, "Show where each resolved per-map option comes from");
    config->add_flag("--json", options->json, "Print {\"schema_version\":1,\"config\":\"<yaml text>\"}");
    registry.push_back({config, [options](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto text = client->config(options->explain);
                            if (!text.ok())
                                return report_error(text.error(), ctx);
                            if (options->json) {
                                print_json(ctx, {{"schema_version", api::kJsonSchemaVersion},
                                                 {"explain", options->explain},
                                                 {"config", text.value()}});
                            } else {
                                *ctx.out << text.value();
                                if (!text.value().empty() && text.value().back() != '\n')
                                    *ctx.out << "\n";
                            }
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
