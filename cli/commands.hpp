#pragma once
// One add_*_command per subcommand file. Each registers its CLI11 subcommand and returns the action pathctl
// runs when that subcommand was given.

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

#include "cli/app.hpp"

namespace pathkeeper::cli {

using Action = std::function<int(Context&)>;
struct Registered {
    CLI::App* command;
    Action action;
};
using Registry = std::vector<Registered>;

void add_show_command(CLI::App& app, Registry& registry);
void add_status_command(CLI::App& app, Registry& registry);
void add_fail_path_command(CLI::App& app, Registry& registry);
void add_reinstate_path_command(CLI::App& app, Registry& registry);
void add_remove_path_command(CLI::App& app, Registry& registry);
void add_add_path_command(CLI::App& app, Registry& registry);
void add_remove_map_command(CLI::App& app, Registry& registry);
void add_add_map_command(CLI::App& app, Registry& registry);
void add_reservation_command(CLI::App& app, Registry& registry);
void add_switch_group_command(CLI::App& app, Registry& registry);
void add_queueing_command(CLI::App& app, Registry& registry);
void add_resize_map_command(CLI::App& app, Registry& registry);
void add_wwids_command(CLI::App& app, Registry& registry);
void add_is_member_command(CLI::App& app, Registry& registry);
void add_reconfigure_command(CLI::App& app, Registry& registry);
void add_watch_command(CLI::App& app, Registry& registry);
void add_plan_command(CLI::App& app, Registry& registry);
void add_config_import_command(CLI::App& app, Registry& registry);

// Shared by the subcommands: connect or report; nullptr means the exit code is already in `code`.
Client* connect_or_report(Context& ctx, int& code);
// "/dev/sdb" -> "sdb": the daemon accepts both, this keeps messages short.
std::string strip_dev_prefix(const std::string& devnode);

}  // namespace pathkeeper::cli
