// Structured journal entries for path and map changes: ids, fields, the Log line each carries, and the
// message catalog that explains every id.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/engine.hpp"
#include "daemon/journal_events.hpp"

namespace pathkeeper::daemon {
namespace {

using core::Action;
using core::Log;
using core::LogLevel;
using core::MapChange;
using core::PathState;
using core::PublishMapChange;
using core::PublishPathStateChange;

std::string field(const ports::LogEvent& e, const std::string& name) {
    for (const auto& [key, value] : e.fields) {
        if (key == name) {
            return value;
        }
    }
    return "<absent>";
}

class CapturingLogger final : public ports::Logger {
public:
    void log(LogLevel level, const ports::LogContext& context, std::string_view message) override {
        lines.push_back(std::string(core::to_string(level)) + " " + context.map + "|" + context.path + "|" +
                        std::string(message));
    }
    void set_min_level(LogLevel) override {}
    std::vector<std::string> lines;
};

TEST(JournalEvents, PathFailedCarriesItsFieldsAndTheEngineLine) {
    const PublishPathStateChange change{
        "mpatha", "sdb", PathState::Up, PathState::Down, "checker reports down", "36001405aaaa"};
    const Log line{LogLevel::Warning, "mpatha: sdb", "path up -> down: checker reports down"};
    const ports::LogEvent e = journal_entry(change, &line);
    EXPECT_EQ(e.message_id, message_id(JournalEvent::PathFailed));
    EXPECT_EQ(e.context.map, "mpatha");
    EXPECT_EQ(e.context.path, "sdb");
    EXPECT_EQ(e.level, LogLevel::Warning);
    EXPECT_EQ(e.message, "path up -> down: checker reports down");
    EXPECT_EQ(field(e, "WWID"), "36001405aaaa");
    EXPECT_EQ(field(e, "OLD"), "up");
    EXPECT_EQ(field(e, "NEW"), "down");
    EXPECT_EQ(field(e, "REASON"), "checker reports down");
}

TEST(JournalEvents, PathKindFollowsUsability) {
    EXPECT_EQ(journal_event_of(PublishPathStateChange{"m", "sdb", PathState::Down, PathState::Up, "", ""}),
              JournalEvent::PathReinstated);
    // The first check's answer is not a recovery.
    EXPECT_EQ(journal_event_of(PublishPathStateChange{"m", "sdb", PathState::Pending, PathState::Up, "", ""}),
              JournalEvent::PathStateChanged);
    EXPECT_EQ(journal_event_of(PublishPathStateChange{"m", "sdb", PathState::Up, PathState::Shaky, "", ""}),
              JournalEvent::PathFailed);
    EXPECT_EQ(
        journal_event_of(PublishPathStateChange{"m", "sdb", PathState::Pending, PathState::Down, "", ""}),
        JournalEvent::PathStateChanged);
    EXPECT_EQ(journal_event_of(PublishPathStateChange{"m", "sdb", PathState::Up, PathState::Ghost, "", ""}),
              JournalEvent::PathStateChanged);
}

TEST(JournalEvents, WithoutAnEngineLineTheEntrySaysWhatChanged) {
    const ports::LogEvent e = journal_entry(
        PublishPathStateChange{"", "sdc", PathState::Down, PathState::Up, "checker reports up", ""}, nullptr);
    EXPECT_EQ(e.message_id, message_id(JournalEvent::PathReinstated));
    EXPECT_EQ(e.level, LogLevel::Notice);
    EXPECT_EQ(e.message, "path down -> up: checker reports up");
    EXPECT_EQ(e.context.map, "");
    EXPECT_EQ(field(e, "WWID"), "");  // empty values are left out by the journal sink

    const ports::LogEvent m =
        journal_entry(PublishMapChange{"mpatha", MapChange::AllPathsDown, "queue", "3600"}, nullptr);
    EXPECT_EQ(m.level, LogLevel::Warning);
    EXPECT_EQ(m.message, "map all-paths-down (queue)");
}

TEST(JournalEvents, EachMapChangeHasItsId) {
    const std::vector<std::pair<MapChange, JournalEvent>> kinds{
        {MapChange::Created, JournalEvent::MapCreated},
        {MapChange::Adopted, JournalEvent::MapAdopted},
        {MapChange::Reloaded, JournalEvent::MapReloaded},
        {MapChange::Removed, JournalEvent::MapRemoved},
        {MapChange::Renamed, JournalEvent::MapRenamed},
        {MapChange::GroupSwitched, JournalEvent::MapGroupSwitched},
        {MapChange::AllPathsDown, JournalEvent::MapAllPathsDown},
        {MapChange::PathsRestored, JournalEvent::MapPathsRestored},
        {MapChange::QueueingDisabled, JournalEvent::MapQueueingDisabled},
        {MapChange::QueueingRestored, JournalEvent::MapQueueingRestored},
    };
    std::set<std::string_view> ids;
    for (const auto& [change, event] : kinds) {
        EXPECT_EQ(journal_event_of(change), event) << core::to_string(change);
        const ports::LogEvent e = journal_entry(PublishMapChange{"mpatha", change, "", "3600"}, nullptr);
        EXPECT_EQ(e.message_id, message_id(event));
        ids.insert(message_id(event));
    }
    EXPECT_EQ(ids.size(), kinds.size());
}

TEST(JournalEvents, MapFieldsNameWhatChanged) {
    const Log line{LogLevel::Notice, "mpathb", "renamed from mpatha"};
    const ports::LogEvent renamed =
        journal_entry(PublishMapChange{"mpathb", MapChange::Renamed, "was mpatha", "3600"}, &line);
    EXPECT_EQ(renamed.message_id, message_id(JournalEvent::MapRenamed));
    EXPECT_EQ(renamed.message, "renamed from mpatha");
    EXPECT_EQ(field(renamed, "WWID"), "3600");
    EXPECT_EQ(field(renamed, "OLD"), "mpatha");
    EXPECT_EQ(field(renamed, "NEW"), "mpathb");
    EXPECT_EQ(field(renamed, "REASON"), "<absent>");

    const ports::LogEvent switched =
        journal_entry(PublishMapChange{"mpatha", MapChange::GroupSwitched, "1->2", "3600"}, nullptr);
    EXPECT_EQ(field(switched, "OLD"), "1");
    EXPECT_EQ(field(switched, "NEW"), "2");

    const ports::LogEvent exhausted = journal_entry(
        PublishMapChange{"mpatha", MapChange::QueueingDisabled, "no_path_retry exhausted", "3600"}, nullptr);
    EXPECT_EQ(exhausted.message_id, message_id(JournalEvent::MapQueueingDisabled));
    EXPECT_EQ(field(exhausted, "REASON"), "no_path_retry exhausted");
    EXPECT_EQ(exhausted.context.map, "mpatha");
    EXPECT_EQ(exhausted.context.path, "");
}

TEST(JournalEvents, EachPublicationTakesTheLogLineNextToIt) {
    const std::vector<Action> actions{
        Log{LogLevel::Info, "sdb", "path added"},
        Log{LogLevel::Warning, "mpatha: sdb", "path up -> down: checker reports down"},
        PublishPathStateChange{"mpatha", "sdb", PathState::Up, PathState::Down, "checker reports down",
                               "3600"},
        core::DmMessage{"mpatha", "fail_path 8:16"},
        core::CreateMap{"mpathb", "mpath-3601", 8, {}},
        PublishMapChange{"mpathb", MapChange::Created, "", "3601"},
        Log{LogLevel::Notice, "mpathb", "created map"},
        PublishMapChange{"mpathb", MapChange::Reloaded, "", "3601"},  // the line is taken already
        Log{LogLevel::Notice, "mpathc", "other map"},
        PublishMapChange{"mpathd", MapChange::Removed, "", "3602"},  // not its map
    };
    const auto lines = lines_of_publications(actions);
    ASSERT_EQ(lines.size(), actions.size());
    EXPECT_EQ(lines[2], std::optional<std::size_t>(1));
    EXPECT_EQ(lines[5], std::optional<std::size_t>(6));
    EXPECT_EQ(lines[7], std::nullopt);
    EXPECT_EQ(lines[9], std::nullopt);
    for (std::size_t i : {0, 1, 3, 4, 6, 8}) {
        EXPECT_EQ(lines[i], std::nullopt) << i;
    }
}

TEST(JournalEvents, SinksWithoutFieldsKeepTheLine) {
    CapturingLogger logger;
    const Log line{LogLevel::Warning, "mpatha: sdb", "path up -> down: checker reports down"};
    logger.log_event(journal_entry(PublishPathStateChange{"mpatha", "sdb", PathState::Up, PathState::Down,
                                                          "checker reports down", "3600"},
                                   &line));
    EXPECT_EQ(logger.lines,
              std::vector<std::string>{"warning mpatha|sdb|path up -> down: checker reports down"});
}

// The engine's own batches: every change it publishes comes with its line, so nothing is logged twice.
struct EngineRun {
    core::Engine engine{core::Config{}, core::Bindings{}, {}};
    core::TimePoint now{};
    std::vector<ports::LogEvent> entries;
    std::vector<std::string> lone_publications;
    std::vector<Action> last;

    void feed(const core::Event& event) {
        last = engine.handle(event, now);
        const auto lines = lines_of_publications(last);
        for (std::size_t i = 0; i < last.size(); ++i) {
            const Log* line = lines[i] ? std::get_if<Log>(&last[*lines[i]]) : nullptr;
            if (const auto* p = std::get_if<PublishPathStateChange>(&last[i])) {
                entries.push_back(journal_entry(*p, line));
            } else if (const auto* m = std::get_if<PublishMapChange>(&last[i])) {
                entries.push_back(journal_entry(*m, line));
            } else {
                continue;
            }
            if (line == nullptr) {
                lone_publications.push_back(core::to_string(last[i]));
            }
        }
    }
    std::uint64_t check_id(const std::string& dev) const {
        for (const Action& a : last) {
            if (const auto* c = std::get_if<core::StartCheck>(&a); c != nullptr && c->devnode == dev) {
                return c->check_id;
            }
        }
        return 0;
    }
};

core::PathInfo scsi_path(std::string dev, unsigned minor) {
    core::PathInfo p;
    p.devnode = std::move(dev);
    p.devt = core::DevT{8, minor};
    p.wwid = "3600a";
    p.size_sectors = 2048;
    return p;
}

TEST(JournalEvents, EveryChangeOfAFailoverIsOneEntryWithTheEngineLine) {
    EngineRun run;
    run.feed(core::PathAdded{scsi_path("sdb", 16)});
    run.feed(core::PathAdded{scsi_path("sdc", 32)});
    run.feed(core::MapsDiscovered{});
    const std::uint64_t sdb = run.check_id("sdb");
    const std::uint64_t sdc = run.check_id("sdc");
    run.feed(core::CheckerResult{"sdb", PathState::Up, "", sdb});
    run.feed(core::CheckerResult{"sdc", PathState::Up, "", sdc});
    run.feed(core::AdminRequest{core::AdminFailPath{"sdb"}});
    run.feed(core::AdminRequest{core::AdminFailPath{"sdc"}});
    run.feed(core::AdminRequest{core::AdminReinstatePath{"sdb"}});

    EXPECT_EQ(run.lone_publications, std::vector<std::string>{});
    std::vector<std::string> seen;
    for (const ports::LogEvent& e : run.entries) {
        seen.push_back(e.context.map + "|" + e.context.path + "|" + e.message);
        EXPECT_EQ(field(e, "WWID"), "3600a") << e.message;
    }
    ASSERT_GE(seen.size(), 7u);
    const std::string map = run.entries.front().context.map;
    EXPECT_EQ(run.entries.front().message_id, message_id(JournalEvent::MapCreated));
    auto has = [&](JournalEvent event, const std::string& path) {
        return std::any_of(run.entries.begin(), run.entries.end(), [&](const ports::LogEvent& e) {
            return e.message_id == message_id(event) && e.context.map == map && e.context.path == path;
        });
    };
    EXPECT_TRUE(has(JournalEvent::PathReinstated, "sdb"));  // pending -> up
    EXPECT_TRUE(has(JournalEvent::PathFailed, "sdb"));
    EXPECT_TRUE(has(JournalEvent::PathFailed, "sdc"));
    EXPECT_TRUE(has(JournalEvent::MapAllPathsDown, ""));
    EXPECT_TRUE(has(JournalEvent::MapPathsRestored, ""));
}

// The catalog explains every id the daemon writes, and nothing else.

struct CatalogEntry {
    std::string id;
    std::vector<std::string> headers;
    std::string text;
};

std::vector<CatalogEntry> read_catalog(std::string& problems) {
    std::ifstream in(std::filesystem::path(PATHKEEPER_SOURCE_DIR) / "packaging/systemd/pathkeeper.catalog");
    EXPECT_TRUE(in) << "cannot read the catalog";
    std::vector<CatalogEntry> entries;
    bool in_headers = false;
    for (std::string l; std::getline(in, l);) {
        if (l.starts_with("-- ")) {
            entries.push_back({l.substr(3), {}, {}});
            in_headers = true;
        } else if (entries.empty()) {
            if (!l.empty() && l[0] != '#') {
                problems += "text before the first entry: " + l + "\n";
            }
        } else if (in_headers && l.empty()) {
            in_headers = false;
        } else if (in_headers) {
            if (l.find(": ") == std::string::npos) {
                problems += entries.back().id + ": not a header: " + l + "\n";
            }
            entries.back().headers.push_back(l);
        } else {
            entries.back().text += l + "\n";
        }
    }
    return entries;
}

TEST(JournalCatalog, ParsesAndHasTheHeadersEveryEntryNeeds) {
    std::string problems;
    const auto entries = read_catalog(problems);
    EXPECT_EQ(problems, "");
    const std::regex id_form("[0-9a-f]{32}");
    for (const CatalogEntry& e : entries) {
        EXPECT_TRUE(std::regex_match(e.id, id_form)) << e.id;
        auto has = [&](const std::string& prefix) {
            return std::any_of(e.headers.begin(), e.headers.end(),
                               [&](const std::string& h) { return h.starts_with(prefix); });
        };
        EXPECT_TRUE(has("Subject: ")) << e.id;
        EXPECT_TRUE(has("Defined-By: pathkeeper")) << e.id;
        EXPECT_TRUE(has("Support: ")) << e.id;
        EXPECT_NE(e.text.find("pathctl "), std::string::npos)
            << e.id << ": no pathctl command to look closer";
    }
}

TEST(JournalCatalog, ExplainsEveryIdOfTheDaemonAndNoOther) {
    std::string problems;
    std::multiset<std::string> in_catalog;
    for (const CatalogEntry& e : read_catalog(problems)) {
        in_catalog.insert(e.id);
    }
    std::multiset<std::string> in_code;
    for (const JournalEventKind& k : journal_event_kinds()) {
        in_code.insert(std::string(k.message_id));
    }
    EXPECT_EQ(in_catalog, in_code);
    EXPECT_EQ(std::set<std::string>(in_code.begin(), in_code.end()).size(), in_code.size()) << "an id twice";

    // No id written elsewhere in the daemon's sources: the table above is their one owner.
    const std::regex literal("\"[0-9a-f]{32}\"");
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::path(PATHKEEPER_SOURCE_DIR) / "daemon")) {
        if (entry.path().filename() == "journal_events.cpp" || !entry.is_regular_file()) {
            continue;
        }
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        const std::string s = text.str();
        EXPECT_FALSE(std::regex_search(s, literal)) << entry.path() << " writes a message id of its own";
    }
}

}  // namespace
}  // namespace pathkeeper::daemon
