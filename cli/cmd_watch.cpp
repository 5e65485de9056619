// pathctl watch: one line per path state change and map change, as they happen, until Ctrl-C.
#include <memory>

#include "api/json.hpp"
#include "cli/commands.hpp"

namespace pathkeeper::cli {

void add_watch_command(CLI::App& app, Registry& registry) {
    auto* command = app.add_subcommand("watch", "Print path and map events as they happen, until Ctrl-C");
    auto json = std::make_shared<bool>(false);
    command->add_flag("--json", *json, "One JSON object per line (schema: docs/json-schema.md)");
    registry.push_back({command, [json](Context& ctx) {
                            int code = kExitOk;
                            Client* client = connect_or_report(ctx, code);
                            if (client == nullptr)
                                return code;
                            auto prefix = [&ctx] {
                                return ctx.timestamp ? ctx.timestamp() + " " : std::string();
                            };
                            auto stamped = [&ctx](nlohmann::json doc) {
                                if (ctx.event_time) {
                                    doc["time"] = ctx.event_time();
                                }
                                return api::dump_json(doc);
                            };
                            WatchSink sink;
                            sink.path_state_changed = [&](const api::PathStateEvent& e) {
                                if (*json) {
                                    *ctx.out << stamped(api::path_state_event_to_json(e)) << std::endl;
                                } else {
                                    *ctx.out << prefix() << format_path_event(e, ctx.style) << std::endl;
                                }
                            };
                            sink.map_changed = [&](const api::MapChangeEvent& e) {
                                if (*json) {
                                    *ctx.out << stamped(api::map_change_event_to_json(e)) << std::endl;
                                } else {
                                    *ctx.out << prefix() << format_map_event(e) << std::endl;
                                }
                            };
                            auto stop = ctx.should_stop ? ctx.should_stop : [] { return false; };
                            auto result = client->watch(sink, stop);
                            if (!result.ok())
                                return report_error(result.error(), ctx);
                            return kExitOk;
                        }});
}

}  // namespace pathkeeper::cli
