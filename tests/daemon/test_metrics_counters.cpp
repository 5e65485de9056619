// MetricsCounters: path failures and reinstatements counted from the engine's PublishPathStateChange actions
// (leaving or entering pending is neither), a removed path's counters dropped, checker durations and
// configuration reloads.
#include "daemon/metrics_counters.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pathkeeper::daemon {
namespace {

using core::PathState;
using ::testing::ElementsAre;

core::Action change(const std::string& devnode, PathState from, PathState to) {
    return core::PublishPathStateChange{"mpatha", devnode, from, to, "checker", "36001405aaaa"};
}

api::PathCounters counters_of(const MetricsCounters& m, const std::string& devnode) {
    const auto it = m.path_counters().find(devnode);
    return it == m.path_counters().end() ? api::PathCounters{} : it->second;
}

TEST(MetricsCounters, UpToDownIsAFailureAndDownToUpAReinstate) {
    MetricsCounters m;
    m.observe({change("sdb", PathState::Up, PathState::Down)});
    EXPECT_EQ(counters_of(m, "sdb"), (api::PathCounters{1, 0}));
    m.observe({change("sdb", PathState::Down, PathState::Up)});
    EXPECT_EQ(counters_of(m, "sdb"), (api::PathCounters{1, 1}));
    m.observe(
        {change("sdb", PathState::Ghost, PathState::Down), change("sdb", PathState::Down, PathState::Ghost)});
    EXPECT_EQ(counters_of(m, "sdb"), (api::PathCounters{2, 2}));
}

TEST(MetricsCounters, ShakyCountsAsUnusable) {
    MetricsCounters m;
    m.observe({change("sdb", PathState::Up, PathState::Shaky)});
    EXPECT_EQ(counters_of(m, "sdb"), (api::PathCounters{1, 0}));
    m.observe({change("sdb", PathState::Shaky, PathState::Up)});
    EXPECT_EQ(counters_of(m, "sdb"), (api::PathCounters{1, 1}));
    m.observe({change("sdb", PathState::Down, PathState::Shaky)});  // unusable to unusable
    EXPECT_EQ(counters_of(m, "sdb"), (api::PathCounters{1, 1}));
}

TEST(MetricsCounters, PendingIsNeitherAFailureNorAReinstate) {
    MetricsCounters m;
    m.observe(
        {change("sdb", PathState::Pending, PathState::Up), change("sdc", PathState::Up, PathState::Pending),
         change("sdd", PathState::Pending, PathState::Down),
         change("sde", PathState::Down, PathState::Pending), change("sdf", PathState::Up, PathState::Ghost)});
    for (const char* path : {"sdb", "sdc", "sdd", "sde", "sdf"}) {
        EXPECT_EQ(counters_of(m, path), (api::PathCounters{})) << path;
    }
}

TEST(MetricsCounters, IgnoresOtherActions) {
    MetricsCounters m;
    m.observe({core::Action{core::PublishMapChange{"mpatha", core::MapChange::Created, "", ""}}});
    EXPECT_TRUE(m.path_counters().empty());
}

TEST(MetricsCounters, ARemovedPathsCountersAreDropped) {
    MetricsCounters m;
    m.observe({change("sdb", PathState::Up, PathState::Down), change("sdc", PathState::Up, PathState::Down),
               change("sdd", PathState::Up, PathState::Down)});
    m.observe(core::Event{core::PathRemoved{"sdb", 0}});
    EXPECT_FALSE(m.path_counters().contains("sdb"));
    core::PathEvents batch;
    batch.events.push_back(core::PathRemoved{"sdc", 0});
    batch.events.push_back(core::PathAdded{});
    m.observe(core::Event{batch});
    EXPECT_FALSE(m.path_counters().contains("sdc"));
    EXPECT_EQ(counters_of(m, "sdd"), (api::PathCounters{1, 0}));
    // The name coming back is another device: it counts from zero.
    m.observe({change("sdb", PathState::Up, PathState::Down)});
    EXPECT_EQ(counters_of(m, "sdb"), (api::PathCounters{1, 0}));
}

TEST(MetricsCounters, ConfigReloadsCountByOutcomeAndRememberTheLast) {
    MetricsCounters m;
    EXPECT_TRUE(m.config_reloads().last_successful);
    m.config_reload(true);
    EXPECT_EQ(m.config_reloads().applied, 1U);
    EXPECT_TRUE(m.config_reloads().last_successful);
    m.config_reload(false);
    EXPECT_EQ(m.config_reloads().applied, 1U);
    EXPECT_EQ(m.config_reloads().rejected, 1U);
    EXPECT_FALSE(m.config_reloads().last_successful);
    m.config_reload(true);
    EXPECT_EQ(m.config_reloads().applied, 2U);
    EXPECT_TRUE(m.config_reloads().last_successful);
}

TEST(MetricsCounters, CheckDurationsGoIntoTheHistogramInSeconds) {
    MetricsCounters m;
    m.check_finished(std::chrono::microseconds(5000));        // 0.005 s: on the first bound
    m.check_finished(std::chrono::microseconds(30'000'000));  // a check that ran into the timeout
    const auto& h = m.check_duration();
    EXPECT_EQ(h.count(), 2U);
    EXPECT_DOUBLE_EQ(h.sum(), 30.005);
    EXPECT_EQ(h.bucket_counts().front(), 1U);
    EXPECT_EQ(h.bucket_counts()[h.upper_bounds().size() - 1], 1U);
}

}  // namespace
}  // namespace pathkeeper::daemon
