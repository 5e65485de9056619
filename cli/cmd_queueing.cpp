// pathctl queueing MAP|--all disable|restore|force: multipathd's disablequeueing / restorequeueing /
// forcequeueing, over D-Bus.
#include <memory>

#include "cli/commands.hpp"

namespace pathkeeper::cli {

namespace {

struct QueueingArgs {
    std::string map;
    bool all = false;
    std::string control;
};

}  // namespace

void add_queueing_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand(
        "queueing",
        "Set what MAP does with I/O when no path is left, until restored (root only): disable (queued I/O "
        "fails "
        "now, nothing queues), force (queue with no limit), restore (the configured no_path_retry)");
    auto args = std::make_shared<QueueingArgs>();
    auto* all = command->add_flag("--all", args->all, "Every map");
    // Both positionals are optional to the parser so that `--all disable` reads as the control.
    command->add_option("MAP", args->map, "Map name, e.g. mpatha");
    command->add_option("CONTROL", args->control, "disable, restore or force");
    (void)all;
    registry.push_back({command, [args](Context& ctx) {
                            if (args->all && args->control.empty()) {
                                args->control = args->map;
                                args->map.clear();
                            }
                            if (args->all == !args->map.empty() || args->control.empty()) {
                                *ctx.err << "pathctl queueing: give a map name or --all, and one of disable, "
                                            "restore, force\n";
                                return kExitUsage;
                            }
                            if (args->control != "disable" && args->control != "restore" &&
                                args->control != "force") {
                                *ctx.err << "pathctl queueing: \"" << args->control
                                         << "\" is not disable, restore or force\n";
                                return kExitUsage;
                            }
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto result = client->set_queueing(args->map, args->control);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            *ctx.out << (args->all ? std::string("every map") : args->map) << ": queueing "
                                     << args->control << "\n";
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
