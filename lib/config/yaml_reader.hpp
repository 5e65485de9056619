#pragma once
// Reading pathkeeper.yaml's values out of a yaml-cpp tree. Every reader reports its own problem as a
// Diagnostic (file:line:col, dotted key, message) and returns nullopt, so one parse lists every problem.
// Private to lib/config (the only yaml-cpp user); config_file.cpp's section parsers build on it.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_file.hpp"
#include "core/config.hpp"
#include "core/duration.hpp"
#include "core/result.hpp"

namespace pathkeeper::config {

std::string lower(std::string_view text);

// Where the second YAML document of `text` starts, if there is one. Throws YAML::Exception on a syntax error.
std::optional<YAML::Mark> second_document_start(std::string_view text);

class YamlReader {
public:
    explicit YamlReader(std::string_view file_name);

    const std::string& file() const { return file_; }
    std::vector<Diagnostic>& diagnostics() { return diagnostics_; }

    core::SourceLocation loc(const YAML::Mark& m) const;
    core::SourceLocation loc(const YAML::Node& n) const { return loc(n.Mark()); }
    void add(core::SourceLocation where, std::string key, std::string message);
    static std::string join(const std::string& path, const std::string& key);
    std::string unknown_key_message(const std::string& key, const std::vector<std::string>& known,
                                    const std::string& section);

    // Scalar text of a value, or a diagnostic and nullopt.
    std::optional<std::string> scalar(const YAML::Node& value, const std::string& path, const char* expected);
    // Walks a mapping; each key is dispatched to `handler`, which returns false for unknown keys.
    void for_each_entry(const YAML::Node& map, const std::string& path, const std::string& section,
                        const std::vector<std::string>& known,
                        const std::function<bool(const std::string&, const YAML::Node&, const YAML::Node&,
                                                 const std::string&)>& handler);
    // False for anything but a mapping (an empty section is fine: no diagnostic).
    bool expect_map(const YAML::Node& node, const std::string& path);

    // ---- Typed value readers. Each reports its own diagnostic and returns nullopt on error.
    std::optional<bool> read_bool(const YAML::Node& v, const std::string& path);
    std::optional<unsigned> read_unsigned(const YAML::Node& v, const std::string& path, unsigned min,
                                          unsigned max);
    std::optional<core::Millis> read_duration(const YAML::Node& v, const std::string& path, core::Millis min);
    std::optional<std::chrono::seconds> read_seconds(const YAML::Node& v, const std::string& path);
    std::optional<std::chrono::seconds> read_off_or_seconds(const YAML::Node& v, const std::string& path);
    std::optional<std::chrono::seconds> read_session_or_seconds(const YAML::Node& v, const std::string& path);
    std::optional<std::string> read_string(const YAML::Node& v, const std::string& path);
    std::optional<std::string> read_path(const YAML::Node& v, const std::string& path);
    std::optional<core::Pattern> read_pattern(const YAML::Node& v, const std::string& path);
    template <typename T>
    std::optional<T> read_with(const YAML::Node& v, const std::string& path, const char* expected,
                               core::Result<T> (*parse)(std::string_view)) {
        auto text = scalar(v, path, expected);
        if (!text) {
            return std::nullopt;
        }
        auto r = parse(*text);
        if (!r.ok()) {
            add(loc(v), path, r.error().message);
            return std::nullopt;
        }
        return std::move(r).value();
    }

private:
    std::string file_;
    std::vector<Diagnostic> diagnostics_;
};

}  // namespace pathkeeper::config
