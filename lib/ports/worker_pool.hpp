#pragma once
// Port: a bounded pool of checker threads that reports back to the single-threaded event loop.
//
// Contract:
// - submit() never blocks. When every worker is busy (or stuck in a syscall on a dead path) the request waits
// in
//   a queue; the caller treats the path as Pending until a completion arrives.
// - At most one check per devnode is in flight: submitting a devnode that is already queued or running
// returns
//   the id of that job instead of queueing a second one, so a hung path costs one worker slot, never more.
//   That job's completion then carries the newer request's check_id: it answers the newer request.
// - completion_fd() is an eventfd that becomes readable when completions are waiting; drain_completed() reads
// it
//   and returns them. A result that confirms a usable path may wait (unsignalled) while more checks of its
//   round are queued; a failure is signalled at once. Call drain_completed() on every loop tick as well: it
//   collects such results if the workers hang, and a job that ran past its deadline
//   (request timeout + grace) is reported once as Down with a "timed out" message; its worker stays stuck
//   until the syscall returns, and that late result is then discarded.

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
};

struct WorkerPoolStats {
    std::size_t workers = 0;  // fixed number of threads
    std::size_t running = 0;  // jobs inside check() right now, including overdue ones
    std::size_t overdue = 0;  // running jobs past their deadline (probably stuck in the kernel)
    std::size_t queued = 0;   // submitted, waiting for a free worker
};

class WorkerPool {
public:
    virtual ~WorkerPool() = default;
    virtual int completion_fd() const = 0;
    virtual JobId submit(const CheckRequest& request) = 0;
    virtual std::vector<CompletedCheck> drain_completed() = 0;
    virtual WorkerPoolStats stats() const = 0;
    // Passed on to the checker (PathChecker::forget): the path was removed.
    virtual void forget(const std::string& devnode) = 0;
};

}  // namespace pathkeeper::ports
