// pathctl remove-map NAME|--all [--deferred] / add-map WWID|DEV: multipath -f / -F and multipathd's del map /
// add map, over D-Bus. --all is done here, one RemoveMap per map the daemon lists, so each refusal is
// reported with its map and the others are still removed.
#include <memory>
#include <string>

#include "cli/commands.hpp"

namespace pathkeeper::cli {

namespace {

struct RemoveMapArgs {
    std::string map;
    bool all = false;
    bool deferred = false;
};

// One map: its line on stdout, or the refusal on stderr. Returns the exit code.
int remove_one(Client& client, const std::string& map, bool deferred, Context& ctx) {
    auto result = client.remove_map(map, deferred);
    if (!result.ok())
        return report_error(result.error(), ctx);
    if (result.value() == "deferred") {
        *ctx.out << map << ": removal deferred: device-mapper removes it when its last opener closes it\n";
    } else {
        *ctx.out << map << ": removed\n";
    }
    return kExitOk;
}

}  // namespace

void add_remove_map_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand(
        "remove-map",
        "Remove a map, its partition maps first, and keep it removed until add-map, reconfigure or its disks "
        "are added again (multipath -f / -F; refused while it is in use; root only)");
    auto args = std::make_shared<RemoveMapArgs>();
    command->add_option("NAME", args->map, "Map name (or its WWID), e.g. mpatha");
    command->add_flag("--all", args->all, "Every map the daemon has; exits 1 if any was refused");
    command->add_flag("--deferred", args->deferred,
                      "Remove an open map when its last opener closes it (dm deferred remove)");
    registry.push_back({command, [args](Context& ctx) {
                            if (args->all == !args->map.empty()) {
                                *ctx.err << "pathctl remove-map: give a map name or --all (not both)\n";
                                return kExitUsage;
                            }
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            if (!args->all)
                                return remove_one(*client, args->map, args->deferred, ctx);
                            auto maps = client->maps();
                            if (!maps.ok())
                                return report_error(maps.error(), ctx);
                            int worst = kExitOk;
                            for (const api::MapView& map : maps.value()) {
                                const int one = remove_one(*client, map.name, args->deferred, ctx);
                                if (one == kExitUnreachable)
                                    return one;
                                worst = one != kExitOk ? one : worst;
                            }
                            return worst;
                        }});
}

void add_add_map_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand(
        "add-map", "Create again a map removed by remove-map (multipathd add map; root only)");
    auto target = std::make_shared<std::string>();
    command->add_option("TARGET", *target, "The map's WWID, or one of its disks (sdb, /dev/sdb)")->required();
    registry.push_back({command, [target](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto result = client->add_map(*target);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            *ctx.out << *target << ": map planned again\n";
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
