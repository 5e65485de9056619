// UdevEvents: the uevents of a round become one PathEvents; lost uevents become a re-enumeration on the
// worker, with the uevents received meanwhile fed after its result.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "daemon/event_sources.hpp"
#include "sim/sim_host.hpp"

namespace pathkeeper::daemon {
namespace {

core::PathInfo path(const std::string& dev, unsigned minor) {
    core::PathInfo p;
    p.devnode = dev;
    p.devt = core::DevT{8, minor};
    p.wwid = "3600a";
    return p;
}

ports::DiscoveredDisk disk(const std::string& dev, unsigned minor) {
    return ports::DiscoveredDisk{dev, core::DevT{8, minor}, path(dev, minor), {}};
}

// Hands out scripted uevents, reports lost uevents when told to, and counts enumerations, which wait for
// `release` when it is set (a slow scan).
class ScriptedUdev final : public ports::UdevSource {
public:
    int fd() const override { return -1; }
    core::Result<std::vector<ports::DiscoveredDisk>> enumerate() override {
        ++enumerations;
        if (release.valid()) {
            release.wait();
        }
        return present;
    }
    std::vector<ports::UdevEvent> receive(std::size_t) override { return std::exchange(queued, {}); }
    core::Result<ports::DiscoveredDisk> refresh(const std::string& devnode) override {
        return core::make_error(core::ErrorCode::NotFound, devnode);
    }
    bool take_lost_uevents() override { return std::exchange(lost, false); }

    std::vector<ports::UdevEvent> queued;
    std::vector<ports::DiscoveredDisk> present;
    bool lost = false;
    std::atomic<int> enumerations{0};
    std::shared_future<void> release;
};

class RecordingSink final : public EventSink {
public:
    void feed(const core::Event& event) override { events.push_back(event); }
    void topology_changed() override {}
    std::vector<core::Event> events;
};

class NullLogger final : public ports::Logger {
public:
    void log(core::LogLevel, const ports::LogContext&, std::string_view message) override {
        lines.emplace_back(message);
    }
    void set_min_level(core::LogLevel) override {}
    std::vector<std::string> lines;
};

class UdevEventsTest : public ::testing::Test {
protected:
    UdevEventsTest() : host_(sim::Scenario{}, ""), polls_(make_backend(), sink_, logger_) {}
    Backend& make_backend() {
        backend_.sysfs = &host_.sysfs();
        return backend_;
    }

    sim::SimHost host_;
    Backend backend_;
    RecordingSink sink_;
    NullLogger logger_;
    PathStatePolls polls_;
    ScriptedUdev udev_;
    DmWorker worker_{1};
    UdevEvents events_{udev_, polls_, worker_, sink_, logger_};
};

TEST_F(UdevEventsTest, DoesNotEnumerateWhenNothingWasLost) {
    udev_.queued.push_back({ports::UdevAction::Add, disk("sdb", 16), {}});
    events_.receive();
    EXPECT_EQ(udev_.enumerations, 0);
    ASSERT_EQ(sink_.events.size(), 1U);
    EXPECT_TRUE(std::holds_alternative<core::PathEvents>(sink_.events[0]));
}

TEST_F(UdevEventsTest, EnumeratesAgainAfterLostUeventsAndFeedsThePathsPresentAfterTheRoundsEvents) {
    udev_.queued.push_back({ports::UdevAction::Add, disk("sdb", 16), {}});
    udev_.present = {
        disk("sdb", 16), disk("sdc", 32),
        ports::DiscoveredDisk{"sdd", core::DevT{8, 48}, std::nullopt, "skipped: no usable WWID"}};
    udev_.lost = true;
    events_.receive();
    worker_.wait_idle();
    EXPECT_EQ(udev_.enumerations, 1);
    ASSERT_EQ(sink_.events.size(), 2U);
    EXPECT_TRUE(std::holds_alternative<core::PathEvents>(sink_.events[0]));  // the uevents read before
    const auto* enumerated = std::get_if<core::PathsReEnumerated>(&sink_.events[1]);
    ASSERT_NE(enumerated, nullptr);
    ASSERT_EQ(enumerated->paths.size(), 2U);  // disks without a path are not paths
    EXPECT_EQ(enumerated->paths[1].devnode, "sdc");
    ASSERT_FALSE(logger_.lines.empty());
    EXPECT_NE(logger_.lines.back().find("uevents were lost"), std::string::npos);
    // Reported once: the next round is an ordinary one.
    events_.receive();
    worker_.wait_idle();
    EXPECT_EQ(udev_.enumerations, 1);
}

// The scan runs on the worker: receive() returns at once. What arrives meanwhile is newer than the scan's
// snapshot and is fed after it; uevents lost again during the scan call for one more.
TEST_F(UdevEventsTest, FeedsTheUeventsReceivedDuringTheEnumerationAfterItsResult) {
    std::promise<void> scan_may_finish;
    udev_.release = scan_may_finish.get_future().share();
    udev_.present = {disk("sdb", 16), disk("sdc", 32)};
    udev_.lost = true;
    events_.receive();
    EXPECT_TRUE(sink_.events.empty());

    ports::UdevEvent removal{ports::UdevAction::Remove, {}, {}};
    removal.disk.devnode = "sdc";
    udev_.queued.push_back(removal);
    events_.receive();
    udev_.lost = true;
    events_.receive();
    EXPECT_TRUE(sink_.events.empty()) << "the removal went to the engine before the scan's snapshot";
    EXPECT_EQ(worker_.run_completions(), 0U);

    scan_may_finish.set_value();
    worker_.wait_idle();
    ASSERT_EQ(sink_.events.size(), 3U);
    const auto* snapshot = std::get_if<core::PathsReEnumerated>(&sink_.events[0]);
    ASSERT_NE(snapshot, nullptr);
    EXPECT_EQ(snapshot->paths.size(), 2U);  // sdc still there when the scan read it
    const auto* held = std::get_if<core::PathEvents>(&sink_.events[1]);
    ASSERT_NE(held, nullptr);
    ASSERT_EQ(held->events.size(), 1U);
    const auto* removed = std::get_if<core::PathRemoved>(&held->events[0]);
    ASSERT_NE(removed, nullptr);
    EXPECT_EQ(removed->devnode, "sdc");
    EXPECT_TRUE(std::holds_alternative<core::PathsReEnumerated>(sink_.events[2]));  // the second loss
    EXPECT_EQ(udev_.enumerations, 2);
}

}  // namespace
}  // namespace pathkeeper::daemon
