#include "daemon/dm_worker.hpp"

namespace pathkeeper::daemon {

DmWorker::DmWorker() : thread_([this] { run(); }) {}

DmWorker::~DmWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    thread_.join();
}

void DmWorker::submit(Job job) {
    enqueue(std::move(job));
}

void DmWorker::submit_deferred(DeferredJob job) {
    enqueue(std::move(job));
}

void DmWorker::enqueue(std::variant<Job, DeferredJob> job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
        ++in_flight_;
    }
    work_ready_.notify_one();
}

std::size_t DmWorker::run_completions() {
    wakeup_.acknowledge();
    std::deque<Continuation> done;
    {
        std::lock_guard lock(mutex_);
        done.swap(done_);
    }
    for (auto& continuation : done) {
        {
            std::lock_guard lock(mutex_);
            --in_flight_;
        }
        if (continuation) {
            continuation();
        }
    }
    return done.size();
}

std::size_t DmWorker::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
}

void DmWorker::wait_idle() {
    while (true) {
        {
            std::unique_lock lock(mutex_);
            work_done_.wait(lock, [&] { return jobs_.empty() && done_.size() == in_flight_; });
            if (in_flight_ == 0) {
                return;
            }
        }
        // Continuations may submit more jobs; loop until nothing is left.
        run_completions();
    }
}

void DmWorker::finish(Continuation continuation) {
    {
        std::lock_guard lock(mutex_);
        done_.push_back(std::move(continuation));
    }
    work_done_.notify_all();
    wakeup_.signal();
}

std::optional<DmWorker::Clock::time_point> DmWorker::poll_pending(bool all) {
    std::optional<Clock::time_point> next_due;
    const auto now = Clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (!all && it->next_poll > now) {
            next_due = next_due ? std::min(*next_due, it->next_poll) : it->next_poll;
            ++it;
        } else if (auto continuation = it->poll()) {
            finish(std::move(*continuation));
            it = pending_.erase(it);
        } else {
            it->next_poll = now + it->backoff;
            it->backoff = std::min<Clock::duration>(it->backoff * 2, kMaxPollInterval);
            next_due = next_due ? std::min(*next_due, it->next_poll) : it->next_poll;
            ++it;
        }
    }
    return next_due;
}

void DmWorker::run() {
    std::optional<Clock::time_point> give_up_at;
    std::optional<Clock::time_point> next_due;  // the earliest next poll of a pending job
    while (true) {
        std::variant<Job, DeferredJob> job;
        {
            std::unique_lock lock(mutex_);
            auto have_work = [&] { return !jobs_.empty() || (stopping_ && pending_.empty()); };
            if (pending_.empty() || !next_due) {
                work_ready_.wait(lock, have_work);
            } else {
                work_ready_.wait_until(lock, *next_due, have_work);
            }
            if (jobs_.empty()) {
                if (!stopping_) {
                    lock.unlock();
                    next_due = poll_pending(false);
                    continue;
                }
                // Stopping: queued jobs are done; give udev a bounded time for the changes still pending
                // (an unpolled cookie would leave its semaphore behind), then leave.
                if (!give_up_at) {
                    give_up_at = Clock::now() + kShutdownGrace;
                }
                if (pending_.empty() || Clock::now() >= *give_up_at) {
                    return;
                }
                lock.unlock();
                poll_pending(true);
                next_due = Clock::now() + kPollInterval;
                continue;
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        if (auto* plain = std::get_if<Job>(&job)) {
            finish((*plain)());
        } else {
            // Polled once at once: without udev sync (or when the ioctl failed) the job is complete already.
            pending_.push_back(PendingJob{std::get<DeferredJob>(job)(), Clock::time_point{}, kPollInterval});
        }
        next_due = poll_pending(false);
    }
}

}  // namespace pathkeeper::daemon
