#include "os/worker_pool.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "os/coarse_clock.hpp"
#include "os/errno_text.hpp"

namespace pathkeeper::os {

// Job deadlines are the request's timeout plus a grace of seconds, set and compared here only: the coarse
// clock saves two clock reads per check that are system calls under emulation (see coarse_clock.hpp).
using Clock = std::chrono::steady_clock;

struct ThreadWorkerPool::State {
    struct Job {
        ports::JobId id = 0;
        ports::CheckRequest request;
        Clock::time_point started{};   // set when a worker starts it
        Clock::time_point deadline{};  // started + timeout + grace
        bool running = false;
        bool start_reported = false;
        bool timeout_reported = false;
    };

    std::shared_ptr<ports::PathChecker> checker;
    WorkerPoolOptions options;
    int event_fd = -1;

    mutable std::mutex mutex;
    std::condition_variable work_ready;
    std::condition_variable worker_exited;
    bool stopping = false;
    std::size_t live_workers = 0;
    std::size_t idle_workers = 0;
    ports::JobId next_id = 1;
    std::deque<ports::JobId> queue;
    std::map<ports::JobId, Job> jobs;                    // queued or running
    std::map<std::string, ports::JobId> job_of_devnode;  // at most one job per devnode
    std::vector<ports::CompletedCheck> completed;
    std::vector<ports::JobId> started;  // started since the last drain_started()
    bool wake_pending = false;          // the eventfd was written since the last drain

    ~State() {
        if (event_fd >= 0) {
            ::close(event_fd);
        }
    }

    void signal_completion() {
        std::uint64_t one = 1;
        // A full counter (never in practice) or EAGAIN still leaves the fd readable, which is all we need.
        [[maybe_unused]] ssize_t rc = ::write(event_fd, &one, sizeof one);
    }

    bool held(const Job& job, Clock::time_point now) const {
        return job.running && (job.timeout_reported || now >= job.started + options.slow_after);
    }

    std::size_t held_count(Clock::time_point now) const {
        std::size_t count = 0;
        for (const auto& [id, job] : jobs) {
            count += held(job, now) ? 1 : 0;
        }
        return count;
    }

    // Threads not held by a slow check: the pool keeps `options.workers` of them while checks wait.
    std::size_t available_workers(Clock::time_point now) const { return live_workers - held_count(now); }

    void finish_locked(ports::JobId id, ports::CheckOutcome outcome, std::chrono::microseconds ran) {
        auto it = jobs.find(id);
        if (it == jobs.end()) {
            return;
        }
        if (!it->second.timeout_reported) {
            // Each write to the eventfd is a wake-up of the loop (a context switch, under emulation the
            // costliest part of an idle daemon), and one drain takes every result there is. So a result that
            // confirms a usable path, while more checks of the same round wait in the queue, leaves the
            // wake-up to a later one: the first result after the queue ran empty, or the first that found a
            // path unusable (failures go out at once). If every worker then hung, the loop's once-a-second
            // drain collects what was left. Nothing is lost: this runs under the mutex that
            // drain_completed() takes to swap the list and reset `wake_pending`.
            const bool urgent = queue.empty() || !core::is_usable(outcome.state);
            completed.push_back({id, it->second.request, std::move(outcome), false, ran});
            if (urgent && !wake_pending) {
                signal_completion();
                wake_pending = true;
            }
        }
        job_of_devnode.erase(it->second.request.devnode);
        jobs.erase(it);
    }

    void start_thread_locked(const std::shared_ptr<State>& self);

    // While checks wait and slow ones hold threads, starts threads in their place, up to the limit.
    void replace_held_locked(const std::shared_ptr<State>& self, Clock::time_point now) {
        if (queue.size() <= idle_workers || stopping) {
            return;
        }
        const std::size_t cap = options.workers + options.hung_limit;
        std::size_t available = available_workers(now);
        std::size_t wanted = queue.size() - idle_workers;
        while (wanted > 0 && available < options.workers && live_workers < cap) {
            start_thread_locked(self);
            ++available;
            --wanted;
        }
    }
};

namespace {

void worker_main(std::shared_ptr<ThreadWorkerPool::State> state) {
    std::unique_lock lock(state->mutex);
    for (;;) {
        ++state->idle_workers;
        bool surplus = false;
        while (!state->stopping && state->queue.empty()) {
            // A thread started in place of a held one retires once the pool has enough without it: looked at
            // when a check returns (its thread comes here first), so idle threads never wake for it.
            if (state->available_workers(coarse_monotonic_now()) > state->options.workers) {
                surplus = true;
                break;
            }
            state->work_ready.wait(lock);
        }
        --state->idle_workers;
        if (state->stopping || surplus) {
            break;
        }
        ports::JobId id = state->queue.front();
        state->queue.pop_front();
        auto& job = state->jobs.at(id);
        job.running = true;
        job.started = coarse_monotonic_now();
        job.deadline = job.started + job.request.timeout + state->options.grace;
        state->started.push_back(id);
        ports::CheckRequest request = job.request;
        lock.unlock();

        ports::CheckOutcome outcome;
        const auto began = std::chrono::steady_clock::now();
        try {
            outcome = state->checker->check(request);
        } catch (const std::exception& e) {
            outcome = {core::PathState::Down, std::string("checker failed: ") + e.what()};
        }
        // At least 1 us: 0 means "never ran", and a checker answering from memory can be quicker.
        const auto ran = std::max(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - began),
            std::chrono::microseconds(1));

        lock.lock();
        state->finish_locked(id, std::move(outcome), ran);
    }
    --state->live_workers;
    state->worker_exited.notify_all();
}

}  // namespace

void ThreadWorkerPool::State::start_thread_locked(const std::shared_ptr<State>& self) {
    ++live_workers;
    try {
        std::thread(worker_main, self).detach();
    } catch (const std::system_error&) {
        --live_workers;  // out of threads: the checks wait for the ones there are
    }
}

ThreadWorkerPool::ThreadWorkerPool(std::shared_ptr<ports::PathChecker> checker, WorkerPoolOptions options)
    : state_(std::make_shared<State>()) {
    state_->checker = std::move(checker);
    state_->options = options;
    if (state_->options.workers == 0) {
        state_->options.workers = 1;
    }
    state_->event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (state_->event_fd < 0) {
        throw std::runtime_error("eventfd: " + errno_text(errno));
    }
    std::lock_guard lock(state_->mutex);
    for (std::size_t i = 0; i < state_->options.workers; ++i) {
        state_->start_thread_locked(state_);
    }
}

ThreadWorkerPool::~ThreadWorkerPool() {
    std::unique_lock lock(state_->mutex);
    state_->stopping = true;
    state_->work_ready.notify_all();
    // Idle workers exit at once; one inside check() exits when the check returns. Wait a little for those,
    // then leave stuck ones behind: they own a reference to the state.
    state_->worker_exited.wait_for(lock, std::chrono::seconds(1), [&] { return state_->live_workers == 0; });
}

int ThreadWorkerPool::completion_fd() const {
    return state_->event_fd;
}

ports::JobId ThreadWorkerPool::submit(const ports::CheckRequest& request) {
    std::lock_guard lock(state_->mutex);
    if (auto existing = state_->job_of_devnode.find(request.devnode);
        existing != state_->job_of_devnode.end()) {
        auto& job = state_->jobs.at(existing->second);
        if (!job.timeout_reported) {
            job.request.check_id = request.check_id;  // already queued or running: it answers this request
            if (job.running) {
                job.start_reported = false;  // the newer request learns of the start too
                state_->started.push_back(job.id);
            }
            return job.id;
        }
        // The previous check is stuck in the kernel. Answer at once instead of spending a second slot on it.
        ports::JobId id = state_->next_id++;
        state_->completed.push_back(
            {id,
             request,
             {core::PathState::Down, "previous " + std::string(core::to_string(request.kind)) +
                                         " check is still hung in the kernel"},
             true});
        state_->signal_completion();
        state_->wake_pending = true;
        return id;
    }
    ports::JobId id = state_->next_id++;
    state_->jobs[id] = State::Job{id, request, {}, {}, false, false, false};
    state_->job_of_devnode[request.devnode] = id;
    state_->queue.push_back(id);
    state_->work_ready.notify_one();
    state_->replace_held_locked(state_, coarse_monotonic_now());
    return id;
}

std::vector<ports::CompletedCheck> ThreadWorkerPool::drain_completed() {
    std::uint64_t counter = 0;
    [[maybe_unused]] ssize_t rc = ::read(state_->event_fd, &counter, sizeof counter);  // EAGAIN is fine
    std::lock_guard lock(state_->mutex);
    const auto now = coarse_monotonic_now();
    for (auto& [id, job] : state_->jobs) {
        if (job.running && !job.timeout_reported && now >= job.deadline) {
            job.timeout_reported = true;
            auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(job.request.timeout +
                                                                                state_->options.grace);
            state_->completed.push_back(
                {id,
                 job.request,
                 {core::PathState::Down, std::string(core::to_string(job.request.kind)) +
                                             " checker timed out after " + std::to_string(waited.count()) +
                                             " ms"},
                 true,
                 std::chrono::duration_cast<std::chrono::microseconds>(now - job.started)});
        }
    }
    state_->replace_held_locked(state_, now);
    std::vector<ports::CompletedCheck> result;
    result.swap(state_->completed);
    state_->wake_pending = false;
    return result;
}

std::vector<ports::StartedCheck> ThreadWorkerPool::drain_started() {
    std::lock_guard lock(state_->mutex);
    std::vector<ports::StartedCheck> result;
    for (ports::JobId id : state_->started) {
        auto it = state_->jobs.find(id);
        if (it == state_->jobs.end() || it->second.start_reported || it->second.timeout_reported) {
            continue;  // answered already: the answer says more than the start
        }
        it->second.start_reported = true;
        result.push_back({it->second.request.devnode, it->second.request.check_id});
    }
    state_->started.clear();
    return result;
}

ports::WorkerPoolStats ThreadWorkerPool::stats() const {
    std::lock_guard lock(state_->mutex);
    ports::WorkerPoolStats stats;
    stats.workers = state_->live_workers;
    stats.queued = state_->queue.size();
    stats.hung_limit = state_->options.hung_limit;
    const auto now = coarse_monotonic_now();
    for (const auto& [id, job] : state_->jobs) {
        if (job.running) {
            ++stats.running;
            stats.hung += state_->held(job, now) ? 1 : 0;
            if (now >= job.deadline) {
                ++stats.overdue;
            }
        }
    }
    return stats;
}

void ThreadWorkerPool::forget(const std::string& devnode) {
    state_->checker->forget(devnode);
}

}  // namespace pathkeeper::os
