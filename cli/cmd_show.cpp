// pathctl show topology [NAME] | map NAME | paths [--stats] | path DEV | maps | config [--explain [TARGET]]:
// read-only views of the daemon's state.
#include <memory>
#include <optional>
#include <vector>

#include "api/json.hpp"
#include "cli/commands.hpp"
#include "cli/selection.hpp"

namespace pathkeeper::cli {

namespace {

struct ShowOptions {
    bool json = false;
    bool as_plan_input = false;
    bool explain = false;
    bool stats = false;
    std::string sysfs_root = "/sys";
    std::string name;  // one map or one path, for the commands that take it
};

void print_json(Context& ctx, const nlohmann::json& doc) {
    *ctx.out << api::dump_json(doc, 2) << "\n";
}

// Connects, asks the daemon (fetch), prints the answer; an unreachable or refusing daemon is reported with
// its exit code and nothing is printed on stdout.
template <typename Fetch, typename Print>
int with_reply(Context& ctx, Fetch fetch, Print print) {
    int code = kExitOk;
    Client* client = connect_or_report(ctx, code);
    if (client == nullptr)
        return code;
    auto reply = fetch(*client);
    if (!reply.ok())
        return report_error(reply.error(), ctx);
    print(reply.value());
    return kExitOk;
}

int with_topology(Context& ctx, const std::function<void(const api::TopologyView&)>& print) {
    return with_reply(
        ctx, [](Client& client) { return client.topology(); }, print);
}

// Fetches the topology, picks one object out of it (select) and prints it with the topology it came from; an
// unknown name is reported like one the daemon refused (exit 1).
template <typename T>
int with_selected(Context& ctx, const std::function<Reply<T>(const api::TopologyView&)>& select,
                  const std::function<void(const api::TopologyView&, const T&)>& print) {
    int code = kExitOk;
    const int fetched = with_topology(ctx, [&](const api::TopologyView& t) {
        const Reply<T> selected = select(t);
        if (!selected.ok()) {
            code = report_error(selected.error(), ctx);
            return;
        }
        print(t, selected.value());
    });
    return fetched != kExitOk ? fetched : code;
}

std::vector<std::optional<BlockStats>> read_stats(const std::vector<api::PathView>& paths,
                                                  const std::string& sysfs_root) {
    std::vector<std::optional<BlockStats>> stats;
    stats.reserve(paths.size());
    for (const api::PathView& p : paths) {
        stats.push_back(os::read_block_stats(sysfs_root, p.devnode));
    }
    return stats;
}

nlohmann::json stats_to_json(const std::optional<BlockStats>& s) {
    if (!s) {
        return nullptr;
    }
    return {{"reads", s->reads},
            {"writes", s->writes},
            {"sectors_read", s->sectors_read},
            {"sectors_written", s->sectors_written},
            {"in_flight", s->in_flight},
            {"io_ticks_ms", s->io_ticks_ms}};
}

}  // namespace

void add_show_command(CLI::App& app, Registry& registry) {
    auto* show = app.add_subcommand("show", "Show the daemon's maps, paths, topology or configuration");
    show->require_subcommand(1);
    auto options = std::make_shared<ShowOptions>();

    auto* topology = show->add_subcommand(
        "topology", "Every map (or map NAME) with its path groups and paths, like multipath -ll");
    topology->add_flag("--json", options->json, "Print JSON (schema: docs/json-schema.md)");
    topology->add_option("NAME", options->name, "Only this map: name, WWID, dm device or major:minor");
    registry.push_back(
        {topology, [options](Context& ctx) {
             auto print = [&](const api::TopologyView& shown) {
                 if (options->json) {
                     print_json(ctx, api::topology_document(shown));
                 } else {
                     *ctx.out << format_topology(shown, ctx.style);
                 }
             };
             if (options->name.empty())
                 return with_topology(ctx, print);
             return with_selected<api::MapView>(
                 ctx, [&](const api::TopologyView& t) { return select_map(t, options->name); },
                 [&](const api::TopologyView& t, const api::MapView& m) { print(topology_of(t, m)); });
         }});

    auto* map = show->add_subcommand("map", "One map: a line like show maps, or its JSON object");
    map->add_flag("--json", options->json, "Print JSON (schema: docs/json-schema.md)");
    map->add_option("NAME", options->name, "The map: name, WWID, dm device or major:minor")->required();
    registry.push_back({map, [options](Context& ctx) {
                            return with_selected<api::MapView>(
                                ctx, [&](const api::TopologyView& t) { return select_map(t, options->name); },
                                [&](const api::TopologyView& t, const api::MapView& m) {
                                    if (options->json) {
                                        print_json(ctx, api::maps_document({m}));
                                    } else {
                                        *ctx.out << format_maps_table(topology_of(t, m), ctx.style)
                                                 << format_holder(m);
                                    }
                                });
                        }});

    auto* paths = show->add_subcommand("paths", "One line per path");
    paths->add_flag("--json", options->json, "Print JSON (schema: docs/json-schema.md)");
    paths->add_flag("--as-plan-input", options->as_plan_input,
                    "Print the paths as PATHS.yaml for `pathctl plan --paths`");
    paths->add_flag("--stats", options->stats,
                    "I/O counters per path, from /sys/block/DEV/stat (with --json: a \"stats\" object)");
    // Where pathctl reads the counters; for tests.
    paths->add_option("--sysfs-root", options->sysfs_root)->group("");
    registry.push_back({paths, [options](Context& ctx) {
                            auto fetch = [](Client& client) { return client.paths(); };
                            return with_reply(ctx, fetch, [&](const std::vector<api::PathView>& paths) {
                                if (options->as_plan_input) {
                                    *ctx.out << format_plan_input(paths);
                                } else if (options->stats) {
                                    const auto stats = read_stats(paths, options->sysfs_root);
                                    if (options->json) {
                                        nlohmann::json doc = api::paths_document(paths);
                                        for (std::size_t i = 0; i < stats.size(); ++i) {
                                            doc["paths"][i]["stats"] = stats_to_json(stats[i]);
                                        }
                                        print_json(ctx, doc);
                                    } else {
                                        *ctx.out << format_path_stats_table(paths, stats, ctx.style);
                                    }
                                } else if (options->json) {
                                    print_json(ctx, api::paths_document(paths));
                                } else {
                                    *ctx.out << format_paths_table(paths, ctx.style);
                                }
                            });
                        }});
    paths->get_option("--json")->excludes(paths->get_option("--as-plan-input"));
    paths->get_option("--stats")->excludes(paths->get_option("--as-plan-input"));

    auto* path = show->add_subcommand("path", "One path: a line like show paths, or its JSON object");
    path->add_flag("--json", options->json, "Print JSON (schema: docs/json-schema.md)");
    path->add_option("DEV", options->name, "The path: kernel name, /dev node or major:minor")->required();
    registry.push_back(
        {path, [options](Context& ctx) {
             return with_selected<api::PathView>(
                 ctx, [&](const api::TopologyView& t) { return select_path(t, options->name); },
                 [&](const api::TopologyView&, const api::PathView& p) {
                     if (options->json) {
                         print_json(ctx, api::paths_document({p}));
                     } else {
                         *ctx.out << format_paths_table({p}, ctx.style) << format_registration_details({p});
                     }
                 });
         }});

    auto* maps = show->add_subcommand("maps", "One line per map");
    maps->add_flag("--json", options->json, "Print JSON (schema: docs/json-schema.md)");
    registry.push_back(
        {maps, [options](Context& ctx) {
             if (!options->json) {
                 // The table's PATHS column counts usable paths: it needs their states.
                 return with_topology(
                     ctx, [&](const api::TopologyView& t) { *ctx.out << format_maps_table(t, ctx.style); });
             }
             return with_reply(
                 ctx, [](Client& client) { return client.maps(); },
                 [&](const std::vector<api::MapView>& maps) { print_json(ctx, api::maps_document(maps)); });
         }});

    auto* config = show->add_subcommand("config", "The configuration in effect, as YAML");
    config->add_flag("--explain", options->explain,
                     "Show where each value comes from (with TARGET: each per-map option of that map)");
    config->add_flag(
        "--json", options->json,
        "Print {\"schema_version\":1,\"explain\":bool,[\"target\":\"TARGET\",]\"config\":\"<text>\"}");
    config
        ->add_option("TARGET", options->name,
                     "With --explain: a map (name or WWID) or a path (kernel name, /dev node or major:minor)")
        ->needs(config->get_option("--explain"));
    registry.push_back({config, [options](Context& ctx) {
                            const std::string target = options->name;
                            return with_reply(
                                ctx,
                                [&](Client& client) {
                                    return target.empty() ? client.config(options->explain)
                                                          : client.explain_config(target);
                                },
                                [&](const std::string& text) {
                                    if (options->json) {
                                        nlohmann::json doc{{"schema_version", api::kJsonSchemaVersion},
                                                           {"explain", options->explain}};
                                        if (!target.empty())
                                            doc["target"] = target;
                                        doc["config"] = text;
                                        print_json(ctx, doc);
                                    } else {
                                        *ctx.out << text;
                                        if (!text.empty() && text.back() != '\n')
                                            *ctx.out << "\n";
                                    }
                                });
                        }});
}

}  // namespace pathkeeper::cli
