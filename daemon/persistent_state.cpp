#include "daemon/persistent_state.hpp"

namespace pathkeeper::daemon {

PersistentState load_persistent_state(const core::Config& config, const std::string& state_dir,
                                      ports::StateFiles& files, ports::Logger& logger) {
    const auto global = core::resolve_global_options(config);
    PersistentState state;
    state.bindings_path =
        global.bindings_file.value.empty() ? state_dir + "/bindings" : global.bindings_file.value;
    state.wwids_path = global.wwids_file.value.empty() ? state_dir + "/wwids" : global.wwids_file.value;
    state.reservation_keys_path = global.reservation_keys_file.value.empty()
                                      ? state_dir + "/prkeys"
                                      : global.reservation_keys_file.value;
    auto warn = [&](const std::string& text) { logger.log(core::LogLevel::Warning, {}, text); };

    auto load_bindings = [&](const std::string& path) -> bool {
        auto text = files.read(path);
        if (!text) {
            if (text.error().code != core::ErrorCode::NotFound) {
                warn(path + ": " + text.error().message);
            }
            return false;
        }
        auto parsed = core::parse_bindings(*text);
        if (!parsed) {
            warn(path + ": " + parsed.error().message);
            return false;
        }
        for (const auto& issue : parsed->rejected) {
            warn(path + ":" + std::to_string(issue.line) + ": line ignored: " + issue.reason);
        }
        state.bindings = std::move(parsed->bindings);
        return true;
    };
    if (!load_bindings(state.bindings_path) && global.import_multipath_bindings.value) {
        const std::string& legacy = global.multipath_bindings_file.value;
        if (load_bindings(legacy)) {
            logger.log(core::LogLevel::Notice, {},
                       "imported " + std::to_string(state.bindings.size()) + " aliases from " + legacy);
            if (auto saved = files.write_atomic(state.bindings_path, core::format_bindings(state.bindings));
                !saved) {
                warn(state.bindings_path + ": " + saved.error().message);
            }
        }
    }
    auto load_wwids = [&](const std::string& path, core::KnownWwids& into) {
        if (auto text = files.read(path)) {
            if (auto parsed = core::parse_known_wwids(*text)) {
                for (const auto& issue : parsed->rejected) {
                    warn(path + ":" + std::to_string(issue.line) + ": line ignored: " + issue.reason);
                }
                into = std::move(parsed->wwids);
            } else {
                warn(path + ": " + parsed.error().message);
            }
        } else if (text.error().code != core::ErrorCode::NotFound) {
            warn(path + ": " + text.error().message);
        }
    };
    load_wwids(state.wwids_path, state.known_wwids);
    load_wwids(core::released_wwids_path(state.wwids_path), state.released_wwids);
    return state;
}

}  // namespace pathkeeper::daemon
