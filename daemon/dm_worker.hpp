#pragma once
// DmWorker: runs device-mapper operations off the event loop, in order per map, on a few threads.
//
// Why (see docs/design-decisions.md): a create waits for udev to finish the cookie (normally milliseconds,
// seconds on a busy or stuck udev), a reload suspends the map, and every libdevmapper call is an ioctl that
// can stall behind the kernel. None of that may freeze the loop that answers checker completions, dm events,
// signals, the watchdog and D-Bus. Every job names the map it acts on: jobs of one map run one at a time in
// the order the engine emitted them, so "reload then fail_path" can never be reordered, while jobs of
// different maps run side by side on a small pool of threads, so a noflush suspend that waits for the
// in-flight I/O of a hung path holds up only its own map, never a fail_path for another. Jobs without a map
// (dm event reads) form a queue of their own. The DeviceMapper adaptor must therefore be safe to call from
// several threads.
//
// A job runs on a worker thread and returns a continuation; continuations run on the loop thread when
// run_completions() is called after fd() became readable: those of one map in submission order, those of
// different maps in the order they finished.
//
// A deferred job (a map create, reload, remove or rename) finishes its ioctl at once but is only complete
// when udev has processed the uevent, which under load takes seconds per map, and never while udev's blkid
// hangs reading a map that queues I/O. Its poll function is called on a worker right after its ioctl and
// then each time its backoff interval has passed, until it yields the continuation; the map's later jobs go
// on meanwhile, so the creates of many maps overlap in udev instead of queueing behind each other, and one
// map's stuck udev work never holds up fail_path or reinstate_path. A deferred continuation may therefore run
// after those of later jobs of its map.
//
// Each pending job is polled on its own backoff (kPollInterval, doubling up to kMaxPollInterval): a poll is
// two system calls, and at start-up with hundreds of maps pending in udev, polling all of them every few
// milliseconds kept a worker busy for as long as udev was, on the CPUs udev needed. One thread polls at a
// time, and never a job of a map while another job of that map runs.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
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

    // Threads that run jobs of different maps at once: as many maps can be stuck in a suspend before the
    // others wait.
    static constexpr std::size_t kThreads = 4;

    explicit DmWorker(std::size_t threads = kThreads);
    // Finishes the queued jobs (their continuations are dropped), then joins the threads.
    ~DmWorker();
    DmWorker(const DmWorker&) = delete;
    DmWorker& operator=(const DmWorker&) = delete;

    // `map` orders the job after the earlier jobs of the same map; "" is the queue of jobs without a map.
    void submit(const std::string& map, Job job);
    void submit_deferred(const std::string& map, DeferredJob job);
    void submit(Job job) { submit("", std::move(job)); }
    void submit_deferred(DeferredJob job) { submit_deferred("", std::move(job)); }
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
    using Clock = std::chrono::steady_clock;
    struct QueuedJob {
        std::string map;
        std::variant<Job, DeferredJob> job;
    };
    struct PendingJob {
        std::string map;
        Poll poll;
        Clock::time_point next_poll;
        Clock::duration backoff;
    };

    void run();
    void enqueue(QueuedJob job);
    // Under mutex_: queues the continuation for the loop thread (signalled after the lock is released).
    void finish_locked(Continuation continuation);
    // Polls the due jobs without the lock, queues the continuations of those ready; returns the others.
    std::vector<PendingJob> poll(std::vector<PendingJob> due);

    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable work_done_;
    std::deque<QueuedJob> jobs_;
    std::set<std::string> busy_maps_;  // maps with a job running or being polled on a thread now
    std::vector<PendingJob> pending_;  // deferred jobs started and not complete yet
    bool polling_ = false;             // a thread is polling (pending_ entries it took are out of the list)
    std::deque<Continuation> done_;
    std::size_t in_flight_ = 0;
    bool stopping_ = false;
    std::optional<Clock::time_point> give_up_at_;
    WakeupFd wakeup_;
    std::vector<std::thread> threads_;
};

}  // namespace pathkeeper::daemon
