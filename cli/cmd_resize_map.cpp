// pathctl resize-map MAP: multipathd's resize map. The map takes the size every one of its paths reports now;
// the daemon grows a map by itself once its paths agree, so this is how an administrator shrinks one.
#include <memory>

#include "cli/commands.hpp"

namespace pathkeeper::cli {

void add_resize_map_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand(
        "resize-map",
        "Give MAP the size all its paths report now, a shrink included (rescan every path first; root only)");
    auto map = std::make_shared<std::string>();
    command->add_option("MAP", *map, "Map name or WWID, e.g. mpatha")->required();
    registry.push_back({command, [map](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto result = client->resize_map(*map);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            *ctx.out << *map << ": resize to the size of its paths requested\n";
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
