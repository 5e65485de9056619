// pathctl reservation MAP status|register|unregister|reserve|release|clear|preempt|preempt-abort: SCSI-3
// persistent reservation commands on a map, sent by the daemon through the map's paths (mpathpersist's
// commands, with the key defaulting to the map's reservation_key).
#include <memory>
#include <string>

#include "api/json.hpp"
#include "cli/commands.hpp"

namespace pathkeeper::cli {

namespace {

struct ReservationArgs {
    api::ReservationRequest request;
    bool json = false;
};

bool takes_type(const std::string& command) {
    return command == "reserve" || command == "release" || command == "preempt" || command == "preempt-abort";
}

bool takes_victim(const std::string& command) {
    return command == "preempt" || command == "preempt-abort";
}

// Usage mistakes are caught here (exit 2); keys and types are parsed by the daemon, which names the text.
std::string usage_problem(const api::ReservationRequest& r) {
    if (takes_victim(r.command) && r.victim.empty())
        return r.command + " needs --victim KEY: the key whose registrations go";
    if (!takes_victim(r.command) && !r.victim.empty())
        return "--victim is only for preempt and preempt-abort";
    if (!takes_type(r.command) && !r.type.empty())
        return "--type is only for reserve, release, preempt and preempt-abort";
    return {};
}

// The map's paths, for status: their registration states come with the topology.
std::vector<api::PathView> paths_of(const api::TopologyView& topology, const std::string& map) {
    std::vector<api::PathView> out;
    for (const auto& p : topology.paths) {
        if (p.map == map)
            out.push_back(p);
    }
    return out;
}

}  // namespace

void add_reservation_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand(
        "reservation",
        "SCSI-3 persistent reservations of a map: status, register, unregister, reserve, release, clear, "
        "preempt, preempt-abort (root only)");
    auto args = std::make_shared<ReservationArgs>();
    command->add_option("MAP", args->request.map, "The map: name or WWID")->required();
    command->add_option("COMMAND", args->request.command, "What to do")
        ->required()
        ->check(CLI::IsMember(
            {"status", "register", "unregister", "reserve", "release", "clear", "preempt", "preempt-abort"}));
    command->add_option("--key", args->request.key,
                        "The host's key in hex (default: the map's reservation_key, or for \"file\" the key "
                        "the keys file records for its WWID)");
    command->add_option(
        "--type", args->request.type,
        "Reservation type for reserve, release, preempt: a name (write-exclusive, "
        "exclusive-access, ...-registrants-only, ...-all-registrants), WE/EA/WERO/EARO/WEAR/"
        "EAAR or mpathpersist's number 1,3,5,6,7,8 (default write-exclusive-registrants-only)");
    command->add_option("--victim", args->request.victim, "preempt, preempt-abort: the key to preempt");
    command->add_flag("--aptpl", args->request.aptpl, "Persist through power loss (register)");
    command->add_flag("--json", args->json, "Print JSON (schema: docs/json-schema.md)");
    registry.push_back({command, [args](Context& ctx) {
                            const api::ReservationRequest& request = args->request;
                            if (const std::string problem = usage_problem(request); !problem.empty()) {
                                *ctx.err << "pathctl reservation: " << problem << "\n";
                                return kExitUsage;
                            }
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto result = client->reservation(request);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            const api::ReservationView& view = result.value();
                            std::vector<api::PathView> paths;
                            if (view.has_status) {
                                auto topology = client->topology();
                                if (!topology.ok())
                                    return report_error(topology.error(), ctx);
                                paths = paths_of(topology.value(), view.map);
                            }
                            if (args->json) {
                                *ctx.out << api::dump_json(api::reservation_document(view, paths), 2) << "\n";
                            } else {
                                *ctx.out << format_reservation(view, paths, ctx.style);
                            }
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
