#include "os/worker_pool.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace pathkeeper::os {
namespace {

using namespace std::chrono_literals;

// Answers Up at once, or Down for devnodes listed as down; devnodes listed as hung block until release()
// (all) or release(devnode) (that one).
class ScriptedChecker final : public ports::PathChecker {
public:
    explicit ScriptedChecker(std::set<std::string> hung, std::set<std::string> down = {},
                             std::set<std::string> slow = {})
        : hung_(std::move(hung)), down_(std::move(down)), slow_(std::move(slow)) {}

    ports::CheckOutcome check(const ports::CheckRequest& request) override {
        ++calls_;
        if (hung_.contains(request.devnode)) {
            std::unique_lock lock(mutex_);
            released_cv_.wait(lock, [&] { return released_ || released_one_.contains(request.devnode); });
            return {core::PathState::Up, "late answer"};
        }
        if (slow_.contains(request.devnode)) {
            std::this_thread::sleep_for(300ms);
        }
        if (down_.contains(request.devnode)) {
            return {core::PathState::Down, "down: " + request.devnode};
        }
        return {core::PathState::Up, "up: " + request.devnode};
    }
    void forget(const std::string& devnode) override { forgotten_.push_back(devnode); }
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        released_cv_.notify_all();
    }
    void release(const std::string& devnode) {
        std::lock_guard lock(mutex_);
        released_one_.insert(devnode);
        released_cv_.notify_all();
    }
    int calls() const { return calls_; }
    const std::vector<std::string>& forgotten() const { return forgotten_; }

private:
    std::set<std::string> hung_;
    std::set<std::string> down_;
    std::set<std::string> slow_;
    std::set<std::string> released_one_;
    std::mutex mutex_;
    std::condition_variable released_cv_;
    bool released_ = false;
    std::atomic<int> calls_{0};
    std::vector<std::string> forgotten_;
};

ports::CheckRequest request_for(const std::string& devnode, std::chrono::milliseconds timeout = 5000ms) {
    ports::CheckRequest request;
    request.devnode = devnode;
    request.kind = core::CheckerKind::Tur;
    request.timeout = timeout;
    return request;
}

// Waits on the completion eventfd (as the event loop does) and collects completions until `count` arrived.
std::vector<ports::CompletedCheck> wait_for_completions(ports::WorkerPool& pool, std::size_t count,
                                                        std::chrono::milliseconds limit = 3000ms) {
    std::vector<ports::CompletedCheck> all;
    const auto end = std::chrono::steady_clock::now() + limit;
    while (all.size() < count && std::chrono::steady_clock::now() < end) {
        pollfd fd{pool.completion_fd(), POLLIN, 0};
        if (::poll(&fd, 1, 50) > 0) {
            auto batch = pool.drain_completed();
            all.insert(all.end(), batch.begin(), batch.end());
        }
    }
    return all;
}

// Workers pick jobs up asynchronously; tests that reason about "all workers busy" wait for that first.
bool wait_until_running(const ports::WorkerPool& pool, std::size_t running) {
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (pool.stats().running < running) {
        if (std::chrono::steady_clock::now() > end) {
            return false;
        }
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

TEST(AWorkerPool, ReportsACompletedCheckThroughItsEventfd) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{});
    ThreadWorkerPool pool(checker, {2, 1000ms});
    auto id = pool.submit(request_for("sdb"));
    auto done = wait_for_completions(pool, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].id, id);
    EXPECT_EQ(done[0].request.devnode, "sdb");
    EXPECT_EQ(done[0].outcome.state, core::PathState::Up);
    EXPECT_FALSE(done[0].timed_out);
    EXPECT_GT(done[0].duration.count(), 0) << "a check that ran took some time, however short";
}

TEST(AWorkerPool, MeasuresHowLongEachCheckRan) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{}, std::set<std::string>{"sdc"},
                                                     std::set<std::string>{"sdslow"});
    ThreadWorkerPool pool(checker, {2, 1000ms});
    pool.submit(request_for("sdc"));
    pool.submit(request_for("sdslow"));
    auto done = wait_for_completions(pool, 2);
    ASSERT_EQ(done.size(), 2u);
    for (const auto& d : done) {
        SCOPED_TRACE(d.request.devnode);
        EXPECT_GT(d.duration.count(), 0);
        if (d.request.devnode == "sdslow") {
            EXPECT_GE(d.duration, 300ms);  // the checker slept that long
            EXPECT_LT(d.duration, 3000ms);
        } else {
            EXPECT_LT(d.duration, 300ms);
        }
    }
}

// Drains once, after the completion eventfd became readable: what one wake-up of the loop gets.
std::vector<ports::CompletedCheck> drain_after_wake(ports::WorkerPool& pool) {
    pollfd fd{pool.completion_fd(), POLLIN, 0};
    if (::poll(&fd, 1, 3000) <= 0) {
        return {};
    }
    return pool.drain_completed();
}

TEST(AWorkerPool, WakesTheLoopOnceForARoundOfRoutineResults) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdx"}, std::set<std::string>{},
                                                     std::set<std::string>{"sdb"});
    ThreadWorkerPool pool(checker, {1, 1000ms});
    pool.submit(request_for("sdx"));
    ASSERT_TRUE(wait_until_running(pool, 1));
    pool.submit(request_for("sdb"));
    pool.submit(request_for("sdc"));
    checker->release();
    // sdx finishes with checks still queued and leaves the wake-up to the round's last result: no wake-up
    // while sdb (300 ms) runs.
    pollfd fd{pool.completion_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&fd, 1, 150), 0);
    auto done = drain_after_wake(pool);
    ASSERT_EQ(done.size(), 3u);
    EXPECT_EQ(done[0].request.devnode, "sdx");
    EXPECT_EQ(done[2].request.devnode, "sdc");
    EXPECT_EQ(::poll(&fd, 1, 0), 0);
}

TEST(AWorkerPool, WakesTheLoopAtOnceForAFailedCheckWhileOthersWait) {
    auto checker =
        std::make_shared<ScriptedChecker>(std::set<std::string>{"sdx", "sde"}, std::set<std::string>{"sdd"});
    ThreadWorkerPool pool(checker, {1, 5000ms});
    pool.submit(request_for("sdx"));
    ASSERT_TRUE(wait_until_running(pool, 1));
    pool.submit(request_for("sdd"));
    pool.submit(request_for("sde"));
    checker->release("sdx");
    // sdd fails while sde still waits (and then hangs): the failure goes out without waiting for the round.
    auto done = wait_for_completions(pool, 2);
    ASSERT_EQ(done.size(), 2u);
    EXPECT_EQ(done[1].request.devnode, "sdd");
    EXPECT_EQ(done[1].outcome.state, core::PathState::Down);
    EXPECT_EQ(pool.stats().running, 1u);
    checker->release();
}

TEST(AWorkerPool, PassesTheRemovalOfAPathOnToItsChecker) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{});
    ThreadWorkerPool pool(checker, {});
    pool.forget("sdq");
    EXPECT_EQ(checker->forgotten(), std::vector<std::string>{"sdq"});
}

TEST(AWorkerPool, DrainsNothingAndDoesNotBlockWhenNoCheckFinished) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{});
    ThreadWorkerPool pool(checker, {1, 1000ms});
    EXPECT_TRUE(pool.drain_completed().empty());
    pollfd fd{pool.completion_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&fd, 1, 0), 0);
}

TEST(AWorkerPool, KeepsCheckingOtherPathsWhileOneCheckIsHung) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdhung"});
    ThreadWorkerPool pool(checker, {2, 1000ms});
    pool.submit(request_for("sdhung"));
    pool.submit(request_for("sdb"));
    pool.submit(request_for("sdc"));
    auto done = wait_for_completions(pool, 2);
    ASSERT_EQ(done.size(), 2u);
    std::set<std::string> devnodes{done[0].request.devnode, done[1].request.devnode};
    EXPECT_EQ(devnodes, (std::set<std::string>{"sdb", "sdc"}));
    EXPECT_EQ(pool.stats().running, 1u);
    checker->release();
}

TEST(AWorkerPool, ReportsAHungCheckAsDownOnceItsDeadlinePasses) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdhung"});
    ThreadWorkerPool pool(checker, {2, 50ms});
    auto id = pool.submit(request_for("sdhung", 50ms));
    ASSERT_TRUE(wait_until_running(pool, 1));
    EXPECT_TRUE(pool.drain_completed().empty());
    std::this_thread::sleep_for(150ms);
    auto done = pool.drain_completed();
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].id, id);
    EXPECT_TRUE(done[0].timed_out);
    EXPECT_EQ(done[0].outcome.state, core::PathState::Down);
    EXPECT_NE(done[0].outcome.message.find("timed out"), std::string::npos);
    EXPECT_GE(done[0].duration, 50ms) << "how long it was waited for";
    EXPECT_EQ(pool.stats().overdue, 1u);
    EXPECT_TRUE(pool.drain_completed().empty()) << "a timeout is reported once";
    checker->release();
}

TEST(AWorkerPool, DiscardsTheLateResultOfACheckAlreadyReportedAsTimedOut) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdhung"});
    ThreadWorkerPool pool(checker, {1, 20ms});
    pool.submit(request_for("sdhung", 20ms));
    ASSERT_TRUE(wait_until_running(pool, 1));
    std::this_thread::sleep_for(80ms);
    ASSERT_EQ(pool.drain_completed().size(), 1u);
    checker->release();
    pool.submit(request_for("sdb"));  // runs on the same single worker once the hung check returned
    auto done = wait_for_completions(pool, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].request.devnode, "sdb");
    EXPECT_TRUE(pool.drain_completed().empty());
}

TEST(AWorkerPool, AnswersARecheckOfAStillHungPathAtOnceWithoutTakingAnotherWorker) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdhung"});
    ThreadWorkerPool pool(checker, {2, 20ms});
    pool.submit(request_for("sdhung", 20ms));
    ASSERT_TRUE(wait_until_running(pool, 1));
    std::this_thread::sleep_for(80ms);
    ASSERT_EQ(pool.drain_completed().size(), 1u);
    auto again = pool.submit(request_for("sdhung", 20ms));
    auto done = wait_for_completions(pool, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].id, again);
    EXPECT_EQ(done[0].outcome.state, core::PathState::Down);
    EXPECT_NE(done[0].outcome.message.find("still hung"), std::string::npos);
    EXPECT_EQ(done[0].duration.count(), 0) << "answered without running a check";
    EXPECT_EQ(checker->calls(), 1);
    EXPECT_EQ(pool.stats().running, 1u);
    checker->release();
}

TEST(AWorkerPool, ChecksAPathOnlyOnceWhenItIsSubmittedTwiceBeforeRunning) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdhung"});
    ThreadWorkerPool pool(checker, {1, 1000ms});
    pool.submit(request_for("sdhung"));  // occupies the only worker
    ASSERT_TRUE(wait_until_running(pool, 1));
    auto first = pool.submit(request_for("sdb"));
    auto second = pool.submit(request_for("sdb"));
    EXPECT_EQ(first, second);
    EXPECT_EQ(pool.stats().queued, 1u);
    checker->release();
    auto done = wait_for_completions(pool, 2);
    ASSERT_EQ(done.size(), 2u);
    EXPECT_TRUE(pool.drain_completed().empty());
    EXPECT_EQ(checker->calls(), 2);
}

TEST(AWorkerPool, ReturnsTheCheckIdOfTheLatestRequestForAPathAlreadyInFlight) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdhung", "sdb"});
    ThreadWorkerPool pool(checker, {2, 1000ms});
    pool.submit(request_for("sdhung"));  // occupies one worker: sdc stays queued
    auto running = request_for("sdb");
    running.check_id = 7;
    pool.submit(running);
    ASSERT_TRUE(wait_until_running(pool, 2));
    auto queued = request_for("sdc");
    queued.check_id = 3;
    pool.submit(queued);
    running.check_id = 8;
    queued.check_id = 4;
    pool.submit(running);
    pool.submit(queued);
    checker->release();
    auto done = wait_for_completions(pool, 3);
    ASSERT_EQ(done.size(), 3u);
    std::map<std::string, std::uint64_t> ids;
    for (const auto& d : done) {
        ids[d.request.devnode] = d.request.check_id;
    }
    EXPECT_EQ(ids["sdb"], 8u);
    EXPECT_EQ(ids["sdc"], 4u);
}

TEST(AWorkerPool, QueuesNewChecksWithoutBlockingWhenEveryWorkerIsHung) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdx", "sdy"});
    ThreadWorkerPool pool(checker, {2, 1000ms});
    pool.submit(request_for("sdx"));
    pool.submit(request_for("sdy"));
    ASSERT_TRUE(wait_until_running(pool, 2));
    const auto start = std::chrono::steady_clock::now();
    for (const char* devnode : {"sdb", "sdc", "sdd"}) {
        pool.submit(request_for(devnode));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
    auto stats = pool.stats();
    EXPECT_EQ(stats.workers, 2u);
    EXPECT_EQ(stats.running, 2u);
    EXPECT_EQ(stats.queued, 3u);
    checker->release();
    EXPECT_EQ(wait_for_completions(pool, 5).size(), 5u);
}

// More hung checks than threads: once they have run past the slow threshold, threads are started in their
// place and a healthy check still starts and answers at once.
TEST(AWorkerPool, StartsAHealthyCheckOnTimeWhenMoreChecksHangThanItHasWorkers) {
    const std::set<std::string> hung{"sdh1", "sdh2", "sdh3", "sdh4", "sdh5", "sdh6"};
    auto checker = std::make_shared<ScriptedChecker>(hung);
    WorkerPoolOptions options;
    options.workers = 2;
    options.grace = 1000ms;
    options.slow_after = 50ms;
    options.hung_limit = 16;
    ThreadWorkerPool pool(checker, options);
    for (const auto& devnode : hung) {
        pool.submit(request_for(devnode, 5000ms));
    }
    // Each drain (the loop's once-a-second tick) replaces the threads held by slow checks.
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (pool.stats().running < hung.size() && std::chrono::steady_clock::now() < end) {
        (void)pool.drain_completed();
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_EQ(pool.stats().running, hung.size());
    std::this_thread::sleep_for(60ms);  // every hung check is past the slow threshold now
    const auto submitted = std::chrono::steady_clock::now();
    pool.submit(request_for("sdb"));
    auto done = wait_for_completions(pool, 1, 1000ms);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].request.devnode, "sdb");
    EXPECT_EQ(done[0].outcome.state, core::PathState::Up);
    EXPECT_LT(std::chrono::steady_clock::now() - submitted, 500ms);
    const auto stats = pool.stats();
    EXPECT_EQ(stats.hung, hung.size());
    EXPECT_EQ(stats.running, hung.size());
    EXPECT_EQ(stats.queued, 0u);
    EXPECT_EQ(stats.hung_limit, 16u);
    EXPECT_EQ(stats.workers, hung.size() + 1) << "one thread started for the check that waited";
    checker->release();
}

TEST(AWorkerPool, HoldsNoMoreThanItsLimitOfThreadsForHungChecks) {
    std::set<std::string> hung;
    for (int i = 0; i < 10; ++i) {
        hung.insert("sdh" + std::to_string(i));
    }
    auto checker = std::make_shared<ScriptedChecker>(hung);
    WorkerPoolOptions options;
    options.workers = 2;
    options.slow_after = 20ms;
    options.hung_limit = 3;
    ThreadWorkerPool pool(checker, options);
    for (const auto& devnode : hung) {
        pool.submit(request_for(devnode, 5000ms));
    }
    for (int i = 0; i < 20; ++i) {
        (void)pool.drain_completed();
        std::this_thread::sleep_for(30ms);
    }
    const auto stats = pool.stats();
    EXPECT_EQ(stats.workers, 5u);
    EXPECT_EQ(stats.running, 5u);
    EXPECT_EQ(stats.hung, 5u);
    EXPECT_EQ(stats.queued, 5u);
    EXPECT_EQ(stats.hung_limit, 3u);
    checker->release();
    EXPECT_EQ(wait_for_completions(pool, 10).size(), 10u);
}

// A thread started in place of a held one is not kept forever: when the hung check returns, the pool goes
// back to its base number of threads, and the late result answers its request (not yet timed out).
TEST(AWorkerPool, RetiresTheExtraThreadsWhenHungChecksReturn) {
    const std::set<std::string> hung{"sdh1", "sdh2", "sdh3"};
    auto checker = std::make_shared<ScriptedChecker>(hung);
    WorkerPoolOptions options;
    options.workers = 1;
    options.slow_after = 20ms;
    ThreadWorkerPool pool(checker, options);
    for (const auto& devnode : hung) {
        pool.submit(request_for(devnode, 5000ms));
    }
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (pool.stats().running < hung.size() && std::chrono::steady_clock::now() < end) {
        (void)pool.drain_completed();
        std::this_thread::sleep_for(30ms);
    }
    ASSERT_EQ(pool.stats().running, 3u);
    checker->release();
    auto done = wait_for_completions(pool, 3);
    ASSERT_EQ(done.size(), 3u);
    for (const auto& d : done) {
        EXPECT_FALSE(d.timed_out);
        EXPECT_EQ(d.outcome.message, "late answer");
    }
    const auto settled = std::chrono::steady_clock::now() + 3s;
    while (pool.stats().workers > 1 && std::chrono::steady_clock::now() < settled) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(pool.stats().workers, 1u);
    pool.submit(request_for("sdb"));
    ASSERT_EQ(wait_for_completions(pool, 1).size(), 1u);
}

TEST(AWorkerPool, ReportsTheStartOfACheckStillRunningOnceAndNotOfOneAnswered) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdhung"});
    ThreadWorkerPool pool(checker, {2, 1000ms});
    auto hung = request_for("sdhung");
    hung.check_id = 5;
    pool.submit(hung);
    auto quick = request_for("sdb");
    quick.check_id = 6;
    pool.submit(quick);
    ASSERT_EQ(wait_for_completions(pool, 1).size(), 1u);
    ASSERT_TRUE(wait_until_running(pool, 1));
    auto started = pool.drain_started();
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started[0].devnode, "sdhung");
    EXPECT_EQ(started[0].check_id, 5u);
    EXPECT_TRUE(pool.drain_started().empty()) << "a start is reported once";
    hung.check_id = 9;  // a newer request joins the running job: its start is reported for it
    pool.submit(hung);
    started = pool.drain_started();
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started[0].check_id, 9u);
    checker->release();
}

TEST(AWorkerPool, ShutsDownPromptlyEvenWithAWorkerStuckInACheck) {
    auto checker = std::make_shared<ScriptedChecker>(std::set<std::string>{"sdhung"});
    const auto start = std::chrono::steady_clock::now();
    {
        ThreadWorkerPool pool(checker, {2, 1000ms});
        pool.submit(request_for("sdhung"));
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    checker->release();  // the detached worker finishes against state it co-owns
    std::this_thread::sleep_for(20ms);
}

}  // namespace
}  // namespace pathkeeper::os
