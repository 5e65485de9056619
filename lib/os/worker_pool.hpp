#pragma once
// Real WorkerPool: a fixed set of std::threads running PathChecker::check(), reporting through an eventfd.
// See ports/worker_pool.hpp for the contract. Why a hung check is contained: a worker stuck in a syscall
// (SG_IO on a dead transport, O_DIRECT read queued behind iSCSI recovery) holds only its own thread; the loop
// never waits for it, the devnode is not checked twice at once, the overrun is reported as Down when its
// deadline passes, and at shutdown stuck threads are detached (they share ownership of the pool's state, so
// nothing they touch is freed under them; the process exit reaps them).

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "ports/path_checker.hpp"
#include "ports/worker_pool.hpp"

namespace pathkeeper::os {

struct WorkerPoolOptions {
    std::size_t workers = 4;
    // How long past a request's own timeout a job may run before it is reported as timed out. SG_IO enforces
    // its timeout in the kernel, but error handling can add to it; directio has no kernel timeout at all.
    std::chrono::milliseconds grace{2000};
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
    ports::WorkerPoolStats stats() const override;
    void forget(const std::string& devnode) override;

    struct State;

private:
    std::shared_ptr<State> state_;
    std::vector<std::thread> threads_;
};

}  // namespace pathkeeper::os
