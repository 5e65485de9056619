#include "cli/app.hpp"

#include <string_view>
#include <vector>

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

namespace {

// Each top-level command and the function that builds its CLI11 tree.
struct CommandEntry {
    std::string_view name;
    void (*add)(CLI::App&, Registry&);
};

constexpr CommandEntry kCommands[] = {
    {"show", add_show_command},
    {"status", add_status_command},
    {"fail-path", add_fail_path_command},
    {"reinstate-path", add_reinstate_path_command},
    {"remove-path", add_remove_path_command},
    {"add-path", add_add_path_command},
    {"remove-map", add_remove_map_command},
    {"add-map", add_add_map_command},
    {"reservation", add_reservation_command},
    {"switch-group", add_switch_group_command},
    {"queueing", add_queueing_command},
    {"resize-map", add_resize_map_command},
    {"wwids", add_wwids_command},
    {"is-member", add_is_member_command},
    {"reconfigure", add_reconfigure_command},
    {"watch", add_watch_command},
    {"plan", add_plan_command},
    {"config", add_config_import_command},
};

// Building every command's tree is most of the work before a query's D-Bus call: when the first word that
// is not an option names a command, only that command is built (parsing, its errors and its --help are the
// same). A bare --version needs none. Otherwise every command is built, so the top-level help lists them all.
std::vector<const CommandEntry*> commands_to_build(int argc, const char* const* argv) {
    std::vector<const CommandEntry*> out;
    if (argc == 2 && (std::string_view(argv[1]) == "--version" || std::string_view(argv[1]) == "-V"))
        return out;
    for (int i = 1; i < argc; ++i) {
        const std::string_view word = argv[i];
        if (word.starts_with("-"))
            continue;
        for (const CommandEntry& command : kCommands) {
            if (command.name == word)
                out.push_back(&command);
        }
        break;
    }
    if (out.empty()) {
        for (const CommandEntry& command : kCommands)
            out.push_back(&command);
    }
    return out;
}

}  // namespace

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
    for (const CommandEntry* command : commands_to_build(argc, argv))
        command->add(app, registry);

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
