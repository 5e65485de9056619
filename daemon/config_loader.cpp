#include "daemon/config_loader.hpp"

#include <utility>

#include "config/drop_ins.hpp"
#include "config/startup.hpp"

namespace pathkeeper::daemon {

core::Result<core::Config> load_daemon_config(const std::string& path, bool path_explicit) {
    auto loaded = config::load_startup_config(path, path_explicit);
    if (loaded) {
        return std::move(loaded->config);
    }
    if (loaded.error().code == core::ErrorCode::NotFound) {
        return core::make_error(core::ErrorCode::NotFound, path + ": configuration file does not exist");
    }
    return loaded.error();
}

int check_config_file(const std::string& path, std::ostream& out, std::ostream& err) {
    auto loaded = config::load_config_with_drop_ins(path, true);
    if (loaded) {
        out << path << ": configuration is valid\n";
        for (const auto& file : loaded->drop_in_files) {
            out << file << ": drop-in merged\n";
        }
        return 0;
    }
    if (loaded.error().code == core::ErrorCode::NotFound) {
        err << path << ": configuration file does not exist\n";
        return 1;
    }
    err << loaded.error().message;
    if (!loaded.error().message.ends_with('\n')) {
        err << '\n';
    }
    return 1;
}

}  // namespace pathkeeper::daemon
