// pathctl config import FILE [-o OUT] [--force]: turn a multipath.conf into an equivalent pathkeeper.yaml.
// Works offline (no daemon). The YAML goes to stdout or OUT; every option that could not be mapped, or whose
// meaning was translated, is reported on stderr as "file:line: option: message". The YAML is checked with
// the daemon's own parser before it is written, so what lands in OUT always loads.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "config/config_file.hpp"
#include "migrate/import.hpp"

namespace pathkeeper::cli {

namespace {

struct ImportOptions {
    std::string input;
    std::string output;
    bool force = false;
};

// Writes next to the target and renames, so an interrupted import never leaves half a config behind.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& why) {
    const std::string temporary = path + ".pathctl-import.tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out || !(out << text) || !out.flush()) {
            why = "cannot write " + temporary;
            std::remove(temporary.c_str());
            return false;
        }
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        why = "cannot rename " + temporary + " to " + path + ": " + ec.message();
        std::remove(temporary.c_str());
        return false;
    }
    return true;
}

int run_import(const ImportOptions& options, Context& ctx) {
    std::ifstream in(options.input, std::ios::binary);
    if (!in) {
        *ctx.err << "pathctl: cannot read " << options.input << "\n";
        return kExitFailed;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    auto result = migrate::import_multipath_conf(buffer.str(), options.input);
    if (!result.ok()) {
        *ctx.err << result.error().message << "\npathctl: " << options.input
                 << " is not a valid multipath.conf; nothing written\n";
        return kExitFailed;
    }
    auto check =
        config::parse_config_report(result->yaml, options.output.empty() ? "<output>" : options.output);
    if (!check.diagnostics.empty()) {
        for (const auto& d : check.diagnostics) {
            *ctx.err << d.to_string() << "\n";
        }
        *ctx.err << "pathctl: internal error: the imported configuration does not load; nothing written\n";
        return kExitFailed;
    }
    std::size_t not_mapped = 0;
    for (const auto& note : result->notes) {
        *ctx.err << note.to_string() << " [" << migrate::to_string(note.kind) << "]\n";
        if (note.kind == migrate::ImportNote::Kind::NotMapped ||
            note.kind == migrate::ImportNote::Kind::InvalidValue) {
            ++not_mapped;
        }
    }
    if (options.output.empty()) {
        *ctx.out << result->yaml;
    } else {
        std::error_code ec;
        if (!options.force && std::filesystem::exists(options.output, ec)) {
            *ctx.err << "pathctl: " << options.output << " exists; use --force to replace it\n";
            return kExitFailed;
        }
        std::string why;
        if (!write_file_atomically(options.output, result->yaml, why)) {
            *ctx.err << "pathctl: " << why << "\n";
            return kExitFailed;
        }
        *ctx.err << "pathctl: wrote " << options.output << "\n";
    }
    if (not_mapped > 0) {
        *ctx.err << "pathctl: " << not_mapped << " option(s) of " << options.input
                 << " were left out (listed above); review them before switching to pathkeeperd\n";
    }
    return kExitOk;
}

}  // namespace

void add_config_import_command(CLI::App& app, Registry& registry) {
    // "config" may already hold other offline subcommands; share it.
    CLI::App* config = nullptr;
    try {
        config = app.get_subcommand("config");
    } catch (const CLI::OptionNotFound&) {
        config = app.add_subcommand("config", "Work with configuration files (offline)");
        config->require_subcommand(1);
    }
    auto* command = config->add_subcommand("import", "Convert a multipath.conf into a pathkeeper.yaml");
    auto options = std::make_shared<ImportOptions>();
    command->add_option("FILE", options->input, "The multipath.conf to read (e.g. /etc/multipath.conf)")
        ->required();
    command->add_option("-o,--output", options->output, "Write the YAML to this file instead of stdout");
    command->add_flag("--force", options->force, "Replace the output file if it exists");
    command->footer(
        "Options without a pathkeeper equivalent, and options whose meaning changes, are listed on stderr as "
        "file:line: option: message.");
    registry.push_back({command, [options](Context& ctx) { return run_import(*options, ctx); }});
}

}  // namespace pathkeeper::cli
