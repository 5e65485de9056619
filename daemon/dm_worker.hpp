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

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "daemon/event_loop.hpp"

namespace pathkeeper::daemon {

class DmWorker {
public:
    using Continuation = std::function<void()>;
    using Job = std::function<Continuation()>;

    DmWorker();
    // Finishes the queued jobs (their continuations are dropped), then joins the thread.
    ~DmWorker();
    DmWorker(const DmWorker&) = delete;
    DmWorker& operator=(const DmWorker&) = delete;

    void submit(Job job);
    int fd() const { return wakeup_.fd(); }
    // Runs every finished job's continuation on the calling (loop) thread. Returns how many ran.
    std::size_t run_completions();
    // Jobs submitted and not yet completed (their continuation has not run).
    std::size_t in_flight() const;
    // Blocks until every submitted job has finished on the worker and runs their continuations. For startup
    // and tests only, never inside the running loop.
    void wait_idle();

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable work_done_;
    std::deque<Job> jobs_;
    std::deque<Continuation> done_;
    std::size_t in_flight_ = 0;
    bool stopping_ = false;
    WakeupFd wakeup_;
    std::thread thread_;
};

}  // namespace pathkeeper::daemon
