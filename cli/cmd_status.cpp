// pathctl status: is the daemon there, and a one-screen summary.
#include <memory>

#include "api/json.hpp"
#include "cli/commands.hpp"

namespace pathkeeper::cli {

void add_status_command(CLI::App& app, Registry& registry) {
    auto* status = app.add_subcommand("status", "Daemon version, configuration file and path counts");
    auto json = std::make_shared<bool>(false);
    status->add_flag("--json", *json, "Print JSON (schema: docs/json-schema.md)");
    registry.push_back({status, [json](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto manager = client->status();
                            if (!manager.ok())
                                return report_error(manager.error(), ctx);
                            if (*json) {
                                *ctx.out << api::dump_json(api::status_document(manager.value()), 2) << "\n";
                            } else {
                                *ctx.out << format_status(manager.value());
                            }
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
