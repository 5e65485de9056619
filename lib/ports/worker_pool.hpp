#pragma once
// Port: a pool of checker threads that reports back to the single-threaded event loop.
//
// Contract:
// - submit() never blocks. A request waits in a queue until a worker is free; the caller treats the path as
//   Pending until a completion arrives, and a queued check is not late: its deadline runs from its start.
// - No number of hung checks starves the others: a worker whose check has run longer than the pool's
//   "slow" threshold no longer counts as available, and while checks wait the pool starts a thread in its
//   place, up to a fixed limit of such held threads (WorkerPoolStats::hung_limit). A held worker whose check
//   finally returns goes back to work, or retires when the pool has enough workers without it.
// - At most one check per devnode is in flight: submitting a devnode that is already queued or running
//   returns the id of that job instead of queueing a second one, so a hung path holds one thread, never more.
//   That job's completion then carries the newer request's check_id: it answers the newer request.
// - completion_fd() is an eventfd that becomes readable when completions are waiting; drain_completed() reads
//   it and returns them. A result that confirms a usable path may wait (unsignalled) while more checks of its
//   round are queued; a failure is signalled at once. Call drain_completed() on every loop tick as well: it
//   collects such results if the workers hang, starts replacement threads, and a job that ran past its
//   deadline (start + request timeout + grace) is reported once as Down with a "timed out" message; its
//   worker stays held until the syscall returns, and that late result is then discarded.
// - drain_started() returns, once each, the checks that started on a worker since the last call and are
//   still running (a check already answered needs no start notice). It is never signalled on its own.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ports/path_checker.hpp"

namespace pathkeeper::ports {

using JobId = std::uint64_t;

struct CompletedCheck {
    JobId id = 0;
    CheckRequest request;
    CheckOutcome outcome;
    bool timed_out = false;  // outcome synthesised because the job overran its deadline
    // How long the checker ran; for a timed-out job, how long it was waited for; 0 when it never ran.
    std::chrono::microseconds duration{0};
};

struct StartedCheck {
    std::string devnode;
    std::uint64_t check_id = 0;
};

struct WorkerPoolStats {
    std::size_t workers = 0;     // threads now: the base number plus replacements for held ones
    std::size_t running = 0;     // jobs inside check() right now, including held and overdue ones
    std::size_t hung = 0;        // running jobs past the slow threshold: their threads are held
    std::size_t overdue = 0;     // running jobs past their deadline (probably stuck in the kernel)
    std::size_t queued = 0;      // submitted, waiting for a free worker
    std::size_t hung_limit = 0;  // held threads the pool replaces at most; beyond it new checks wait
};

class WorkerPool {
public:
    virtual ~WorkerPool() = default;
    virtual int completion_fd() const = 0;
    virtual JobId submit(const CheckRequest& request) = 0;
    virtual std::vector<CompletedCheck> drain_completed() = 0;
    virtual std::vector<StartedCheck> drain_started() = 0;
    virtual WorkerPoolStats stats() const = 0;
    // Passed on to the checker (PathChecker::forget): the path was removed.
    virtual void forget(const std::string& devnode) = 0;
};

}  // namespace pathkeeper::ports
