#pragma once
// EventLoop: one epoll set, one thread. Every source (udev monitor, dm control fd, checker eventfd, timerfds,
// signalfd, sd-bus) registers an fd and a callback; prepare hooks run before each wait so a source whose
// interest or deadline changes between iterations (sd-bus: POLLOUT while output is queued, its own timeout)
// can update them. Nothing here blocks except epoll_wait itself.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::daemon {

using MonotonicClock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux

class EventLoop {
public:
    using Callback = std::function<void(std::uint32_t epoll_events)>;
    // Returns the absolute time by which the loop must wake up (nullopt: no deadline).
    using PrepareHook = std::function<std::optional<MonotonicClock::time_point>()>;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // `source` names the fd in stall reports ("udev monitor").
    core::Result<void> add(int fd, std::uint32_t events, Callback callback, std::string source = "fd");
    core::Result<void> modify(int fd, std::uint32_t events);
    void remove(int fd);
    void add_prepare_hook(PrepareHook hook, std::string source = "prepare hook");
    // Like a prepare hook, but run after all of them, just before the wait: for state that the prepare hooks
    // themselves may change (a D-Bus call handled by the sd-bus hook can give the engine a new deadline).
    void add_before_wait_hook(PrepareHook hook, std::string source = "before-wait hook");

    // A callback or hook that holds the loop longer than `threshold` is reported (source name, how long):
    // everything else (D-Bus answers, checker results) waited that long, which an admin needs to see.
    using StallReporter = std::function<void(std::string_view source, MonotonicClock::duration held)>;
    void set_stall_reporter(MonotonicClock::duration threshold, StallReporter reporter);

    // Runs prepare hooks, waits (at most max_wait), dispatches ready fds. Returns the number dispatched.
    int run_once(std::optional<std::chrono::milliseconds> max_wait = std::nullopt);
    // run_once() until stop() is called.
    void run();
    void stop() { stopping_ = true; }
    bool stopping() const { return stopping_; }

private:
    struct Source {
        Callback callback;
        std::string name;
    };
    // Stall timing only: a coarse clock that costs no system call (see the definition).
    static MonotonicClock::duration stall_clock_now();
    void report_if_stalled(std::string_view source, MonotonicClock::duration started) const;

    struct Hook {
        PrepareHook hook;
        std::string name;
    };

    int epoll_fd_ = -1;
    std::map<int, Source> callbacks_;
    MonotonicClock::duration stall_threshold_ = MonotonicClock::duration::max();
    StallReporter stall_reporter_;
    std::vector<Hook> prepare_hooks_;
    std::vector<Hook> before_wait_hooks_;
    bool stopping_ = false;
};

// A CLOCK_MONOTONIC timerfd armed at absolute times.
class DeadlineTimer {
public:
    DeadlineTimer();
    ~DeadlineTimer();
    DeadlineTimer(const DeadlineTimer&) = delete;
    DeadlineTimer& operator=(const DeadlineTimer&) = delete;

    int fd() const { return fd_; }
    // Arms the timer for `when` (a time in the past fires at once); nullopt disarms it.
    void arm(std::optional<MonotonicClock::time_point> when);
    // Arms a periodic timer.
    void arm_periodic(std::chrono::microseconds period);
    // Reads the expiration count so the fd stops being readable.
    void acknowledge();

private:
    int fd_ = -1;
};

// An eventfd other threads write to wake the loop.
class WakeupFd {
public:
    WakeupFd();
    ~WakeupFd();
    WakeupFd(const WakeupFd&) = delete;
    WakeupFd& operator=(const WakeupFd&) = delete;
    int fd() const { return fd_; }
    void signal();
    void acknowledge();

private:
    int fd_ = -1;
};

}  // namespace pathkeeper::daemon
