// pathctl queueing disable / restore / force, as the engine applies it (multipathd's disablequeueing,
// restorequeueing, forcequeueing).
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_equal;
using test_support::path;
const TimePoint t0{};

Config config_with(NoPathRetry npr) {
    Config c;
    c.defaults.map.no_path_retry = npr;
    return c;
}

// Two maps (3600a on sdb+sdc, 3600b on sdd+sde), created and loaded.
struct TwoMaps {
    Engine engine;
    explicit TwoMaps(NoPathRetry npr) : engine(config_with(npr), Bindings{}, {}) {
        (void)engine.handle(PathAdded{path("sdb", 16, "3600a")}, t0);
        (void)engine.handle(PathAdded{path("sdc", 32, "3600a")}, t0);
        (void)engine.handle(PathAdded{path("sdd", 48, "3600b")}, t0);
        (void)engine.handle(PathAdded{path("sde", 64, "3600b")}, t0);
        for (const Action& a : engine.handle(MapsDiscovered{}, t0)) {
            if (std::holds_alternative<CreateMap>(a)) {
                (void)engine.handle(ActionCompleted{a}, t0);
            }
        }
    }
    std::vector<Action> set(std::string map, QueueingControl control, TimePoint at = t0 + seconds(1)) {
        return engine.handle(AdminRequest{AdminSetQueueing{std::move(map), control}}, at);
    }
    const MapSnapshot& map(const std::string& name) {
        snapshot = engine.snapshot(t0);
        for (const MapSnapshot& m : snapshot.maps) {
            if (m.name == name) {
                return m;
            }
        }
        throw std::runtime_error("no map " + name);
    }
    TopologySnapshot snapshot;
};

TEST(QueueingControl, DisableFailsQueuedIoAtOnceAndShowsTheNewPolicy) {
    TwoMaps s(NoPathRetry::queue());
    ASSERT_TRUE(s.map("3600a").queue_if_no_path);
    auto actions = s.set("3600a", QueueingControl::Disable);
    EXPECT_EQ(count_equal(actions, "message 3600a fail_if_no_path"), 1U);
    EXPECT_EQ(count_equal(actions, "message 3600b fail_if_no_path"), 0U);
    EXPECT_FALSE(s.map("3600a").queue_if_no_path);
    EXPECT_EQ(s.map("3600a").no_path_retry, "fail");
    EXPECT_TRUE(s.map("3600b").queue_if_no_path);
}

TEST(QueueingControl, RestoreGoesBackToTheConfiguredPolicy) {
    TwoMaps s(NoPathRetry::retries(3));
    (void)s.set("3600a", QueueingControl::Disable);
    auto actions = s.set("3600a", QueueingControl::Restore, t0 + seconds(2));
    EXPECT_EQ(count_equal(actions, "message 3600a queue_if_no_path"), 1U);
    EXPECT_TRUE(s.map("3600a").queue_if_no_path);
    EXPECT_EQ(s.map("3600a").no_path_retry, "3");
}

TEST(QueueingControl, ForceQueuesOnAMapConfiguredToFail) {
    TwoMaps s(NoPathRetry::fail());
    ASSERT_FALSE(s.map("3600b").queue_if_no_path);
    auto actions = s.set("3600b", QueueingControl::Force);
    EXPECT_EQ(count_equal(actions, "message 3600b queue_if_no_path"), 1U);
    EXPECT_EQ(s.map("3600b").no_path_retry, "queue");
}

TEST(QueueingControl, AnEmptyMapNameMeansEveryMap) {
    TwoMaps s(NoPathRetry::queue());
    auto actions = s.set("", QueueingControl::Disable);
    EXPECT_EQ(count_equal(actions, "message 3600a fail_if_no_path"), 1U);
    EXPECT_EQ(count_equal(actions, "message 3600b fail_if_no_path"), 1U);
}

TEST(QueueingControl, ADisabledMapDoesNotQueueAgainWhenAPathReturns) {
    // Both maps lose every path and run out of their one retry; only the map without the override queues
    // again when a path returns.
    TwoMaps s(NoPathRetry::retries(1));
    (void)s.set("3600b", QueueingControl::Disable);
    std::set<std::string> up;
    std::vector<Action> seen;
    // Every check the engine starts is answered at once: up for the paths in `up`, down for the others.
    std::function<void(std::vector<Action>, TimePoint)> run = [&](std::vector<Action> actions, TimePoint at) {
        for (const Action& a : actions) {
            seen.push_back(a);
            if (const auto* check = std::get_if<StartCheck>(&a)) {
                const bool is_up = up.contains(check->devnode);
                run(s.engine.handle(CheckerResult{check->devnode, is_up ? PathState::Up : PathState::Down,
                                                  is_up ? "up" : "down", check->check_id},
                                    at),
                    at);
            }
        }
    };
    for (const char* dev : {"sdb", "sdc", "sdd", "sde"}) {
        run(s.engine.handle(AdminRequest{AdminFailPath{dev}}, t0 + seconds(2)), t0 + seconds(2));
    }
    run(s.engine.handle(Tick{}, t0 + seconds(60)), t0 + seconds(60));
    ASSERT_FALSE(s.map("3600a").queue_if_no_path);
    seen.clear();
    for (const char* dev : {"sdb", "sdd"}) {
        up.insert(dev);
        run(s.engine.handle(AdminRequest{AdminReinstatePath{dev}}, t0 + seconds(61)), t0 + seconds(61));
    }
    ASSERT_EQ(count_equal(seen, "message 3600a reinstate_path 8:16"), 1U);
    ASSERT_EQ(count_equal(seen, "message 3600b reinstate_path 8:48"), 1U);
    EXPECT_EQ(count_equal(seen, "message 3600a queue_if_no_path"), 1U);
    EXPECT_EQ(count_equal(seen, "message 3600b queue_if_no_path"), 0U);
    EXPECT_FALSE(s.map("3600b").queue_if_no_path);
}

// With no path left, no_path_retry N counts down: a snapshot taken with the time says how long queued I/O
// has.
TEST(QueueingControl, ASnapshotTellsHowLongQueuedIoHasLeft) {
    TwoMaps s(NoPathRetry::retries(3));
    EXPECT_FALSE(s.engine.snapshot(t0 + seconds(1)).maps[0].queueing_left) << "paths left: no countdown";
    for (const char* dev : {"sdb", "sdc"}) {
        (void)s.engine.handle(AdminRequest{AdminFailPath{dev}}, t0 + seconds(2));
    }
    const auto at = [&](TimePoint now) { return s.engine.snapshot(now).find_map("3600a")->queueing_left; };
    // 3 checks at the default 5 s polling interval, counted from the last path's failure.
    ASSERT_TRUE(at(t0 + seconds(2)));
    EXPECT_EQ(*at(t0 + seconds(2)), seconds(15));
    EXPECT_EQ(*at(t0 + seconds(12)), seconds(5));
    EXPECT_FALSE(s.engine.snapshot().find_map("3600a")->queueing_left) << "no time given, no countdown";
    EXPECT_FALSE(s.engine.snapshot(t0 + seconds(2)).find_map("3600b")->queueing_left);
}

// "queueing" is what an admin watching a hung map needs: I/O held now, not the policy. The features echo the
// current flag, as `dmsetup table` does after the daemon's messages.
TEST(QueueingControl, QueueingMeansIoIsHeldNowAndFeaturesShowTheCurrentFlag) {
    TwoMaps s(NoPathRetry::queue());
    ASSERT_TRUE(s.map("3600a").queue_if_no_path);
    EXPECT_FALSE(s.map("3600a").queueing) << "both paths can carry I/O";
    EXPECT_EQ(s.map("3600a").features, "1 queue_if_no_path");
    for (const char* dev : {"sdb", "sdc"}) {
        (void)s.engine.handle(AdminRequest{AdminFailPath{dev}}, t0 + seconds(1));
    }
    EXPECT_TRUE(s.map("3600a").queueing) << "no path left and the flag set";
    EXPECT_FALSE(s.map("3600b").queueing);
    (void)s.set("3600a", QueueingControl::Disable, t0 + seconds(2));
    EXPECT_FALSE(s.map("3600a").queueing);
    EXPECT_EQ(s.map("3600a").features, "0");
    EXPECT_EQ(s.map("3600a").no_path_retry, "fail");
}

TEST(QueueingControl, IsKeptAcrossAReconfigure) {
    TwoMaps s(NoPathRetry::queue());
    (void)s.set("3600a", QueueingControl::Disable);
    auto actions = s.engine.handle(ConfigApplied{config_with(NoPathRetry::queue())}, t0 + seconds(2));
    EXPECT_EQ(count_equal(actions, "message 3600a queue_if_no_path"), 0U);
    EXPECT_FALSE(s.map("3600a").queue_if_no_path);
}

TEST(QueueingControl, RefusesAnUnknownMap) {
    TwoMaps s(NoPathRetry::queue());
    auto refused = s.engine.validate(AdminSetQueueing{"mpathz", QueueingControl::Disable});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::NotFound);
    EXPECT_NE(refused.error().message.find("mpathz"), std::string::npos);
    EXPECT_TRUE(s.engine.validate(AdminSetQueueing{"", QueueingControl::Disable}).ok());
}

TEST(QueueingControl, ParsesOnlyItsThreeWords) {
    EXPECT_EQ(parse_queueing_control("disable"), QueueingControl::Disable);
    EXPECT_EQ(parse_queueing_control("restore"), QueueingControl::Restore);
    EXPECT_EQ(parse_queueing_control("force"), QueueingControl::Force);
    EXPECT_EQ(parse_queueing_control("Disable"), std::nullopt);
    EXPECT_EQ(parse_queueing_control(""), std::nullopt);
}

}  // namespace
}  // namespace pathkeeper::core
