// Scenario runner: policy scenarios a storage admin can read and review, in tests/unit/scenarios.
//
// File format (one directive per line; '#' starts a comment line; blank lines are ignored):
//   config                      the following lines, up to a line "end", are pathkeeper.yaml text
//   end                         (used before the first event: the engine's starting configuration)
//   binding <alias> <wwid>      an alias binding present at start
//   known-wwid <wwid>           a known WWID present at start
//   existing <name> uuid=<uuid> size=<sectors> table="<dm table>" status="<dm status>" [open=N]
//                               a map found in dm at startup (sent by the "discovered" event)
//   at <time>: <event>          an event at this time since start ("0s", "1.5s", "250ms")
//   > <action text>             an action the previous event must produce (actions.hpp text form)
//
// Events:
//   path <dev> <maj:min> wwid=W [vendor=V] [product=P] [size=N] [serial=S] [node=N] [prio=N] [tpgs]
//        [alua=<state>] [session=N] [session-state=S] [tmo=N] [node-tmo=N] [transport=T]  PathAdded
//        [local=ADDR] [remote=ADDR:PORT]
//        (tmo: sysfs recovery_tmo; node-tmo: replacement_timeout of open-iscsi's node record;
//        transport: fc, sas, other; session=N makes it iscsi; local, remote: its TCP connection)
//   path-changed <same fields>                                       PathChanged
//   remove <dev> [open=N]                                            PathRemoved (map open count)
//   discovered                                                       MapsDiscovered (the "existing" maps)
//   checker <dev> up|down|ghost                                      answers the path's last check
//   dm-status <map> "<status text>"                                  DmStatusRead
//   dm-event <map>                                                   DmEvent
//   tick                                                             Tick
//   config ... end                                                   ConfigApplied (YAML lines follow)
//   admin fail-path <dev> | admin reinstate-path <dev> | admin switch-group <map> <N>
//   iscsi-session <N> <STATE>   device-state <dev> <state>   alua <dev> <state>
//   alua <dev> <state> <dev> <state> ...                             AluaStatesChanged (one batch)
//   link <name> up|down [<address>...]                               LocalLinksChanged (one interface)
//   failed <action text prefix>                                      ActionFailed for the newest
//                                                                    action whose text starts so
//   completed <action text prefix>                                   ActionCompleted, the same way
//   busy <action text prefix>                                        ActionFailed with Conflict (EBUSY:
//                                                                    the map is open), the same way
// Matching: the event's actions other than "log ..." must equal the "> " lines exactly and in order;
// no "> " lines means no such action. "> log ..." lines must each appear among the event's log
// actions (logs are checked as a subset, so wording can grow without rewriting every scenario).
// "> *" ends the exact list: further non-log actions are not checked.
// Set PATHKEEPER_SCENARIO_TRACE=1 to print every event's actual actions.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config_file.hpp"
#include "core/dm_table.hpp"
#include "core/engine.hpp"

namespace pathkeeper::core {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> tokenize(const std::string& line) {
    std::vector<std::string> tokens;
    std::string cur;
    bool quoted = false;
    bool have = false;
    for (char c : line) {
        if (c == '"') {
            quoted = !quoted;
            have = true;
        } else if (!quoted && (c == ' ' || c == '\t')) {
            if (have) {
                tokens.push_back(cur);
            }
            cur.clear();
            have = false;
        } else {
            cur += c;
            have = true;
        }
    }
    if (have) {
        tokens.push_back(cur);
    }
    return tokens;
}

std::string value_of(const std::vector<std::string>& tokens, const std::string& key,
                     const std::string& def = "") {
    for (const std::string& t : tokens) {
        if (t.rfind(key + "=", 0) == 0) {
            return t.substr(key.size() + 1);
        }
    }
    return def;
}

bool has_flag(const std::vector<std::string>& tokens, const std::string& flag) {
    for (const std::string& t : tokens) {
        if (t == flag) {
            return true;
        }
    }
    return false;
}

PathInfo parse_path(const std::vector<std::string>& t) {
    PathInfo p;
    p.devnode = t.at(1);
    p.devt = DevT::parse(t.at(2)).value();
    p.wwid = value_of(t, "wwid");
    p.vendor = value_of(t, "vendor", "ACME");
    p.product = value_of(t, "product", "disk");
    p.size_sectors = std::stoull(value_of(t, "size", "2097152"));
    p.serial = value_of(t, "serial");
    p.node_name = value_of(t, "node");
    if (std::string prio = value_of(t, "prio"); !prio.empty()) {
        p.priority = std::stoi(prio);
    }
    p.tpgs = has_flag(t, "tpgs");
    if (std::string alua = value_of(t, "alua"); !alua.empty()) {
        p.alua_state = parse_alua_state(alua).value();
    }
    if (std::string transport = value_of(t, "transport"); !transport.empty()) {
        p.transport = parse_transport(transport).value();
    }
    if (std::string session = value_of(t, "session"); !session.empty()) {
        p.transport = Transport::Iscsi;
        IscsiInfo info;
        info.session_id = static_cast<unsigned>(std::stoul(session));
        info.session_state = value_of(t, "session-state", "LOGGED_IN");
        if (std::string tmo = value_of(t, "tmo"); !tmo.empty()) {
            info.recovery_tmo_s = static_cast<unsigned>(std::stoul(tmo));
        }
        if (std::string node_tmo = value_of(t, "node-tmo"); !node_tmo.empty()) {
            info.replacement_timeout_s = static_cast<unsigned>(std::stoul(node_tmo));
        }
        info.local_address = value_of(t, "local");
        if (std::string remote = value_of(t, "remote"); !remote.empty()) {
            const auto colon = remote.rfind(':');
            info.remote_address = remote.substr(0, colon);
            info.remote_port = static_cast<unsigned>(std::stoul(remote.substr(colon + 1)));
        }
        p.iscsi = info;
    }
    return p;
}

struct Runner {
    std::string file;
    Config config;
    Bindings bindings;
    KnownWwids known;
    std::vector<ExistingMap> existing;
    std::optional<Engine> engine;
    std::vector<Action> history;
    bool trace = std::getenv("PATHKEEPER_SCENARIO_TRACE") != nullptr;

    Engine& eng() {
        if (!engine) {
            engine.emplace(config, bindings, known);
        }
        return *engine;
    }

    std::uint64_t last_check_id(const std::string& dev) const {
        for (auto it = history.rbegin(); it != history.rend(); ++it) {
            if (const auto* c = std::get_if<StartCheck>(&*it); c != nullptr && c->devnode == dev) {
                return c->check_id;
            }
        }
        ADD_FAILURE() << file << ": no check was started for " << dev;
        return 0;
    }

    Event make_event(const std::vector<std::string>& t, const std::string& yaml) {
        const std::string& kind = t.at(0);
        if (kind == "path") {
            return PathAdded{parse_path(t)};
        }
        if (kind == "path-changed") {
            return PathChanged{parse_path(t)};
        }
        if (kind == "remove") {
            return PathRemoved{t.at(1), static_cast<unsigned>(std::stoul(value_of(t, "open", "0")))};
        }
        if (kind == "discovered") {
            return MapsDiscovered{existing};
        }
        if (kind == "checker") {
            return CheckerResult{t.at(1), parse_path_state(t.at(2)).value(), "", last_check_id(t.at(1))};
        }
        if (kind == "dm-status") {
            auto status = parse_status(t.at(2));
            EXPECT_TRUE(status.ok()) << file << ": bad status text " << t.at(2);
            return DmStatusRead{t.at(1), status.ok() ? *status : DmMultipathStatus{}};
        }
        if (kind == "dm-event") {
            return DmEvent{t.at(1)};
        }
        if (kind == "tick") {
            return Tick{};
        }
        if (kind == "config") {
            auto parsed = config::parse_config(yaml, file);
            EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
            return ConfigApplied{parsed.ok() ? *parsed : Config{}};
        }
        if (kind == "admin") {
            if (t.at(1) == "fail-path") {
                return AdminRequest{AdminFailPath{t.at(2)}};
            }
            if (t.at(1) == "reinstate-path") {
                return AdminRequest{AdminReinstatePath{t.at(2)}};
            }
            return AdminRequest{AdminSwitchGroup{t.at(2), static_cast<unsigned>(std::stoul(t.at(3)))}};
        }
        if (kind == "iscsi-session") {
            return IscsiSessionChanged{static_cast<unsigned>(std::stoul(t.at(1))), t.at(2)};
        }
        if (kind == "link") {
            LocalLinkState link{t.at(1), t.at(2) == "up", {}};
            link.addresses.assign(t.begin() + 3, t.end());
            return LocalLinksChanged{{link}};
        }
        if (kind == "device-state") {
            return DeviceStateChanged{t.at(1), t.at(2)};
        }
        if (kind == "alua") {
            if (t.size() <= 3) {
                return AluaStateChanged{t.at(1), parse_alua_state(t.at(2)).value()};
            }
            AluaStatesChanged batch;
            for (std::size_t i = 1; i + 1 < t.size(); i += 2) {
                batch.changes.push_back(AluaStateChanged{t[i], parse_alua_state(t[i + 1]).value()});
            }
            return batch;
        }
        if (kind == "failed" || kind == "completed" || kind == "busy") {
            std::string prefix;
            for (std::size_t i = 1; i < t.size(); ++i) {
                prefix += (i > 1 ? " " : "") + t[i];
            }
            for (auto it = history.rbegin(); it != history.rend(); ++it) {
                if (to_string(*it).rfind(prefix, 0) == 0) {
                    if (kind == "completed") {
                        return ActionCompleted{*it};
                    }
                    if (kind == "busy") {
                        return ActionFailed{*it, Error{ErrorCode::Conflict, "device or resource busy"}};
                    }
                    return ActionFailed{*it, Error{ErrorCode::Io, "injected failure"}};
                }
            }
            ADD_FAILURE() << file << ": no action starts with " << prefix;
            return Tick{};
        }
        ADD_FAILURE() << file << ": unknown event " << kind;
        return Tick{};
    }

    void check(int line, const std::string& event_text, const std::vector<Action>& actual,
               const std::vector<std::string>& expected) {
        std::vector<std::string> actual_exact;
        std::vector<std::string> actual_logs;
        for (const Action& a : actual) {
            (std::holds_alternative<Log>(a) ? actual_logs : actual_exact).push_back(to_string(a));
        }
        std::vector<std::string> want_exact;
        bool open_ended = false;
        std::string dump;
        for (const std::string& s : actual_exact) {
            dump += "  > " + s + "\n";
        }
        for (const std::string& s : actual_logs) {
            dump += "  > " + s + "\n";
        }
        if (trace) {
            std::cout << file << ":" << line << ": " << event_text << "\n" << dump;
        }
        for (const std::string& e : expected) {
            if (e == "*") {
                open_ended = true;
            } else if (e.rfind("log ", 0) == 0) {
                EXPECT_NE(std::find(actual_logs.begin(), actual_logs.end(), e), actual_logs.end())
                    << file << ":" << line << " (" << event_text << "): missing log line\n  " << e
                    << "\nactual:\n"
                    << dump;
            } else {
                want_exact.push_back(e);
            }
        }
        if (open_ended && actual_exact.size() > want_exact.size()) {
            actual_exact.resize(want_exact.size());
        }
        EXPECT_EQ(actual_exact, want_exact) << file << ":" << line << " (" << event_text << ")\nactual:\n"
                                            << dump;
    }

    void run() {
        std::ifstream in(file);
        ASSERT_TRUE(in) << "cannot read " << file;
        std::vector<std::string> lines;
        for (std::string l; std::getline(in, l);) {
            lines.push_back(l);
        }
        std::size_t i = 0;
        auto read_yaml = [&]() {
            std::string yaml;
            for (++i; i < lines.size() && lines[i] != "end"; ++i) {
                yaml += lines[i] + "\n";
            }
            return yaml;
        };
        while (i < lines.size()) {
            const std::string& raw = lines[i];
            std::vector<std::string> t = tokenize(raw);
            if (t.empty() || t[0][0] == '#') {
                ++i;
                continue;
            }
            if (t[0] == "config") {
                auto parsed = config::parse_config(read_yaml(), file);
                ASSERT_TRUE(parsed.ok()) << parsed.error().message;
                config = *parsed;
                ++i;
            } else if (t[0] == "binding") {
                ASSERT_TRUE(bindings.add(t.at(1), t.at(2)).ok());
                ++i;
            } else if (t[0] == "known-wwid") {
                known.push_back(t.at(1));
                ++i;
            } else if (t[0] == "existing") {
                ExistingMap m;
                m.name = t.at(1);
                m.uuid = value_of(t, "uuid");
                m.size_sectors = std::stoull(value_of(t, "size", "2097152"));
                auto table = parse_table(value_of(t, "table"));
                ASSERT_TRUE(table.ok()) << file << ":" << i + 1 << ": " << table.error().message;
                m.table = *table;
                auto status = parse_status(value_of(t, "status"));
                ASSERT_TRUE(status.ok()) << file << ":" << i + 1 << ": " << status.error().message;
                m.status = *status;
                m.open_count = static_cast<unsigned>(std::stoul(value_of(t, "open", "0")));
                existing.push_back(m);
                ++i;
            } else if (t[0] == "at") {
                const int line_no = static_cast<int>(i + 1);
                std::string when = t.at(1);
                ASSERT_EQ(when.back(), ':') << file << ":" << line_no << ": expected 'at <time>:'";
                when.pop_back();
                auto offset = parse_duration(when);
                ASSERT_TRUE(offset.ok()) << file << ":" << line_no;
                std::vector<std::string> ev(t.begin() + 2, t.end());
                ASSERT_FALSE(ev.empty()) << file << ":" << line_no;
                std::string yaml;
                if (ev[0] == "config") {
                    yaml = read_yaml();
                }
                ++i;
                std::vector<std::string> expected;
                while (i < lines.size() && lines[i].rfind(">", 0) == 0) {
                    std::string e = lines[i].substr(1);
                    expected.push_back(e.empty() ? e : e.substr(e[0] == ' ' ? 1 : 0));
                    ++i;
                }
                Event event = make_event(ev, yaml);
                const TimePoint now = TimePoint{} + *offset;
                std::vector<Action> actions = eng().handle(event, now);
                check(line_no, lines[static_cast<std::size_t>(line_no - 1)], actions, expected);
                history.insert(history.end(), actions.begin(), actions.end());
            } else {
                FAIL() << file << ":" << i + 1 << ": unknown directive " << t[0];
            }
        }
    }
};

std::vector<std::string> scenario_files() {
    std::vector<std::string> files;
    for (const auto& entry :
         fs::directory_iterator(fs::path(PATHKEEPER_SOURCE_DIR) / "tests/unit/scenarios")) {
        if (entry.path().extension() == ".scenario") {
            files.push_back(entry.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

class Scenario : public ::testing::TestWithParam<std::string> {};

TEST_P(Scenario, ProducesTheExpectedActions) {
    Runner runner;
    runner.file = GetParam();
    runner.run();
}

INSTANTIATE_TEST_SUITE_P(Files, Scenario, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string name = fs::path(info.param).stem().string();
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) {
                                     c = '_';
                                 }
                             }
                             return name;
                         });

TEST(ScenarioFiles, ThereAreScenariosToRun) {
    EXPECT_GE(scenario_files().size(), 8U);
}

}  // namespace
}  // namespace pathkeeper::core
