#include <gtest/gtest.h>
#include <sys/epoll.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "daemon/event_loop.hpp"

namespace pathkeeper::daemon {
namespace {

using namespace std::chrono_literals;

struct Stall {
    std::string source;
    MonotonicClock::duration held;
};

TEST(TheEventLoop, ReportsACallbackThatHoldsItLongerThanTheThresholdByName) {
    EventLoop loop;
    std::vector<Stall> stalls;
    loop.set_stall_reporter(50ms, [&](std::string_view source, MonotonicClock::duration held) {
        stalls.push_back({std::string(source), held});
    });
    WakeupFd slow;
    WakeupFd quick;
    ASSERT_TRUE(loop.add(
        slow.fd(), EPOLLIN,
        [&](std::uint32_t) {
            slow.acknowledge();
            std::this_thread::sleep_for(120ms);
        },
        "slow source"));
    ASSERT_TRUE(loop.add(
        quick.fd(), EPOLLIN, [&](std::uint32_t) { quick.acknowledge(); }, "quick source"));

    quick.signal();
    EXPECT_EQ(loop.run_once(1000ms), 1);
    EXPECT_TRUE(stalls.empty());

    slow.signal();
    EXPECT_EQ(loop.run_once(1000ms), 1);
    ASSERT_EQ(stalls.size(), 1U);
    EXPECT_EQ(stalls[0].source, "slow source");
    // Measured with the coarse clock: one timer tick (at most 10 ms) of resolution.
    EXPECT_GE(stalls[0].held, 110ms);
}

TEST(TheEventLoop, ReportsASlowPrepareHookByName) {
    EventLoop loop;
    std::vector<std::string> sources;
    loop.set_stall_reporter(
        50ms, [&](std::string_view source, MonotonicClock::duration) { sources.emplace_back(source); });
    loop.add_prepare_hook(
        [] {
            std::this_thread::sleep_for(80ms);
            return std::optional<MonotonicClock::time_point>(MonotonicClock::now());
        },
        "D-Bus");
    loop.run_once(0ms);
    EXPECT_EQ(sources, std::vector<std::string>{"D-Bus"});
}

}  // namespace
}  // namespace pathkeeper::daemon
