// pathctl is-member DEV: multipath -c for scripts: exit 0 when DEV is a path of a multipath map, 1 when it is
// not (or no such disk is known), with multipath -c's sentence on stdout.
#include <memory>

#include "cli/commands.hpp"
#include "cli/selection.hpp"

namespace pathkeeper::cli {

void add_is_member_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand("is-member",
                                       "Exit 0 if DEV is a path of a multipath map, 1 if not (multipath -c)");
    auto dev = std::make_shared<std::string>();
    command->add_option("DEV", *dev, "Path name, e.g. sdb, /dev/sdb or 8:16")->required();
    registry.push_back({command, [dev](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto topology = client->topology();
                            if (!topology.ok())
                                return report_error(topology.error(), ctx);
                            auto path = select_path(topology.value(), *dev);
                            const std::string name = strip_dev_prefix(*dev);
                            if (!path.ok() || path.value().map.empty()) {
                                *ctx.out << name << " is not a valid multipath device path\n";
                                return kExitFailed;
                            }
                            *ctx.out << path.value().devnode << " is a valid multipath device path (map "
                                     << path.value().map << ")\n";
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
