#include "sim/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/dm_table.hpp"
#include "core/duration.hpp"

namespace pathkeeper::sim {

namespace {

using core::ErrorCode;

constexpr std::size_t kMaxScenarioBytes = 1U << 20;

struct ParseFailure {
    std::string message;
};

class Parser {
public:
    explicit Parser(std::string_view name) : name_(name) {}

    [[noreturn]] void fail(const YAML::Node& node, const std::string& problem) const {
        const auto mark = node.Mark();
        std::ostringstream out;
        out << name_;
        if (mark.line >= 0) {
            out << ':' << mark.line + 1 << ':' << mark.column + 1;
        }
        out << ": " << problem;
        throw ParseFailure{out.str()};
    }

    std::string scalar(const YAML::Node& node, const std::string& key) const {
        if (!node.IsScalar()) {
            fail(node, key + ": expected a scalar");
        }
        return node.Scalar();
    }

    template <typename T>
    T number(const YAML::Node& node, const std::string& key) const {
        const std::string text = scalar(node, key);
        try {
            std::size_t used = 0;
            const long long value = std::stoll(text, &used, 10);
            if (used != text.size() || value < 0 ||
                static_cast<unsigned long long>(value) >
                    static_cast<unsigned long long>(std::numeric_limits<T>::max())) {
                fail(node, key + ": '" + text + "' is not a valid number");
            }
            return static_cast<T>(value);
        } catch (const std::logic_error&) {
            fail(node, key + ": '" + text + "' is not a number");
        }
    }

    bool boolean(const YAML::Node& node, const std::string& key) const {
        const std::string text = scalar(node, key);
        if (text == "true" || text == "yes") {
            return true;
        }
        if (text == "false" || text == "no") {
            return false;
        }
        fail(node, key + ": expected true or false, got '" + text + "'");
    }

    std::chrono::milliseconds duration(const YAML::Node& node, const std::string& key) const {
        auto parsed = core::parse_duration(scalar(node, key));
        if (!parsed) {
            fail(node, key + ": " + parsed.error().message);
        }
        return *parsed;
    }

    void only_keys(const YAML::Node& map, const std::string& where,
                   const std::set<std::string>& allowed) const {
        if (!map.IsMap()) {
            fail(map, where + ": expected a mapping");
        }
        for (const auto& entry : map) {
            const std::string key = entry.first.Scalar();
            if (!allowed.contains(key)) {
                fail(entry.first, where + ": unknown key '" + key + "'");
            }
        }
    }

    SimPath path(const YAML::Node& node, std::size_t index) const {
        const std::string where = "paths[" + std::to_string(index) + "]";
        only_keys(node, where, {"dev",        "devt",         "wwid",       "vendor",     "product",
                                "revision",   "serial",       "state",      "alua_state", "tpgs",
                                "priority",   "size_sectors", "transport",  "hctl",       "node_name",
                                "target_iqn", "portal",       "session_id", "present",    "array_priority"});
        SimPath p;
        for (const char* required : {"dev", "devt", "wwid"}) {
            if (!node[required]) {
                fail(node, where + ": missing required key '" + required + "'");
            }
        }
        p.info.devnode = scalar(node["dev"], where + ".dev");
        if (p.info.devnode.empty() || p.info.devnode.find('/') != std::string::npos) {
            fail(node["dev"], where + ".dev: not a kernel device name");
        }
        auto devt = core::DevT::parse(scalar(node["devt"], where + ".devt"));
        if (!devt) {
            fail(node["devt"], where + ".devt: " + devt.error().message);
        }
        p.info.devt = *devt;
        p.info.wwid = scalar(node["wwid"], where + ".wwid");
        if (p.info.wwid.empty()) {
            fail(node["wwid"], where + ".wwid: empty");
        }
        if (node["vendor"])
            p.info.vendor = scalar(node["vendor"], where + ".vendor");
        if (node["product"])
            p.info.product = scalar(node["product"], where + ".product");
        if (node["revision"])
            p.info.revision = scalar(node["revision"], where + ".revision");
        if (node["serial"])
            p.info.serial = scalar(node["serial"], where + ".serial");
        if (node["node_name"])
            p.info.node_name = scalar(node["node_name"], where + ".node_name");
        if (node["state"]) {
            auto state = core::parse_path_state(scalar(node["state"], where + ".state"));
            if (!state || (*state != core::PathState::Up && *state != core::PathState::Down &&
                           *state != core::PathState::Ghost)) {
                fail(node["state"], where + ".state: expected up, down or ghost");
            }
            p.checker_state = *state;
        }
        if (node["alua_state"]) {
            auto alua = core::parse_alua_state(scalar(node["alua_state"], where + ".alua_state"));
            if (!alua) {
                fail(node["alua_state"], where + ".alua_state: " + alua.error().message);
            }
            p.info.alua_state = *alua;
            p.info.tpgs = true;
        }
        if (node["tpgs"])
            p.info.tpgs = boolean(node["tpgs"], where + ".tpgs");
        if (node["priority"])
            p.info.priority = number<int>(node["priority"], where + ".priority");
        if (node["array_priority"])
            p.array_priority = number<int>(node["array_priority"], where + ".array_priority");
        p.info.size_sectors = node["size_sectors"]
                                  ? number<std::uint64_t>(node["size_sectors"], where + ".size_sectors")
                                  : 2097152;
        if (node["transport"]) {
            auto transport = core::parse_transport(scalar(node["transport"], where + ".transport"));
            if (!transport) {
                fail(node["transport"], where + ".transport: " + transport.error().message);
            }
            p.info.transport = *transport;
        }
        if (node["hctl"]) {
            auto hctl = core::ScsiAddress::parse(scalar(node["hctl"], where + ".hctl"));
            if (!hctl) {
                fail(node["hctl"], where + ".hctl: " + hctl.error().message);
            }
            p.info.hctl = *hctl;
        }
        if (node["target_iqn"] || node["portal"] || node["session_id"]) {
            core::IscsiInfo iscsi;
            if (node["target_iqn"])
                iscsi.target_iqn = scalar(node["target_iqn"], where + ".target_iqn");
            if (node["portal"])
                iscsi.portal = scalar(node["portal"], where + ".portal");
            if (node["session_id"])
                iscsi.session_id = number<unsigned>(node["session_id"], where + ".session_id");
            iscsi.session_state = "LOGGED_IN";
            iscsi.recovery_tmo_s = 120;
            p.info.iscsi = iscsi;
            if (p.info.transport == core::Transport::Unknown) {
                p.info.transport = core::Transport::Iscsi;
            }
            if (p.info.node_name.empty()) {
                p.info.node_name = iscsi.target_iqn;
            }
        }
        if (node["present"])
            p.present = boolean(node["present"], where + ".present");
        // ID_WWN passes the built-in property exception.
        p.info.udev_property_names = std::make_shared<const std::vector<std::string>>(
            std::vector<std::string>{"DEVTYPE", "ID_SERIAL", "ID_WWN"});
        return p;
    }

    SimMap map(const YAML::Node& node, std::size_t index) const {
        const std::string where = "maps[" + std::to_string(index) + "]";
        only_keys(node, where, {"name", "wwid", "size_sectors", "table", "open_count", "failed"});
        for (const char* required : {"name", "wwid", "table"}) {
            if (!node[required]) {
                fail(node, where + ": missing required key '" + required + "'");
            }
        }
        SimMap m;
        m.name = scalar(node["name"], where + ".name");
        m.wwid = scalar(node["wwid"], where + ".wwid");
        m.table = scalar(node["table"], where + ".table");
        auto parsed = core::parse_table(m.table);
        if (!parsed) {
            fail(node["table"], where + ".table: " + parsed.error().message);
        }
        m.size_sectors = node["size_sectors"]
                             ? number<std::uint64_t>(node["size_sectors"], where + ".size_sectors")
                             : 2097152;
        if (node["open_count"])
            m.open_count = number<int>(node["open_count"], where + ".open_count");
        if (node["failed"]) {
            if (!node["failed"].IsSequence()) {
                fail(node["failed"], where + ".failed: expected a list of devnodes");
            }
            for (const auto& dev : node["failed"]) {
                m.failed.push_back(scalar(dev, where + ".failed[]"));
            }
        }
        return m;
    }

    Scenario scenario(const YAML::Node& root) const {
        Scenario s;
        if (root.IsNull()) {
            return s;
        }
        only_keys(root, "scenario",
                  {"paths", "maps", "checker_delay", "reenumerate_delay", "udev_held", "timeline",
                   "control_fifo", "dump_dir"});
        if (const auto paths = root["paths"]) {
            if (!paths.IsSequence()) {
                fail(paths, "paths: expected a list");
            }
            std::set<std::string> devnodes;
            std::set<core::DevT> devts;
            for (std::size_t i = 0; i < paths.size(); ++i) {
                SimPath p = path(paths[i], i);
                if (!devnodes.insert(p.info.devnode).second || !devts.insert(p.info.devt).second) {
                    fail(paths[i], "paths[" + std::to_string(i) + "]: duplicate dev or devt");
                }
                s.paths.push_back(std::move(p));
            }
        }
        if (const auto maps = root["maps"]) {
            if (!maps.IsSequence()) {
                fail(maps, "maps: expected a list");
            }
            for (std::size_t i = 0; i < maps.size(); ++i) {
                s.maps.push_back(map(maps[i], i));
            }
        }
        if (root["checker_delay"])
            s.checker_delay = duration(root["checker_delay"], "checker_delay");
        if (root["reenumerate_delay"])
            s.reenumerate_delay = duration(root["reenumerate_delay"], "reenumerate_delay");
        if (const auto held = root["udev_held"]) {
            if (!held.IsSequence()) {
                fail(held, "udev_held: expected a list of map names");
            }
            for (std::size_t i = 0; i < held.size(); ++i) {
                s.udev_held.push_back(scalar(held[i], "udev_held[" + std::to_string(i) + "]"));
            }
        }
        if (root["control_fifo"])
            s.control_fifo = scalar(root["control_fifo"], "control_fifo");
        if (root["dump_dir"])
            s.dump_dir = scalar(root["dump_dir"], "dump_dir");
        if (const auto timeline = root["timeline"]) {
            if (!timeline.IsSequence()) {
                fail(timeline, "timeline: expected a list");
            }
            for (std::size_t i = 0; i < timeline.size(); ++i) {
                const std::string where = "timeline[" + std::to_string(i) + "]";
                only_keys(timeline[i], where, {"at", "do"});
                if (!timeline[i]["at"] || !timeline[i]["do"]) {
                    fail(timeline[i], where + ": needs 'at' and 'do'");
                }
                TimelineStep step;
                step.at = duration(timeline[i]["at"], where + ".at");
                step.text = scalar(timeline[i]["do"], where + ".do");
                auto command = parse_sim_command(step.text);
                if (!command) {
                    fail(timeline[i]["do"], where + ".do: " + command.error().message);
                }
                step.command = *command;
                s.timeline.push_back(std::move(step));
            }
            std::stable_sort(s.timeline.begin(), s.timeline.end(),
                             [](const TimelineStep& a, const TimelineStep& b) { return a.at < b.at; });
        }
        return s;
    }

private:
    std::string name_;
};

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::istringstream in{std::string(text)};
    std::string word;
    while (in >> word) {
        out.push_back(word);
    }
    return out;
}

}  // namespace

core::Result<SimCommand> parse_sim_command(std::string_view text) {
    if (text.size() > 4096) {
        return core::make_error(ErrorCode::InvalidArgument, "command too long");
    }
    const auto w = words(text);
    if (w.empty()) {
        return core::make_error(ErrorCode::InvalidArgument, "empty command");
    }
    auto arity = [&](std::size_t n) -> core::Result<void> {
        if (w.size() != n) {
            return core::make_error(ErrorCode::InvalidArgument,
                                    "'" + w[0] + "' takes " + std::to_string(n - 1) + " argument(s)");
        }
        return {};
    };
    SimCommand c;
    if (w[0] == "checker") {
        if (auto ok = arity(3); !ok)
            return ok.error();
        auto state = core::parse_path_state(w[2]);
        if (!state || (*state != core::PathState::Up && *state != core::PathState::Down &&
                       *state != core::PathState::Ghost)) {
            return core::make_error(ErrorCode::InvalidArgument, "checker state must be up, down or ghost");
        }
        c.kind = SimCommand::Kind::Checker;
        c.argument = w[2];
    } else if (w[0] == "alua") {
        const bool quiet = w.size() == 4 && w[3] == "quiet";
        if (auto ok = arity(quiet ? 4 : 3); !ok)
            return ok.error();
        if (auto alua = core::parse_alua_state(w[2]); !alua) {
            return alua.error();
        }
        c.kind = SimCommand::Kind::Alua;
        c.argument = w[2];
        c.quiet = quiet;
    } else if (w[0] == "add" || w[0] == "remove" || w[0] == "change") {
        c.lost = w.size() == 3 && w[2] == "lost";
        if (auto ok = arity(c.lost ? 3 : 2); !ok)
            return ok.error();
        c.kind = w[0] == "add"      ? SimCommand::Kind::Add
                 : w[0] == "remove" ? SimCommand::Kind::Remove
                                    : SimCommand::Kind::Change;
    } else if (w[0] == "dm-remove") {
        if (auto ok = arity(2); !ok)
            return ok.error();
        c.kind = SimCommand::Kind::DmRemove;
    } else if (w[0] == "kernel-fail") {
        if (auto ok = arity(2); !ok)
            return ok.error();
        c.kind = SimCommand::Kind::KernelFail;
    } else if (w[0] == "open") {
        if (auto ok = arity(3); !ok)
            return ok.error();
        if (w[2].empty() || w[2].size() > 6 || w[2].find_first_not_of("0123456789") != std::string::npos) {
            return core::make_error(ErrorCode::InvalidArgument, "open count must be a number");
        }
        c.kind = SimCommand::Kind::Open;
        c.argument = w[2];
    } else if (w[0] == "udev-hold" || w[0] == "udev-release") {
        if (auto ok = arity(2); !ok)
            return ok.error();
        c.kind = w[0] == "udev-hold" ? SimCommand::Kind::UdevHold : SimCommand::Kind::UdevRelease;
    } else if (w[0] == "checker-hang" || w[0] == "checker-release") {
        if (auto ok = arity(2); !ok)
            return ok.error();
        c.kind = w[0] == "checker-hang" ? SimCommand::Kind::CheckerHang : SimCommand::Kind::CheckerRelease;
    } else if (w[0] == "suspend-hold" || w[0] == "suspend-release") {
        if (auto ok = arity(2); !ok)
            return ok.error();
        c.kind = w[0] == "suspend-hold" ? SimCommand::Kind::SuspendHold : SimCommand::Kind::SuspendRelease;
    } else if (w[0] == "resume-fail") {
        if (auto ok = arity(3); !ok)
            return ok.error();
        if (w[2].empty() || w[2].size() > 6 || w[2].find_first_not_of("0123456789") != std::string::npos) {
            return core::make_error(ErrorCode::InvalidArgument, "resume failure count must be a number");
        }
        c.kind = SimCommand::Kind::ResumeFail;
        c.argument = w[2];
    } else if (w[0] == "holder") {
        if (w.size() == 3 && w[2] == "none") {
            c.kind = SimCommand::Kind::Holder;
        } else if (auto ok = arity(5); !ok) {
            return ok.error();
        } else if (w[4].find_first_not_of("AaD") != std::string::npos) {
            return core::make_error(ErrorCode::InvalidArgument, "holder legs are A, a or D");
        } else {
            c.kind = SimCommand::Kind::Holder;
            c.argument = w[2] + " " + w[3] + " " + w[4];
        }
    } else {
        return core::make_error(
            ErrorCode::InvalidArgument,
            "unknown command '" + w[0] +
                "' (checker, alua, add, remove, change, kernel-fail, open, udev-hold, udev-release, "
                "dm-remove, "
                "checker-hang, checker-release, suspend-hold, suspend-release, resume-fail, holder)");
    }
    c.target = w[1];
    return c;
}

core::Result<Scenario> parse_scenario(std::string_view yaml_text, std::string_view name) {
    if (yaml_text.size() > kMaxScenarioBytes) {
        return core::make_error(ErrorCode::InvalidArgument,
                                std::string(name) + ": scenario larger than 1 MiB");
    }
    Parser parser(name);
    try {
        const YAML::Node root = YAML::Load(std::string(yaml_text));
        return parser.scenario(root);
    } catch (const ParseFailure& failure) {
        return core::make_error(ErrorCode::InvalidArgument, failure.message);
    } catch (const YAML::Exception& e) {
        std::ostringstream out;
        out << name << ':' << e.mark.line + 1 << ':' << e.mark.column + 1 << ": " << e.msg;
        return core::make_error(ErrorCode::InvalidArgument, out.str());
    }
}

core::Result<Scenario> load_scenario_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return core::make_error(ErrorCode::NotFound, path + ": cannot open scenario file");
    }
    std::string text;
    char buffer[65536];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (text.size() > kMaxScenarioBytes) {
            return core::make_error(ErrorCode::InvalidArgument, path + ": scenario larger than 1 MiB");
        }
    }
    return parse_scenario(text, path);
}

}  // namespace pathkeeper::sim
