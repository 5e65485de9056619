#include "daemon/dm_worker.hpp"

#include <algorithm>
#include <iterator>

namespace pathkeeper::daemon {

DmWorker::DmWorker(std::size_t threads) {
    for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i) {
        threads_.emplace_back([this] { run(); });
    }
}

DmWorker::~DmWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_ready_.notify_all();
    for (auto& thread : threads_) {
        thread.join();
    }
}

void DmWorker::submit(const std::string& map, Job job) {
    enqueue({map, std::move(job)});
}

void DmWorker::submit_deferred(const std::string& map, DeferredJob job) {
    enqueue({map, std::move(job)});
}

void DmWorker::enqueue(QueuedJob job) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(job));
        ++in_flight_;
    }
    // Every thread looks: the one that wakes first may find the job's map busy.
    work_ready_.notify_all();
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

void DmWorker::finish_locked(Continuation continuation) {
    done_.push_back(std::move(continuation));
    work_done_.notify_all();
    wakeup_.signal();
}

std::vector<DmWorker::PendingJob> DmWorker::poll(std::vector<PendingJob> due) {
    std::vector<PendingJob> unready;
    std::vector<Continuation> ready;
    const auto now = Clock::now();
    for (auto& job : due) {
        if (auto continuation = job.poll()) {
            ready.push_back(std::move(*continuation));
        } else {
            job.next_poll = now + job.backoff;
            job.backoff = std::min<Clock::duration>(job.backoff * 2, kMaxPollInterval);
            unready.push_back(std::move(job));
        }
    }
    std::lock_guard lock(mutex_);
    for (auto& continuation : ready) {
        finish_locked(std::move(continuation));
    }
    return unready;
}

void DmWorker::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        // The oldest job whose map has no job running: per map, jobs start in submission order.
        auto runnable = std::find_if(jobs_.begin(), jobs_.end(),
                                     [&](const QueuedJob& job) { return !busy_maps_.contains(job.map); });
        if (runnable != jobs_.end()) {
            QueuedJob job = std::move(*runnable);
            jobs_.erase(runnable);
            busy_maps_.insert(job.map);
            lock.unlock();
            std::optional<Continuation> continuation;
            std::optional<Poll> started;
            if (auto* plain = std::get_if<Job>(&job.job)) {
                continuation = (*plain)();
            } else {
                // Polled at once, before the map's next job: without udev sync (or when the ioctl failed) the
                // job is complete already.
                started = std::get<DeferredJob>(job.job)();
                continuation = (*started)();
            }
            lock.lock();
            if (continuation) {
                finish_locked(std::move(*continuation));
            } else {
                pending_.push_back(PendingJob{job.map, std::move(*started), Clock::now() + kPollInterval,
                                              kPollInterval * 2});
            }
            busy_maps_.erase(job.map);
            work_ready_.notify_all();  // the map's next job may start now
            continue;
        }
        const auto now = Clock::now();
        auto pollable = [&](const PendingJob& job) { return !busy_maps_.contains(job.map); };
        if (!polling_ && !pending_.empty()) {
            std::vector<PendingJob> due;
            std::set<std::string> polled_maps;
            for (auto it = pending_.begin(); it != pending_.end();) {
                if (it->next_poll <= now && pollable(*it)) {
                    due.push_back(std::move(*it));
                    it = pending_.erase(it);
                } else {
                    ++it;
                }
            }
            if (!due.empty()) {
                for (const auto& job : due) {
                    polled_maps.insert(job.map);
                }
                busy_maps_.insert(polled_maps.begin(), polled_maps.end());
                polling_ = true;
                lock.unlock();
                auto unready = poll(std::move(due));
                lock.lock();
                polling_ = false;
                for (const auto& map : polled_maps) {
                    busy_maps_.erase(map);
                }
                std::move(unready.begin(), unready.end(), std::back_inserter(pending_));
                work_ready_.notify_all();
                continue;
            }
        }
        if (stopping_ && jobs_.empty()) {
            // Queued jobs are done: give udev a bounded time for the changes still pending (an unpolled
            // cookie would leave its semaphore behind), then leave.
            if (!give_up_at_) {
                give_up_at_ = now + kShutdownGrace;
            }
            if ((pending_.empty() && !polling_) || now >= *give_up_at_) {
                return;
            }
        }
        // The next poll due, of a map with no job running (when that job ends, it wakes the threads).
        std::optional<Clock::time_point> next_poll;
        for (const auto& job : pending_) {
            if (pollable(job) && (!next_poll || job.next_poll < *next_poll)) {
                next_poll = job.next_poll;
            }
        }
        if (!polling_ && next_poll) {
            work_ready_.wait_until(lock, *next_poll);
        } else if (give_up_at_) {
            work_ready_.wait_until(lock, *give_up_at_);
        } else {
            work_ready_.wait(lock);
        }
    }
}

}  // namespace pathkeeper::daemon
