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

void DmWorker::run() {
    while (true) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) {
                return;  // stopping and drained
            }
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        Continuation continuation = job();
        {
            std::lock_guard lock(mutex_);
            done_.push_back(std::move(continuation));
        }
        work_done_.notify_all();
        wakeup_.signal();
    }
}

}  // namespace pathkeeper::daemon
