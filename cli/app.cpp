#include "cli/app.hpp"

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

namespace pathkeeper::cli {

namespace {

constexpr std::string_view kErrorPrefix = "org.pathkeeper.PathKeeper1.Error.";

}  // namespace

int report_error(const ClientError& error, Context& ctx) {
    std::ostream& err = *ctx.err;
    switch (error.kind) {
        case ClientErrorKind::Unreachable:
            err << "pathctl: pathkeeperd is not reachable on the system bus";
            if (!error.message.empty())
                err << " (" << error.message << ")";
            err << ".\nStart it with `systemctl start pathkeeperd` (or run `pathkeeperd` as root).\n";
            return kExitUnreachable;
        case ClientErrorKind::Malformed:
            err << "pathctl: unexpected answer from pathkeeperd: " << error.message << "\n";
            return kExitFailed;
        case ClientErrorKind::Refused:
            break;
    }
    std::string short_name = error.name;
    if (short_name.starts_with(kErrorPrefix))
        short_name = short_name.substr(kErrorPrefix.size());
    err << "pathctl: " << error.message << " (" << short_name << ")\n";
    if (api::api_error_from_dbus_name(error.name) == api::ApiError::AccessDenied) {
        err << "Run this command as root.\n";
    }
    return kExitFailed;
}

Client* connect_or_report(Context& ctx, int& code) {
    auto client = ctx.connect();
    if (!client.ok()) {
        code = report_error(client.error(), ctx);
        return nullptr;
    }
    return client.value();
}

std::string strip_dev_prefix(const std::string& devnode) {
    return devnode.starts_with("/dev/") ? devnode.substr(5) : devnode;
}

int run_pathctl(int argc, const char* const* argv, Context& ctx) {
    CLI::App app{"pathctl: inspect and control pathkeeperd, the multipath path manager", "pathctl"};
    app.require_subcommand(1);
    app.set_version_flag("-V,--version", std::string("pathctl ") + PATHKEEPER_VERSION);
    std::string colour = "auto";
    app.add_option("--color", colour, "Colour the output: auto (only on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.footer(
        "Exit status: 0 ok, 1 failed (including access denied), 2 usage error, 3 pathkeeperd not reachable.");

    Registry registry;
    add_show_command(app, registry);
    add_status_command(app, registry);
    add_fail_path_command(app, registry);
    add_reinstate_path_command(app, registry);
    add_remove_path_command(app, registry);
    add_add_path_command(app, registry);
    add_remove_map_command(app, registry);
    add_add_map_command(app, registry);
    add_reservation_command(app, registry);
    add_switch_group_command(app, registry);
    add_queueing_command(app, registry);
    add_resize_map_command(app, registry);
    add_wwids_command(app, registry);
    add_is_member_command(app, registry);
    add_reconfigure_command(app, registry);
    add_watch_command(app, registry);
    add_plan_command(app, registry);
    add_config_import_command(app, registry);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e, *ctx.out, *ctx.err);
        return code == 0 ? kExitOk : kExitUsage;
    }
    ctx.style.colour = colour == "always" || (colour == "auto" && ctx.stdout_is_terminal);

    for (const auto& [command, action] : registry) {
        if (command->parsed())
            return action(ctx);
    }
    *ctx.err << app.help();
    return kExitUsage;
}

}  // namespace pathkeeper::cli
