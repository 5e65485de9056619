#include "core/path_policy.hpp"

#include <algorithm>

namespace pathkeeper::core {

bool PathPolicy::in_service() const noexcept {
    // A new path (Pending) is loaded active by the kernel; it stays in service until a check says
    // otherwise, so a map can carry I/O before the first round of checks has finished.
    return (is_usable(state_) || state_ == PathState::Pending) && !admin_failed_;
}

std::optional<TimePoint> PathPolicy::next_check_at() const noexcept {
    if (in_flight_) {
        return std::nullopt;
    }
    return next_check_at_;
}

bool PathPolicy::check_due(TimePoint now) const noexcept {
    return !in_flight_ && now >= next_check_at_;
}

bool PathPolicy::check_overdue(TimePoint now, const PathTiming& timing) const noexcept {
    return in_flight_ && in_flight_started_ &&
           now >= *in_flight_started_ + timing.checker_timeout + timing.polling_interval;
}

void PathPolicy::begin_check(std::uint64_t id, TimePoint) {
    in_flight_ = id;
    in_flight_started_.reset();
}

void PathPolicy::check_started(std::uint64_t id, TimePoint now) {
    if (in_flight_ && *in_flight_ == id && !in_flight_started_) {
        in_flight_started_ = now;
    }
}

void PathPolicy::request_check_now(TimePoint now) {
    if (next_check_at_ > now) {
        next_check_at_ = now;
    }
}

void PathPolicy::enter_service(TimePoint now) {
    in_service_since_ = now;
}

void PathPolicy::leave_service_on_failure(TimePoint now, const PathTiming& timing) {
    if (in_service_since_) {
        if (now - *in_service_since_ <= timing.flap_window) {
            ++flaps_;
        } else {
            flaps_ = 0;
        }
    }
    in_service_since_.reset();
    if (timing.flap_threshold > 0 && flaps_ >= timing.flap_threshold) {
        damped_ = true;
    }
}

Millis PathPolicy::hold_duration(const PathTiming& timing) const {
    Millis hold = timing.flap_hold_time;
    for (unsigned extra = flaps_ - std::min(flaps_, timing.flap_threshold); extra > 0; --extra) {
        hold *= 2;
        if (hold >= timing.flap_hold_max) {
            break;
        }
    }
    return std::min(hold, timing.flap_hold_max);
}

void PathPolicy::schedule_after_result(TimePoint now, const PathTiming& timing) {
    if (state_ == PathState::Down) {
        interval_ = Millis{0};
        fast_interval_ = fast_interval_.count() == 0 ? timing.fast_recheck_interval
                                                     : std::min(fast_interval_ * 2, timing.polling_interval);
        next_check_at_ = now + fast_interval_;
        return;
    }
    fast_interval_ = Millis{0};
    if (state_ == PathState::Shaky && hold_until_) {
        interval_ = Millis{0};
        TimePoint at = std::min<TimePoint>(*hold_until_, now + timing.polling_interval);
        next_check_at_ = std::max<TimePoint>(at, now + timing.fast_recheck_interval);
        return;
    }
    interval_ = interval_.count() == 0
                    ? timing.polling_interval
                    : std::min(interval_ * 2, std::max(timing.max_polling_interval, timing.polling_interval));
    next_check_at_ = now + interval_;
}

std::optional<PathTransition> PathPolicy::on_check_result(std::uint64_t id, PathState result, TimePoint now,
                                                          const PathTiming& timing) {
    if (!in_flight_ || *in_flight_ != id) {
        return std::nullopt;
    }
    in_flight_.reset();
    PathTransition t{state_, state_};
    if (is_usable(result)) {
        if (damped_) {
            if (!hold_until_) {
                hold_until_ = now + hold_duration(timing);
                state_ = PathState::Shaky;
            } else if (now >= *hold_until_) {
                damped_ = false;
                hold_until_.reset();
                state_ = result;
            } else {
                state_ = PathState::Shaky;
            }
        } else {
            state_ = result;
        }
        if (in_service() && !in_service_since_) {
            enter_service(now);
        }
    } else {
        if (in_service()) {
            leave_service_on_failure(now, timing);
        }
        if (state_ == PathState::Shaky) {
            hold_until_.reset();  // the hold restarts when the path is good again
        }
        state_ = PathState::Down;
    }
    schedule_after_result(now, timing);
    t.new_state = state_;
    return t;
}

PathTransition PathPolicy::on_external_failure(TimePoint now, const PathTiming& timing) {
    PathTransition t{state_, PathState::Down};
    if (in_service()) {
        leave_service_on_failure(now, timing);
    }
    if (state_ == PathState::Shaky) {
        hold_until_.reset();
    }
    // A check started before the failure may still answer "up"; its answer is stale.
    in_flight_.reset();
    state_ = PathState::Down;
    fast_interval_ = Millis{0};
    schedule_after_result(now, timing);
    return t;
}

PathTransition PathPolicy::assume_up(TimePoint now) {
    PathTransition t{state_, PathState::Up};
    state_ = PathState::Up;
    enter_service(now);
    next_check_at_ = TimePoint::max();
    return t;
}

PathTransition PathPolicy::set_usable_state(PathState usable_state) {
    PathTransition t{state_, state_};
    if (is_usable(state_) && is_usable(usable_state)) {
        state_ = usable_state;
    }
    t.new_state = state_;
    return t;
}

void PathPolicy::set_admin_failed(bool failed, TimePoint now) {
    admin_failed_ = failed;
    if (failed) {
        in_service_since_.reset();
    } else if (in_service()) {
        enter_service(now);
    }
}

void PathPolicy::clear_damping() {
    damped_ = false;
    flaps_ = 0;
    hold_until_.reset();
}

}  // namespace pathkeeper::core
