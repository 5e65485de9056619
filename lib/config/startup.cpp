#include "config/startup.hpp"

#include <ostream>
#include <utility>

#include "config/drop_ins.hpp"

namespace pathkeeper::config {

core::Result<StartupConfig> load_startup_config(const std::string& path, bool path_given) {
    auto loaded = load_config_with_drop_ins(path, path_given);
    if (!loaded.ok()) {
        return loaded.error();
    }
    const bool builtin_only = loaded->source_file.empty();
    return StartupConfig{std::move(loaded).value(), builtin_only, path};
}

int check_config_file(const std::string& path, std::ostream& out, std::ostream& err) {
    auto loaded = load_config_with_drop_ins(path, true);
    if (!loaded.ok()) {
        err << loaded.error().message << '\n';
        return 1;
    }
    const core::Config& c = *loaded;
    out << path << ": OK (" << c.devices.size() << " device rule(s), " << c.multipaths.size()
        << " multipath entr" << (c.multipaths.size() == 1 ? "y" : "ies") << ")\n";
    for (const auto& file : c.drop_in_files) {
        out << file << ": OK (merged)\n";
    }
    return 0;
}

}  // namespace pathkeeper::config
