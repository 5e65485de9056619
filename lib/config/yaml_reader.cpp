#include "config/yaml_reader.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <utility>

namespace pathkeeper::config {

using core::Result;
using core::SourceLocation;

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        prev[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

// Event sink that only notes where each YAML document starts.
class DocumentStarts final : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

    std::vector<YAML::Mark> marks;
};

}  // namespace

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::optional<YAML::Mark> second_document_start(std::string_view text) {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    DocumentStarts starts;
    while (starts.marks.size() < 2 && parser.HandleNextDocument(starts)) {
    }
    if (starts.marks.size() < 2) {
        return std::nullopt;
    }
    return starts.marks[1];
}

YamlReader::YamlReader(std::string_view file_name) : file_(file_name.empty() ? "<config>" : file_name) {}

SourceLocation YamlReader::loc(const YAML::Mark& m) const {
    if (m.is_null()) {
        return {file_, 0, 0};
    }
    return {file_, m.line + 1, m.column + 1};
}
void YamlReader::add(SourceLocation where, std::string key, std::string message) {
    diagnostics_.push_back(Diagnostic{std::move(where), std::move(key), std::move(message)});
}

std::string YamlReader::join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

std::string YamlReader::unknown_key_message(const std::string& key, const std::vector<std::string>& known,
                                            const std::string& section) {
    std::string best;
    std::size_t best_distance = 3;  // suggest only close spellings
    for (const auto& k : known) {
        const std::size_t d = edit_distance(lower(key), k);
        if (d < best_distance) {
            best_distance = d;
            best = k;
        }
    }
    std::string message = "unknown key in " + section;
    if (!best.empty()) {
        message += " (did you mean '" + best + "'?)";
    }
    return message;
}

// Scalar text of a value, or a diagnostic and nullopt.
std::optional<std::string> YamlReader::scalar(const YAML::Node& value, const std::string& path,
                                              const char* expected) {
    if (value.IsScalar()) {
        return value.Scalar();
    }
    if (value.IsNull()) {
        add(loc(value), path, std::string("missing value (expected ") + expected + ")");
    } else {
        add(loc(value), path,
            std::string("expected ") + expected + ", got a " + (value.IsSequence() ? "list" : "mapping"));
    }
    return std::nullopt;
}

// Walks a mapping; each key is dispatched to `handler`, which returns false for unknown keys.
void YamlReader::for_each_entry(const YAML::Node& map, const std::string& path, const std::string& section,
                                const std::vector<std::string>& known,
                                const std::function<bool(const std::string&, const YAML::Node&,
                                                         const YAML::Node&, const std::string&)>& handler) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        if (!key.IsScalar()) {
            add(loc(key), path, "keys must be plain names");
            continue;
        }
        const std::string name = key.Scalar();
        const std::string key_path = join(path, name);
        if (!seen.insert(name).second) {
            add(loc(key), key_path, "duplicate key");
            continue;
        }
        if (!handler(name, key, value, key_path)) {
            add(loc(key), key_path, unknown_key_message(name, known, section));
        }
    }
}

bool YamlReader::expect_map(const YAML::Node& node, const std::string& path) {
    if (node.IsMap()) {
        return true;
    }
    if (node.IsNull()) {
        return false;  // an empty section is fine
    }
    add(loc(node), path,
        std::string("expected a mapping, got a ") + (node.IsSequence() ? "list" : "scalar value"));
    return false;
}

std::optional<bool> YamlReader::read_bool(const YAML::Node& v, const std::string& path) {
    auto text = scalar(v, path, "yes or no");
    if (!text) {
        return std::nullopt;
    }
    const std::string t = lower(*text);
    if (t == "yes" || t == "true" || t == "on") {
        return true;
    }
    if (t == "no" || t == "false" || t == "off") {
        return false;
    }
    add(loc(v), path, "invalid boolean \"" + *text + "\" (valid: yes, no)");
    return std::nullopt;
}

std::optional<unsigned> YamlReader::read_unsigned(const YAML::Node& v, const std::string& path, unsigned min,
                                                  unsigned max) {
    auto text = scalar(v, path, "a whole number");
    if (!text) {
        return std::nullopt;
    }
    const bool digits = !text->empty() && text->size() <= 9 &&
                        std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
        add(loc(v), path, "invalid number \"" + *text + "\" (expected a whole number)");
        return std::nullopt;
    }
    const unsigned long n = std::stoul(*text);
    if (n < min || n > max) {
        add(loc(v), path,
            "value " + *text + " out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")");
        return std::nullopt;
    }
    return static_cast<unsigned>(n);
}

std::optional<core::Millis> YamlReader::read_duration(const YAML::Node& v, const std::string& path,
                                                      core::Millis min) {
    auto text = scalar(v, path, "a duration such as 5s or 500ms");
    if (!text) {
        return std::nullopt;
    }
    auto d = core::parse_duration(*text);
    if (!d.ok()) {
        add(loc(v), path, d.error().message);
        return std::nullopt;
    }
    if (*d < min) {
        add(loc(v), path,
            "duration \"" + *text + "\" is too short (minimum " + core::format_duration(min) + ")");
        return std::nullopt;
    }
    return *d;
}

std::optional<std::chrono::seconds> YamlReader::read_seconds(const YAML::Node& v, const std::string& path) {
    auto d = read_duration(v, path, core::Millis{0});
    if (!d) {
        return std::nullopt;
    }
    if (d->count() % 1000 != 0) {
        add(loc(v), path, "must be whole seconds (the kernel's iSCSI recovery_tmo has 1 s granularity)");
        return std::nullopt;
    }
    return std::chrono::duration_cast<std::chrono::seconds>(*d);
}

std::optional<std::string> YamlReader::read_string(const YAML::Node& v, const std::string& path) {
    auto text = scalar(v, path, "a string");
    if (text && text->empty()) {
        add(loc(v), path, "must not be empty");
        return std::nullopt;
    }
    return text;
}

std::optional<core::Pattern> YamlReader::read_pattern(const YAML::Node& v, const std::string& path) {
    auto text = scalar(v, path, "a regular expression");
    if (!text) {
        return std::nullopt;
    }
    auto p = core::Pattern::compile(*text);
    if (!p.ok()) {
        add(loc(v), path, p.error().message);
        return std::nullopt;
    }
    return std::move(p).value();
}

std::optional<std::chrono::seconds> YamlReader::read_off_or_seconds(const YAML::Node& v,
                                                                    const std::string& path) {
    if (v.IsScalar() && (lower(v.Scalar()) == "off" || lower(v.Scalar()) == "no")) {
        return core::kFastIoFailOff;
    }
    return read_seconds(v, path);
}

std::optional<std::chrono::seconds> YamlReader::read_session_or_seconds(const YAML::Node& v,
                                                                        const std::string& path) {
    if (v.IsScalar() && lower(v.Scalar()) == "session") {
        return core::kRecoveryTmoOfSession;
    }
    return read_seconds(v, path);
}

std::optional<std::string> YamlReader::read_path(const YAML::Node& v, const std::string& path) {
    auto s = read_string(v, path);
    if (s && s->front() != '/') {
        add(loc(v), path, "must be an absolute path");
        return std::nullopt;
    }
    return s;
}

}  // namespace pathkeeper::config
