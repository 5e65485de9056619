#include "config/drop_ins.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "config/config_file.hpp"
#include "core/config_merge.hpp"

namespace pathkeeper::config {

namespace fs = std::filesystem;

std::string drop_in_directory(const std::string& main_path) {
    const fs::path parent = fs::path(main_path).parent_path();
    return (parent.empty() ? fs::path("conf.d") : parent / "conf.d").string();
}

core::Result<std::vector<std::string>> list_drop_ins(const std::string& directory) {
    std::error_code ec;
    if (!fs::exists(directory, ec)) {
        return std::vector<std::string>{};
    }
    std::vector<std::string> files;
    fs::directory_iterator it(directory, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with('.') || !name.ends_with(".yaml")) {
            continue;
        }
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) {
            continue;  // a directory named x.yaml, a dangling link: not configuration
        }
        files.push_back(it->path().string());
    }
    if (ec) {
        return core::Error(core::ErrorCode::Io, directory + ": " + ec.message());
    }
    std::sort(files.begin(), files.end());
    return files;
}

core::Result<core::Config> load_config_with_drop_ins(const std::string& main_path, bool main_required) {
    auto main = load_config_file(main_path);
    if (!main && (main.error().code != core::ErrorCode::NotFound || main_required)) {
        return main.error();
    }
    core::Config merged = main ? std::move(main).value() : core::Config{};
    auto drop_ins = list_drop_ins(drop_in_directory(main_path));
    if (!drop_ins) {
        return drop_ins.error();
    }
    // A bad drop-in refuses the whole configuration, like a bad main file: half of an admin's change in
    // effect is worse than none of it. Every file is still read so that all problems are reported at once.
    std::string problems;
    auto report = [&](const std::string& message) {
        problems += problems.empty() ? "" : "\n";
        problems += message;
    };
    for (const auto& file : *drop_ins) {
        auto loaded = load_config_file(file);
        if (!loaded) {
            report(loaded.error().message);
            continue;
        }
        for (const auto& p : core::merge_config(merged, std::move(loaded).value())) {
            report(Diagnostic{p.where, p.key, p.message}.to_string());
        }
    }
    if (!problems.empty()) {
        return core::Error(core::ErrorCode::InvalidConfig, std::move(problems));
    }
    return merged;
}

}  // namespace pathkeeper::config
