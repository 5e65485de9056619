// pathctl switch-group MAP N: make path group N (1-based, as multipath -ll counts) the active one.
#include <memory>

#include "cli/commands.hpp"

namespace pathkeeper::cli {

namespace {

struct SwitchGroupArgs {
    std::string map;
    unsigned group = 0;
};

}  // namespace

void add_switch_group_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand("switch-group", "Make path group N of MAP the active one (root only)");
    auto args = std::make_shared<SwitchGroupArgs>();
    command->add_option("MAP", args->map, "Map name, e.g. mpatha")->required();
    command->add_option("N", args->group, "Path group, 1-based")->required()->check(CLI::Range(1u, 1024u));
    registry.push_back({command, [args](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto result = client->switch_group(args->map, args->group);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            *ctx.out << args->map << ": switched to path group " << args->group << "\n";
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
