#pragma once
// Real WorkerPool: std::threads running PathChecker::check(), reporting through an eventfd. See
// ports/worker_pool.hpp for the contract. Why a hung check is contained: a worker stuck in a syscall (SG_IO
// on a dead transport, O_DIRECT read queued behind iSCSI recovery) holds only its own thread; the loop never
// waits for it, the devnode is not checked twice at once, the overrun is reported as Down when its deadline
// passes, and once it has run past the slow threshold a new thread takes its place while checks wait (up to
// hung_limit held threads). Threads are detached and share ownership of the pool's state, so a stuck one
// touches nothing freed under it at shutdown and a retiring one needs nobody to join it.

#include <chrono>
#include <memory>

#include "ports/path_checker.hpp"
#include "ports/worker_pool.hpp"

namespace pathkeeper::os {

struct WorkerPoolOptions {
    std::size_t workers = 4;
    // How long past a request's own timeout a job may run before it is reported as timed out. SG_IO enforces
    // its timeout in the kernel, but error handling can add to it; directio has no kernel timeout at all.
    std::chrono::milliseconds grace{2000};
    // A check running this long holds its thread: while others wait, a replacement thread is started.
    std::chrono::milliseconds slow_after{1000};
    // At most this many held threads are replaced (the bound on threads is workers + hung_limit).
    std::size_t hung_limit = 64;
};

class ThreadWorkerPool final : public ports::WorkerPool {
public:
    ThreadWorkerPool(std::shared_ptr<ports::PathChecker> checker, WorkerPoolOptions options);
    ~ThreadWorkerPool() override;
    ThreadWorkerPool(const ThreadWorkerPool&) = delete;
    ThreadWorkerPool& operator=(const ThreadWorkerPool&) = delete;

    int completion_fd() const override;
    ports::JobId submit(const ports::CheckRequest& request) override;
    std::vector<ports::CompletedCheck> drain_completed() override;
    std::vector<ports::StartedCheck> drain_started() override;
    ports::WorkerPoolStats stats() const override;
    void forget(const std::string& devnode) override;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace pathkeeper::os
