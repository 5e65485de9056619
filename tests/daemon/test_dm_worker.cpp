#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/dm_worker.hpp"

namespace pathkeeper::daemon {
namespace {

TEST(TheDmWorker, RunsJobsOffTheCallingThreadAndContinuationsOnIt) {
    DmWorker worker;
    const auto loop_thread = std::this_thread::get_id();
    std::thread::id job_thread;
    std::thread::id continuation_thread;
    worker.submit([&] {
        job_thread = std::this_thread::get_id();
        return [&] { continuation_thread = std::this_thread::get_id(); };
    });
    worker.wait_idle();
    EXPECT_NE(job_thread, loop_thread);
    EXPECT_EQ(continuation_thread, loop_thread);
    EXPECT_EQ(worker.in_flight(), 0U);
}

TEST(TheDmWorker, KeepsSubmissionOrder) {
    DmWorker worker;
    std::vector<int> order;
    for (int i = 0; i < 50; ++i) {
        worker.submit([&order, i] { return [&order, i] { order.push_back(i); }; });
    }
    worker.wait_idle();
    ASSERT_EQ(order.size(), 50U);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
    }
}

TEST(TheDmWorker, DoesNotBlockTheSubmitterWhileAJobIsSlow) {
    DmWorker worker;
    const auto start = std::chrono::steady_clock::now();
    worker.submit([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        return DmWorker::Continuation{};
    });
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
    EXPECT_EQ(worker.in_flight(), 1U);
    worker.wait_idle();
}

TEST(TheDmWorker, RunsLaterJobsWhileADeferredJobIsPendingAndCompletesItWhenReady) {
    DmWorker worker;
    std::atomic<bool> udev_finished{false};
    std::atomic<int> polls{0};
    std::vector<std::string> order;
    worker.submit_deferred([&]() -> DmWorker::Poll {
        return [&]() -> std::optional<DmWorker::Continuation> {
            ++polls;
            if (!udev_finished) {
                return std::nullopt;
            }
            return [&] { order.push_back("create"); };
        };
    });
    // A later job runs although the create is not complete; it is what lets udev finish here.
    worker.submit([&] {
        udev_finished = true;
        return [&] { order.push_back("message"); };
    });
    worker.wait_idle();
    EXPECT_EQ(order, (std::vector<std::string>{"message", "create"}));
    EXPECT_GE(polls.load(), 2);
    EXPECT_EQ(worker.in_flight(), 0U);
}

TEST(TheDmWorker, KeepsPollingADeferredJobWhileIdleUntilItIsReady) {
    DmWorker worker;
    const auto ready_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    bool ran = false;
    worker.submit_deferred([&]() -> DmWorker::Poll {
        return [&, ready_at]() -> std::optional<DmWorker::Continuation> {
            if (std::chrono::steady_clock::now() < ready_at) {
                return std::nullopt;
            }
            return [&] { ran = true; };
        };
    });
    EXPECT_EQ(worker.in_flight(), 1U);
    worker.wait_idle();  // returns only once the poll said ready
    EXPECT_TRUE(ran);
    EXPECT_GE(std::chrono::steady_clock::now(), ready_at);
}

// At start-up hundreds of creates wait for udev at once; polling each of them every few milliseconds kept the
// worker (and a CPU udev needed) busy. A job that stays unready is polled less and less often.
TEST(TheDmWorker, PollsAnUnreadyDeferredJobLessOftenTheLongerItWaits) {
    DmWorker worker;
    const auto start = std::chrono::steady_clock::now();
    const auto ready_at = start + std::chrono::milliseconds(400);
    std::atomic<int> polls{0};
    worker.submit_deferred([&]() -> DmWorker::Poll {
        return [&, ready_at]() -> std::optional<DmWorker::Continuation> {
            ++polls;
            if (std::chrono::steady_clock::now() < ready_at) {
                return std::nullopt;
            }
            return [] {};
        };
    });
    worker.wait_idle();
    const auto waited = std::chrono::steady_clock::now() - start;
    // At a fixed 5 ms interval 400 ms would take about 80 polls; with the backoff (5, 10, 20, 40, then 80 ms)
    // about 9. A completion is still noticed within the longest interval.
    EXPECT_LE(polls.load(), 15);
    EXPECT_GE(polls.load(), 4);
    EXPECT_LT(waited,
              std::chrono::milliseconds(400) + DmWorker::kMaxPollInterval + std::chrono::milliseconds(500));
}

// A map whose suspend waits on a hung path's I/O holds only its own queue: a message to another map is sent
// at once, and the blocked map's later jobs wait for it, in order.
TEST(TheDmWorker, RunsAnotherMapsJobWhileOneMapIsBlockedAndKeepsEachMapsOrder) {
    DmWorker worker;
    std::mutex mutex;
    std::condition_variable cv;
    bool unblocked = false;
    std::vector<std::string> ran;  // order in which the jobs ran on the workers
    auto record = [&](const std::string& what) {
        std::lock_guard lock(mutex);
        ran.push_back(what);
        cv.notify_all();
    };
    worker.submit("mpatha", [&] {
        record("a: suspend");
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return unblocked; });
        return DmWorker::Continuation{};
    });
    worker.submit("mpatha", [&] {
        record("a: fail_path");
        return DmWorker::Continuation{};
    });
    worker.submit("mpathb", [&] {
        record("b: fail_path");
        return DmWorker::Continuation{};
    });
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(3), [&] {
            return std::find(ran.begin(), ran.end(), "b: fail_path") != ran.end();
        })) << "another map's message waited for a blocked map";
        EXPECT_EQ(std::find(ran.begin(), ran.end(), "a: fail_path"), ran.end())
            << "a map's later job overtook its blocked one";
        unblocked = true;
        cv.notify_all();
    }
    worker.wait_idle();
    std::vector<std::string> of_a;
    std::copy_if(ran.begin(), ran.end(), std::back_inserter(of_a),
                 [](const std::string& what) { return what.starts_with("a:"); });
    EXPECT_EQ(of_a, (std::vector<std::string>{"a: suspend", "a: fail_path"}));
}

TEST(TheDmWorker, KeepsEachMapsOrderWhileManyMapsRunAtOnce) {
    DmWorker worker;
    std::mutex mutex;
    std::map<std::string, std::vector<int>> order;  // per map, as the continuations ran
    for (int i = 0; i < 40; ++i) {
        for (const char* map : {"mpatha", "mpathb", "mpathc", "mpathd", "mpathe"}) {
            worker.submit(map, [&order, map, i] {
                std::this_thread::sleep_for(std::chrono::microseconds(100));
                return [&order, map, i] { order[map].push_back(i); };
            });
        }
    }
    worker.wait_idle();
    ASSERT_EQ(order.size(), 5U);
    for (const auto& [map, seen] : order) {
        ASSERT_EQ(seen.size(), 40U) << map;
        EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << map;
    }
}

}  // namespace
}  // namespace pathkeeper::daemon
