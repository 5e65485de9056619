#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pathkeeper::daemon
