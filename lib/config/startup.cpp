#include "config/startup.hpp"

#include <ostream>
#include <utility>

#include "config/config_file.hpp"

namespace pathkeeper::config {

core::Result<StartupConfig> load_startup_config(const std::string& path, bool path_given) {
    auto loaded = load_config_file(path);
    if (loaded.ok()) {
        return StartupConfig{std::move(loaded).value(), false, path};
    }
    if (loaded.error().code == core::ErrorCode::NotFound && !path_given) {
        return StartupConfig{core::Config{}, true, path};
    }
    return loaded.error();
}

int check_config_file(const std::string& path, std::ostream& out, std::ostream& err) {
    auto loaded = load_config_file(path);
    if (!loaded.ok()) {
        err << loaded.error().message << '\n';
        return 1;
    }
    const core::Config& c = *loaded;
    out << path << ": OK (" << c.devices.size() << " device rule(s), " << c.multipaths.size()
        << " multipath entr" << (c.multipaths.size() == 1 ? "y" : "ies") << ")\n";
    return 0;
}

}  // namespace pathkeeper::config
