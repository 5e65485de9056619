#pragma once
// One path's checker state machine, check scheduling and flap damping. Pure: time is passed in.
//
// States (see model.hpp): a new path is Pending until its first check. A check result moves it to
// Up / Ghost / Down. A path is *in service* (dm should have it active) when its state is usable and it
// is neither held out by flap damping nor failed by the administrator; the engine compares in_service()
// with what dm has and sends fail_path / reinstate_path for the difference.
//
// Flap damping: a path that leaves service because it failed (checker down, kernel I/O error, session
// lost) within flap_window of entering service counts one flap. At flap_threshold flaps (0 = off) it is
// damped: when it next checks good it becomes Shaky and stays out of service for flap_hold_time,
// doubled for every further flap, capped at flap_hold_max. A failure during the hold restarts it. A
// path that stays in service longer than flap_window before failing starts counting from zero again.
//
// Scheduling: a healthy in-service path is checked every polling_interval, the interval doubling
// after each good check up to max_polling_interval (dm events and iSCSI/SCSI state events report
// failures in between, so long-healthy paths need not be polled often). A failed path is re-checked
// on a short backoff: fast_recheck_interval doubling up to polling_interval. A Shaky path is
// checked when its hold ends. At most one check per path is in flight; results of older checks are
// ignored by id.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/duration.hpp"
#include "core/model.hpp"

namespace pathkeeper::core {

using Clock = std::chrono::steady_clock;  // the type only: the core never reads a clock
using TimePoint = Clock::time_point;

struct PathTiming {
    Millis polling_interval{5000};
    Millis max_polling_interval{20000};
    Millis fast_recheck_interval{250};
    Millis checker_timeout{30000};
    Millis flap_window{30000};
    unsigned flap_threshold = 2;
    Millis flap_hold_time{10000};
    Millis flap_hold_max{300000};
};

struct PathTransition {
    PathState old_state = PathState::Pending;
    PathState new_state = PathState::Pending;
    bool state_changed() const noexcept { return old_state != new_state; }
};

class PathPolicy {
public:
    explicit PathPolicy(TimePoint now) : next_check_at_(now) {}

    PathState state() const noexcept { return state_; }
    // dm should carry I/O on this path.
    bool in_service() const noexcept;
    bool admin_failed() const noexcept { return admin_failed_; }
    bool damped() const noexcept { return damped_; }
    unsigned flaps() const noexcept { return flaps_; }
    std::optional<TimePoint> hold_until() const noexcept { return hold_until_; }
    Millis current_interval() const noexcept { return interval_; }

    // ---- checking
    bool check_in_flight() const noexcept { return in_flight_.has_value(); }
    std::optional<std::uint64_t> check_in_flight_id() const noexcept { return in_flight_; }
    // When the next check is due; nullopt while one is in flight.
    std::optional<TimePoint> next_check_at() const noexcept;
    bool check_due(TimePoint now) const noexcept;
    // A check running for longer than timeout plus one polling interval since its worker started it is
    // lost (its worker hung past the checker's own timeout); the caller then treats it as a Down result. A
    // check not yet started waits in the worker pool's queue and is never overdue: the pool, not this path,
    // decides when it runs.
    bool check_overdue(TimePoint now, const PathTiming& timing) const noexcept;
    bool check_started() const noexcept { return in_flight_started_.has_value(); }
    void begin_check(std::uint64_t id, TimePoint now);
    // The worker started check `id` at `now` (ignored when it is not the check in flight).
    void check_started(std::uint64_t id, TimePoint now);
    // Makes the next check due at once (event-driven re-check).
    void request_check_now(TimePoint now);
    // Applies a result. nullopt when `id` is not the check in flight (stale or unknown result).
    std::optional<PathTransition> on_check_result(std::uint64_t id, PathState result, TimePoint now,
                                                  const PathTiming& timing);
    // A failure learned without a check: the kernel failed the path on I/O error, its iSCSI session
    // left LOGGED_IN, its SCSI device went offline. Counts as a flap when it ends a short service.
    PathTransition on_external_failure(TimePoint now, const PathTiming& timing);
    // For a checker that never runs (path_checker none): the path is up from the start.
    PathTransition assume_up(TimePoint now);
    // Sets the state without a check (ALUA said standby/active for a usable path).
    PathTransition set_usable_state(PathState usable_state);

    // ---- administrator
    void set_admin_failed(bool failed, TimePoint now);
    // Ends flap damping at once (admin reinstate).
    void clear_damping();

private:
    void enter_service(TimePoint now);
    void leave_service_on_failure(TimePoint now, const PathTiming& timing);
    void schedule_after_result(TimePoint now, const PathTiming& timing);
    Millis hold_duration(const PathTiming& timing) const;

    PathState state_ = PathState::Pending;
    bool admin_failed_ = false;
    bool damped_ = false;
    unsigned flaps_ = 0;
    std::optional<TimePoint> in_service_since_;
    std::optional<TimePoint> hold_until_;
    std::optional<std::uint64_t> in_flight_;
    std::optional<TimePoint> in_flight_started_;  // when a worker started the check in flight
    TimePoint next_check_at_;
    Millis interval_{0};       // healthy-path interval in use
    Millis fast_interval_{0};  // failed-path backoff in use
};

}  // namespace pathkeeper::core
