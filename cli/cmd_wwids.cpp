// pathctl wwids list|add|remove|reset: the known-WWIDs list (multipath -a / -w / -W), kept by the daemon.
#include <memory>

#include "api/json.hpp"
#include "cli/commands.hpp"

namespace pathkeeper::cli {

namespace {

// add / remove: the daemon resolves a path name to its WWID and says what it refuses.
void add_edit(CLI::App& wwids, Registry& registry, const std::string& edit, const std::string& help) {
    auto* command = wwids.add_subcommand(edit, help);
    auto target = std::make_shared<std::string>();
    command->add_option("WWID|DEV", *target, "A WWID, or a path such as sdb or /dev/sdb for its WWID")
        ->required();
    registry.push_back({command, [edit, target](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto result = client->edit_known_wwids(edit, *target);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            *ctx.out << *target << (edit == "add" ? ": known\n" : ": no longer known\n");
                            return kExitOk;
                        }});
}

}  // namespace

void add_wwids_command(CLI::App& app, Registry& registry) {
    auto* wwids =
        app.add_subcommand("wwids", "The known-WWIDs list (find_multipaths on/strict multipath these)");
    wwids->require_subcommand(1);

    auto* list = wwids->add_subcommand("list", "Print the known WWIDs, one per line, in file order");
    auto json = std::make_shared<bool>(false);
    list->add_flag("--json", *json, "Print JSON (schema: docs/json-schema.md)");
    registry.push_back({list, [json](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto known = client->known_wwids();
                            if (!known.ok())
                                return report_error(known.error(), ctx);
                            if (*json) {
                                *ctx.out << api::dump_json(api::known_wwids_document(known.value()), 2)
                                         << "\n";
                            } else {
                                for (const std::string& w : known.value())
                                    *ctx.out << w << "\n";
                            }
                            return kExitOk;
                        }});

    add_edit(*wwids, registry, "add",
             "Make a WWID known (multipath -a); it is multipathed at once if it now qualifies (root only)");
    add_edit(*wwids, registry, "remove",
             "Forget a WWID (multipath -w); refused while it has a map (root only)");

    auto* reset =
        wwids->add_subcommand("reset", "Keep only the WWIDs that have a map now (multipath -W; root only)");
    registry.push_back({reset, [](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto result = client->edit_known_wwids("reset", {});
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            *ctx.out << "known WWIDs reset to the maps' WWIDs\n";
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
