#pragma once
// DmWorker: one thread that runs device-mapper operations in order, off the event loop.
//
// Why (see docs/design-decisions.md): a create waits for udev to finish the cookie (normally milliseconds,
// seconds on a busy or stuck udev), a reload suspends the map, and every libdevmapper call is an ioctl that
// can stall behind the kernel. None of that may freeze the loop that answers checker completions, dm events,
// signals, the watchdog and D-Bus. A single worker (not a pool) keeps dm operations in the order the engine
// emitted them, so "reload then fail_path" can never be reordered, and the DeviceMapper adaptor (which keeps
// per-process caches) is only ever used from one thread at a time.
//
// A job runs on the worker and returns a continuation; continuations run on the loop thread, in submission
// order, when run_completions() is called after fd() became readable.
//
// A deferred job (a map create, reload, remove or rename) finishes its ioctl at once but is only complete
// when udev has processed the uevent, which under load takes seconds per map, and never while udev's blkid
// hangs reading a map that queues I/O. Its poll function is called on the worker right after its ioctl and
// then each time its backoff interval has passed (between other jobs or while idle), until it yields the
// continuation; the worker goes on with later jobs meanwhile, so the creates of many maps overlap in udev
// instead of queueing behind each other, and one map's stuck udev work never holds up fail_path or
// reinstate_path for the others. A deferred continuation may therefore run after those of later jobs.
//
// Each pending job is polled on its own backoff (kPollInterval, doubling up to kMaxPollInterval): a poll is
// two system calls, and at start-up with hundreds of maps pending in udev, polling all of them every few
// milliseconds kept the worker busy for as long as udev was, on the CPUs udev needed.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

#include "daemon/event_loop.hpp"

namespace pathkeeper::daemon {

class DmWorker {
public:
    using Continuation = std::function<void()>;
    using Job = std::function<Continuation()>;
    // Returns the continuation once the job is complete, nullopt while it is not; never blocks.
    using Poll = std::function<std::optional<Continuation>()>;
    using DeferredJob = std::function<Poll()>;

    DmWorker();
    // Finishes the queued jobs (their continuations are dropped), then joins the thread.
    ~DmWorker();
    DmWorker(const DmWorker&) = delete;
    DmWorker& operator=(const DmWorker&) = delete;

    void submit(Job job);
    void submit_deferred(DeferredJob job);
    int fd() const { return wakeup_.fd(); }
    // Runs every finished job's continuation on the calling (loop) thread. Returns how many ran.
    std::size_t run_completions();
    // Jobs submitted and not yet completed (their continuation has not run).
    std::size_t in_flight() const;
    // Blocks until every submitted job has finished on the worker and runs their continuations. For startup
    // and tests only, never inside the running loop.
    void wait_idle();

    // The first re-poll of a deferred job comes this long after its ioctl; each unready answer doubles the
    // wait, up to kMaxPollInterval (so a completion is noticed at most that late).
    static constexpr std::chrono::milliseconds kPollInterval{5};
    static constexpr std::chrono::milliseconds kMaxPollInterval{80};
    // At shutdown, how long pending deferred jobs are still polled before they are abandoned.
    static constexpr std::chrono::seconds kShutdownGrace{10};

private:
    void run();
    void enqueue(std::variant<Job, DeferredJob> job);
    void finish(Continuation continuation);
    using Clock = std::chrono::steady_clock;
    struct PendingJob {
        Poll poll;
        Clock::time_point next_poll;
        Clock::duration backoff;
    };
    // Polls the pending jobs that are due (every one when `all`); returns when the next one is due.
    std::optional<Clock::time_point> poll_pending(bool all);

    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable work_done_;
    std::deque<std::variant<Job, DeferredJob>> jobs_;
    std::vector<PendingJob> pending_;  // deferred jobs started and not complete yet; worker thread only
    std::deque<Continuation> done_;
    std::size_t in_flight_ = 0;
    bool stopping_ = false;
    WakeupFd wakeup_;
    std::thread thread_;
};

}  // namespace pathkeeper::daemon
