#include "daemon/event_loop.hpp"

#include "os/coarse_clock.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>

namespace pathkeeper::daemon {

namespace {

core::Error os_error(const std::string& what) {
    return core::make_error(core::ErrorCode::Io, what + ": " + std::strerror(errno));
}

timespec to_timespec(MonotonicClock::duration d) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(ns / 1000000000LL);
    ts.tv_nsec = static_cast<long>(ns % 1000000000LL);
    return ts;
}

}  // namespace

EventLoop::EventLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epoll_fd_ < 0) {
        throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    }
}

EventLoop::~EventLoop() {
    close(epoll_fd_);
}

core::Result<void> EventLoop::add(int fd, std::uint32_t events, Callback callback, std::string source) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        return os_error("epoll_ctl(ADD, fd " + std::to_string(fd) + ")");
    }
    callbacks_[fd] = Source{std::move(callback), std::move(source)};
    return {};
}

core::Result<void> EventLoop::modify(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
        return os_error("epoll_ctl(MOD, fd " + std::to_string(fd) + ")");
    }
    return {};
}

void EventLoop::remove(int fd) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    callbacks_.erase(fd);
}

void EventLoop::add_prepare_hook(PrepareHook hook, std::string source) {
    prepare_hooks_.push_back(Hook{std::move(hook), std::move(source)});
}

void EventLoop::add_before_wait_hook(PrepareHook hook, std::string source) {
    before_wait_hooks_.push_back(Hook{std::move(hook), std::move(source)});
}

void EventLoop::set_stall_reporter(MonotonicClock::duration threshold, StallReporter reporter) {
    stall_threshold_ = threshold;
    stall_reporter_ = std::move(reporter);
}

MonotonicClock::duration EventLoop::stall_clock_now() {
    // Timing every callback and hook with CLOCK_MONOTONIC made clock_gettime 3099 of an idle daemon's 13011
    // system calls in 20 s (128 paths in the VM; 1364 after). A tick's resolution is plenty for a one-second
    // threshold.
    return os::coarse_monotonic_now().time_since_epoch();
}

void EventLoop::report_if_stalled(std::string_view source, MonotonicClock::duration started) const {
    if (!stall_reporter_) {
        return;
    }
    const auto held = stall_clock_now() - started;
    if (held > stall_threshold_) {
        stall_reporter_(source, held);
    }
}

int EventLoop::run_once(std::optional<std::chrono::milliseconds> max_wait) {
    std::optional<MonotonicClock::time_point> deadline;
    for (auto* hooks : {&prepare_hooks_, &before_wait_hooks_}) {
        for (auto& hook : *hooks) {
            const auto started = stall_clock_now();
            auto when = hook.hook();
            report_if_stalled(hook.name, started);
            if (when && (!deadline || *when < *deadline)) {
                deadline = when;
            }
        }
    }
    int timeout_ms = -1;
    if (deadline) {
        const auto left = *deadline - MonotonicClock::now();
        // Round up so we never wake a hair early and spin.
        timeout_ms = left <= MonotonicClock::duration::zero()
                         ? 0
                         : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
    }
    if (max_wait && (timeout_ms < 0 || max_wait->count() < timeout_ms)) {
        timeout_ms = static_cast<int>(max_wait->count());
    }
    epoll_event events[32];
    const int n = epoll_wait(epoll_fd_, events, 32, timeout_ms);
    if (n < 0) {
        return 0;  // EINTR: signals arrive through signalfd, just go round again
    }
    int dispatched = 0;
    for (int i = 0; i < n; ++i) {
        auto it = callbacks_.find(events[i].data.fd);
        if (it == callbacks_.end()) {
            continue;  // removed by an earlier callback of this batch
        }
        Source source = it->second;  // a copy: the callback may remove itself
        const auto started = stall_clock_now();
        source.callback(events[i].events);
        report_if_stalled(source.name, started);
        ++dispatched;
    }
    return dispatched;
}

void EventLoop::run() {
    while (!stopping_) {
        run_once();
    }
}

DeadlineTimer::DeadlineTimer() : fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
    if (fd_ < 0) {
        throw std::runtime_error(std::string("timerfd_create: ") + std::strerror(errno));
    }
}

DeadlineTimer::~DeadlineTimer() {
    close(fd_);
}

void DeadlineTimer::arm(std::optional<MonotonicClock::time_point> when) {
    itimerspec spec{};
    if (when) {
        spec.it_value = to_timespec(when->time_since_epoch());
        if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) {
            spec.it_value.tv_nsec = 1;  // all-zero would disarm
        }
    }
    timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void DeadlineTimer::arm_periodic(std::chrono::microseconds period) {
    itimerspec spec{};
    spec.it_value = to_timespec(period);
    spec.it_interval = to_timespec(period);
    timerfd_settime(fd_, 0, &spec, nullptr);
}

void DeadlineTimer::acknowledge() {
    std::uint64_t expirations = 0;
    [[maybe_unused]] const ssize_t n = read(fd_, &expirations, sizeof expirations);
}

WakeupFd::WakeupFd() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (fd_ < 0) {
        throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    }
}

WakeupFd::~WakeupFd() {
    close(fd_);
}

void WakeupFd::signal() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(fd_, &one, sizeof one);
}

void WakeupFd::acknowledge() {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = read(fd_, &count, sizeof count);
}

}  // namespace pathkeeper::daemon
