// pathctl reconfigure [--config FILE]: apply the configuration file again (or FILE's contents). An invalid
// configuration is reported line by line (file:line:col) and the daemon keeps what it had.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"

namespace pathkeeper::cli {

void add_reconfigure_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand("reconfigure", "Re-read and apply the configuration (root only)");
    auto file = std::make_shared<std::string>();
    command->add_option("--config", *file,
                        "Apply this file's contents instead of the daemon's configuration file (the daemon's "
                        "ConfigPath does not change)");
    registry.push_back({command, [file](Context& ctx) {
                            std::optional<std::pair<std::string, std::string>> text;
                            if (!file->empty()) {
                                std::ifstream in(*file, std::ios::binary);
                                if (!in) {
                                    *ctx.err << "pathctl: cannot read " << *file << "\n";
                                    return kExitFailed;
                                }
                                std::ostringstream buffer;
                                buffer << in.rdbuf();
                                std::error_code ec;
                                auto absolute = std::filesystem::absolute(*file, ec);
                                text.emplace(buffer.str(), ec ? *file : absolute.string());
                            }
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto result = client->reconfigure(text);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            *ctx.out << "configuration applied\n";
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
