// pathctl fail-path DEV: take a path out of I/O until reinstate-path.
#include <memory>

#include "cli/commands.hpp"

namespace pathkeeper::cli {

void add_fail_path_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand("fail-path", "Stop using a path for I/O (root only)");
    auto dev = std::make_shared<std::string>();
    command->add_option("DEV", *dev, "Path device, e.g. sdb or /dev/sdb")->required();
    registry.push_back({command, [dev](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto name = strip_dev_prefix(*dev);
                            auto result = client->fail_path(name);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            *ctx.out << name << ": failed\n";
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
