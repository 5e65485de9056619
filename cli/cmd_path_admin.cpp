// pathctl fail-path DEV / reinstate-path DEV: take a path out of I/O, and put it back; remove-path DEV /
// add-path DEV: take it out of its map's table, and put it back. All are the same request shape (one path,
// root only, a one-line answer), so they share one implementation.
#include <functional>
#include <memory>
#include <string>

#include "cli/commands.hpp"

namespace pathkeeper::cli {
namespace {

using PathRequest = std::function<Done(Client&, const std::string&)>;

void add_path_admin_command(CLI::App& app, Registry& registry, const std::string& name,
                            const std::string& help, PathRequest request, std::string done_word) {
    auto* command = app.add_subcommand(name, help);
    auto dev = std::make_shared<std::string>();
    command->add_option("DEV", *dev, "Path device, e.g. sdb or /dev/sdb")->required();
    registry.push_back(
        {command, [dev, request = std::move(request), done_word = std::move(done_word)](Context& ctx) {
             int code = kExitOk;
             Client* client = connect_or_report(ctx, code);
             if (client == nullptr)
                 return code;
             auto path = strip_dev_prefix(*dev);
             auto result = request(*client, path);
             if (!result.ok())
                 return report_error(result.error(), ctx);
             *ctx.out << path << ": " << done_word << "\n";
             return kExitOk;
         }});
}

}  // namespace

void add_fail_path_command(CLI::App& app, Registry& registry) {
    add_path_admin_command(
        app, registry, "fail-path", "Stop using a path for I/O (root only)",
        [](Client& client, const std::string& path) { return client.fail_path(path); }, "failed");
}

void add_reinstate_path_command(CLI::App& app, Registry& registry) {
    add_path_admin_command(
        app, registry, "reinstate-path", "Use a path for I/O again once it checks up (root only)",
        [](Client& client, const std::string& path) { return client.reinstate_path(path); }, "reinstated");
}

void add_remove_path_command(CLI::App& app, Registry& registry) {
    add_path_admin_command(
        app, registry, "remove-path",
        "Take a path out of its map's table until add-path (multipathd del path; never the last path; root "
        "only)",
        [](Client& client, const std::string& path) { return client.remove_path(path); },
        "removed from its map");
}

void add_add_path_command(CLI::App& app, Registry& registry) {
    add_path_admin_command(
        app, registry, "add-path", "Put a path taken out by remove-path back into its map (root only)",
        [](Client& client, const std::string& path) { return client.add_path(path); }, "in its map");
}

}  // namespace pathkeeper::cli
