// ServiceAdapter's view: built once per change and shared by the reads in between.

#include <gtest/gtest.h>

#include "daemon/service_adapter.hpp"

namespace pathkeeper::daemon {
namespace {

class StatsOnlyPool final : public ports::WorkerPool {
public:
    ports::WorkerPoolStats stats_value;
    int completion_fd() const override { return -1; }
    ports::JobId submit(const ports::CheckRequest&) override { return 0; }
    std::vector<ports::CompletedCheck> drain_completed() override { return {}; }
    std::vector<ports::StartedCheck> drain_started() override { return {}; }
    ports::WorkerPoolStats stats() const override { return stats_value; }
    void forget(const std::string&) override {}
};

class NoSink final : public EventSink {
public:
    void feed(const core::Event&) override {}
    void topology_changed() override {}
};

class NoConfigControl final : public ConfigControl {
public:
    core::Result<void> reload_config_file() override { return {}; }
    void apply_config(core::Config, const std::string&) override {}
    void reject_config(const std::string&, const core::Error&) override {}
};

class SilentLogger final : public ports::Logger {
public:
    void log(core::LogLevel, const ports::LogContext&, std::string_view) override {}
    void set_min_level(core::LogLevel) override {}
};

core::PathInfo path(std::string dev, unsigned minor) {
    core::PathInfo p;
    p.devnode = std::move(dev);
    p.devt = core::DevT{8, minor};
    p.wwid = "3600a";
    p.size_sectors = 2048;
    return p;
}

struct AnAdapter : ::testing::Test {
    core::Engine engine{core::Config{}, core::Bindings{}, {}};
    std::map<std::string, core::DevT> map_devices;
    std::set<std::string> suspended_maps;
    StatsOnlyPool pool;
    NoSink sink;
    NoConfigControl config;
    SilentLogger logger;
    ServiceAdapter adapter{engine, map_devices, suspended_maps, pool, "/etc/pathkeeper.yaml",
                           sink,   config,      logger};
};

TEST_F(AnAdapter, BuildsTheViewOnceForEveryReadUntilSomethingChanges) {
    const auto first = adapter.shared_snapshot();
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(adapter.shared_snapshot(), first);
        EXPECT_TRUE(adapter.snapshot().paths.empty());
    }
    EXPECT_EQ(adapter.views_built(), 1u);
}

TEST_F(AnAdapter, ShowsAChangeOnceInvalidated) {
    (void)adapter.shared_snapshot();
    // The test plays the daemon: it feeds the engine, then says the view changed.
    (void)engine.handle(core::PathAdded{path("sdb", 16)}, core::TimePoint{});
    adapter.invalidate();
    const auto view = adapter.shared_snapshot();
    ASSERT_EQ(view->paths.size(), 1u);
    EXPECT_EQ(view->paths[0].devnode, "sdb");
    EXPECT_EQ(adapter.views_built(), 2u);

    suspended_maps.insert("mpatha");
    adapter.invalidate();
    EXPECT_NE(adapter.shared_snapshot(), view);
    EXPECT_EQ(adapter.views_built(), 3u);
}

TEST_F(AnAdapter, FollowsTheCheckerPoolCountersWithoutAnInvalidation) {
    pool.stats_value.workers = 4;
    EXPECT_EQ(adapter.shared_snapshot()->manager.checker_threads, 4u);
    pool.stats_value.hung = 1;
    pool.stats_value.queued = 3;
    const auto view = adapter.shared_snapshot();
    EXPECT_EQ(view->manager.hung_checks, 1u);
    EXPECT_EQ(view->manager.queued_checks, 3u);
    EXPECT_EQ(adapter.views_built(), 2u);
    EXPECT_EQ(adapter.shared_snapshot(), view);
}

TEST_F(AnAdapter, ShowsTheWholeConfigurationAndExplainsOnePathsMapWithItsDevice) {
    const auto text = adapter.config_text(false);
    ASSERT_TRUE(text.ok());
    for (const char* section : {"\ndefaults:\n", "\nblacklist:\n", "\nblacklist_exceptions:\n",
                                "\ndevices:\n", "\noverrides: {}\n", "\nmultipaths: []\n"}) {
        EXPECT_NE(text->find(section), std::string::npos) << section << " in " << *text;
    }

    core::PathInfo lio = path("sdb", 16);
    lio.vendor = "LIO-ORG";
    lio.product = "TCMU device";
    lio.revision = "4.0";
    (void)engine.handle(core::PathAdded{lio}, core::TimePoint{});
    for (const char* target : {"sdb", "/dev/sdb", "8:16", "3600a"}) {
        const auto explained = adapter.explain_config(target);
        ASSERT_TRUE(explained.ok()) << target << ": " << explained.error().message;
        EXPECT_NE(
            explained->find("# resolved for vendor \"LIO-ORG\" product \"TCMU device\" revision \"4.0\""),
            std::string::npos)
            << *explained;
        EXPECT_NE(explained->find("\nno_path_retry: 12  # built-in device table: (LIO-ORG|SUSE) .*\n"),
                  std::string::npos)
            << *explained;
    }
    const auto unknown = adapter.explain_config("/dev/sdq");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, core::ErrorCode::NotFound);
    EXPECT_EQ(unknown.error().message, "no path /dev/sdq is known");
}

// The daemon's part for remove-map: the sink hands the request to the engine (as Daemon::feed does).
class EngineSink final : public EventSink {
public:
    explicit EngineSink(core::Engine& engine) : engine_(engine) {}
    void feed(const core::Event& event) override { (void)engine_.handle(event, core::TimePoint{}); }
    void topology_changed() override {}

private:
    core::Engine& engine_;
};

struct AnAdapterWithAMap : ::testing::Test {
    core::Engine engine{core::Config{}, core::Bindings{}, {}};
    std::map<std::string, core::DevT> map_devices;
    std::set<std::string> suspended_maps;
    StatsOnlyPool pool;
    EngineSink sink{engine};
    NoConfigControl config;
    SilentLogger logger;
    ServiceAdapter adapter{engine, map_devices, suspended_maps, pool, "/etc/pathkeeper.yaml",
                           sink,   config,      logger};
    std::vector<std::string> answers;
    AnAdapterWithAMap() {
        (void)engine.handle(core::PathAdded{path("sdb", 16)}, core::TimePoint{});
        (void)engine.handle(core::PathAdded{path("sdc", 32)}, core::TimePoint{});
        (void)engine.handle(core::MapsDiscovered{}, core::TimePoint{});
    }
    dbus::ServiceBackend::RemovalDone record() {
        return [this](const core::Result<std::string>& outcome) {
            answers.push_back(outcome ? *outcome : "error: " + outcome.error().message);
        };
    }
};

TEST_F(AnAdapterWithAMap, AnswersARemovalOnlyOnceTheWorkerTried) {
    adapter.remove_map("3600a", false, record());
    EXPECT_TRUE(answers.empty()) << "the reply waits for the dm worker";
    EXPECT_TRUE(engine.removal_in_progress("3600a"));
    adapter.map_removal_finished(
        "3600a", core::make_error(core::ErrorCode::Conflict, "3600a is in use: mounted on /srv"));
    EXPECT_EQ(answers, std::vector<std::string>{"error: 3600a is in use: mounted on /srv"});
    adapter.map_removal_finished("3600a", std::string("removed"));  // nobody waits any more
    EXPECT_EQ(answers.size(), 1u);
}

TEST_F(AnAdapterWithAMap, AnswersAnUnknownMapAtOnce) {
    adapter.remove_map("mpathz", false, record());
    EXPECT_EQ(answers, std::vector<std::string>{"error: no map named mpathz"});
    adapter.remove_map("3600a", true, record());
    adapter.map_removal_finished("3600a", std::string("deferred"));
    EXPECT_EQ(answers.back(), "deferred");
}

TEST_F(AnAdapterWithAMap, ShowsWhatHoldsTheMapAndExplainsItsNoPathRetry) {
    for (const core::Action& a : engine.handle(core::MapsDiscovered{}, core::TimePoint{})) {
        if (std::holds_alternative<core::CreateMap>(a)) {
            (void)engine.handle(core::ActionCompleted{a}, core::TimePoint{});
        }
    }
    core::MapHolder md0;
    md0.device = "md0";
    md0.kind = "md raid1";
    md0.redundant = true;
    md0.level = "raid1";
    md0.members = 2;
    md0.other_in_sync = 1;
    md0.leg = core::LegState::InSync;
    (void)engine.handle(core::MapHoldersRead{{{"3600a", md0}}}, core::TimePoint{});
    adapter.invalidate();
    const auto view = adapter.shared_snapshot();
    ASSERT_EQ(view->maps.size(), 1u);
    ASSERT_TRUE(view->maps[0].holder);
    EXPECT_EQ(*view->maps[0].holder, (api::HolderView{"md0", "md raid1", true, "fail",
                                                      "md0 (raid1) has another in-sync leg: fail fast"}));
    EXPECT_EQ(view->maps[0].no_path_retry, "fail");
    const auto explained = adapter.explain_config("3600a");
    ASSERT_TRUE(explained.ok());
    EXPECT_NE(
        explained->find("no_path_retry: fail  # holder: md0 (raid1) has another in-sync leg: fail fast\n"),
        std::string::npos)
        << *explained;
}

}  // namespace
}  // namespace pathkeeper::daemon
