#include "config/plan_input.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>

namespace pathkeeper::config {

namespace {

constexpr std::size_t kMaxPlanInputBytes = 4 * 1024 * 1024;

class PlanInputParser {
public:
    explicit PlanInputParser(std::string_view file) : file_(file.empty() ? "<paths>" : file) {}

    core::Result<std::vector<core::PlanPath>> run(std::string_view text) {
        if (text.size() > kMaxPlanInputBytes) {
            return core::make_error(core::ErrorCode::InvalidArgument,
                                    file_ + ": larger than 4 MiB; refusing to parse");
        }
        YAML::Node root;
        try {
            root = YAML::Load(std::string(text));
        } catch (const YAML::Exception& e) {
            problem(e.mark, "", "YAML syntax error: " + e.msg);
            return finish({});
        }
        YAML::Node list = root;
        if (root.IsMap()) {
            for (const auto& entry : root) {
                if (entry.first.Scalar() != "paths")
                    problem(entry.first.Mark(), entry.first.Scalar(), "unknown key");
            }
            list = root["paths"];
        }
        if (!list || list.IsNull())
            return finish({});
        if (!list.IsSequence()) {
            problem(list.Mark(), "paths", "expected a list of paths");
            return finish({});
        }
        std::vector<core::PlanPath> paths;
        std::set<std::string> seen;
        for (std::size_t i = 0; i < list.size(); ++i) {
            auto path = parse_path(list[i], "paths[" + std::to_string(i) + "]");
            if (!path.info.devnode.empty() && !seen.insert(path.info.devnode).second) {
                problem(list[i].Mark(), "paths[" + std::to_string(i) + "].dev",
                        "path " + path.info.devnode + " listed twice");
            }
            paths.push_back(std::move(path));
        }
        return finish(std::move(paths));
    }

private:
    core::PlanPath parse_path(const YAML::Node& node, const std::string& key) {
        core::PlanPath path;
        if (!node.IsMap()) {
            problem(node.Mark(), key, "expected a mapping with dev, devt, wwid, ...");
            return path;
        }
        bool have_dev = false;
        bool have_devt = false;
        for (const auto& entry : node) {
            const std::string name = entry.first.Scalar();
            const YAML::Node& value = entry.second;
            const std::string where = key + "." + name;
            if (!value.IsScalar()) {
                problem(value.Mark(), where, "expected a single value");
                continue;
            }
            const std::string text = value.Scalar();
            auto& info = path.info;
            if (name == "dev") {
                info.devnode = text.starts_with("/dev/") ? text.substr(5) : text;
                have_dev = !info.devnode.empty();
            } else if (name == "devt") {
                if (auto devt = core::DevT::parse(text)) {
                    info.devt = *devt;
                    have_devt = true;
                } else {
                    problem(value.Mark(), where, devt.error().message);
                }
            } else if (name == "wwid") {
                info.wwid = text;
            } else if (name == "vendor") {
                info.vendor = text;
            } else if (name == "product") {
                info.product = text;
            } else if (name == "revision") {
                info.revision = text;
            } else if (name == "serial") {
                info.serial = text;
            } else if (name == "node_name") {
                info.node_name = text;
            } else if (name == "priority") {
                int priority = 0;
                if (number(text, priority)) {
                    info.priority = priority;
                } else {
                    problem(value.Mark(), where, "expected an integer, got \"" + text + "\"");
                }
            } else if (name == "size_sectors") {
                std::uint64_t size = 0;
                if (number(text, size)) {
                    info.size_sectors = size;
                } else {
                    problem(value.Mark(), where,
                            "expected a number of 512-byte sectors, got \"" + text + "\"");
                }
            } else if (name == "alua_state") {
                if (auto alua = core::parse_alua_state(text)) {
                    info.alua_state = *alua;
                    info.tpgs = *alua != core::AluaState::Unknown;
                } else {
                    problem(value.Mark(), where, alua.error().message);
                }
            } else if (name == "transport") {
                if (auto transport = core::parse_transport(text)) {
                    info.transport = *transport;
                } else {
                    problem(value.Mark(), where, transport.error().message);
                }
            } else if (name == "state") {
                auto state = core::parse_path_state(text);
                if (state && (*state == core::PathState::Up || *state == core::PathState::Down ||
                              *state == core::PathState::Ghost)) {
                    path.state = *state;
                } else {
                    problem(value.Mark(), where, "expected up, down or ghost, got \"" + text + "\"");
                }
            } else {
                problem(entry.first.Mark(), where, "unknown key");
            }
        }
        if (!have_dev)
            problem(node.Mark(), key + ".dev", "missing (the kernel name, e.g. sdb)");
        if (!have_devt)
            problem(node.Mark(), key + ".devt", "missing (major:minor, e.g. \"8:16\")");
        return path;
    }

    template <typename T>
    static bool number(const std::string& text, T& out) {
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        return ec == std::errc() && end == text.data() + text.size() && !text.empty();
    }

    void problem(const YAML::Mark& mark, const std::string& key, const std::string& message) {
        std::string line = file_;
        if (!mark.is_null())
            line += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
        line += ": ";
        if (!key.empty())
            line += key + ": ";
        problems_.push_back(line + message);
    }

    core::Result<std::vector<core::PlanPath>> finish(std::vector<core::PlanPath> paths) {
        if (problems_.empty())
            return paths;
        std::string message;
        for (const auto& p : problems_)
            message += (message.empty() ? "" : "\n") + p;
        return core::make_error(core::ErrorCode::InvalidArgument, message);
    }

    std::string file_;
    std::vector<std::string> problems_;
};

}  // namespace

core::Result<std::vector<core::PlanPath>> parse_plan_paths(std::string_view yaml_text,
                                                           std::string_view file_name) {
    return PlanInputParser(file_name).run(yaml_text);
}

}  // namespace pathkeeper::config
