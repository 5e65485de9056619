#include "core/path_registration.hpp"

namespace pathkeeper::core {

const char* to_string(RegistrationState state) noexcept {
    switch (state) {
        case RegistrationState::Unneeded:
            return "unneeded";
        case RegistrationState::Needed:
            return "needed";
        case RegistrationState::Syncing:
            return "syncing";
        case RegistrationState::Registered:
            return "registered";
        case RegistrationState::HostUnregistered:
            return "host-unregistered";
        case RegistrationState::Unsupported:
            return "unsupported";
        case RegistrationState::Failed:
            return "failed";
    }
    return "unknown";
}

const char* to_string(RegistrationVerdict verdict) noexcept {
    switch (verdict) {
        case RegistrationVerdict::Registered:
            return "registered";
        case RegistrationVerdict::HostUnregistered:
            return "host-unregistered";
        case RegistrationVerdict::Unsupported:
            return "unsupported";
        case RegistrationVerdict::Failed:
            return "failed";
    }
    return "unknown";
}

bool PathRegistration::holds_out() const noexcept {
    return gate_ && (state_ == RegistrationState::Needed || state_ == RegistrationState::Syncing ||
                     state_ == RegistrationState::Failed);
}

void PathRegistration::configure(const std::optional<ReservationKey>& key, bool force) {
    if (!key) {
        *this = PathRegistration{};
        return;
    }
    if (key == key_ && !force) {
        return;  // a reload that kept the key: the periodic refresh keeps the state current
    }
    key_ = key;
    if (state_ == RegistrationState::Unneeded || state_ == RegistrationState::Registered ||
        state_ == RegistrationState::HostUnregistered || state_ == RegistrationState::Unsupported) {
        confirm_only_ = false;
        state_ = RegistrationState::Needed;
        retry_at_.reset();
    }
    // A sync in flight answers for the new key's map as well: the action carries the key it was sent with,
    // and a key change re-syncs once that answer is in (see sync_finished).
    if (in_flight_) {
        resync_after_flight_ = true;
    }
}

void PathRegistration::require_before_service(bool new_path) {
    if (state_ == RegistrationState::Unneeded) {
        return;
    }
    gate_ = true;
    confirm_only_ = false;  // the nexus may have lost its registration with the path
    new_path_ = new_path_ || new_path;
    if (state_ != RegistrationState::Syncing) {
        state_ = RegistrationState::Needed;
        retry_at_.reset();
    } else {
        resync_after_flight_ = true;  // the answer in flight was asked before the path failed
    }
}

bool PathRegistration::sync_due(TimePoint now) const noexcept {
    if (in_flight_) {
        return false;
    }
    if (state_ == RegistrationState::Needed) {
        return true;
    }
    return state_ == RegistrationState::Failed && retry_at_ && now >= *retry_at_;
}

bool PathRegistration::refresh_due(TimePoint now, Millis every) const noexcept {
    return !in_flight_ && settled_at_ && now >= *settled_at_ + every &&
           (state_ == RegistrationState::Registered || state_ == RegistrationState::HostUnregistered);
}

void PathRegistration::refresh() {
    confirm_only_ = state_ == RegistrationState::Registered;
    state_ = RegistrationState::Needed;
    retry_at_.reset();
}

void PathRegistration::sync_started(std::uint64_t id) {
    in_flight_ = id;
    state_ = RegistrationState::Syncing;
    resync_after_flight_ = false;
}

bool PathRegistration::sync_finished(std::uint64_t id, RegistrationVerdict verdict, std::string detail,
                                     TimePoint now, Millis retry_delay) {
    if (!in_flight_ || *in_flight_ != id) {
        return false;
    }
    in_flight_.reset();
    detail_ = std::move(detail);
    retry_at_.reset();
    settled_at_ = now;
    if (resync_after_flight_) {
        resync_after_flight_ = false;
        state_ = RegistrationState::Needed;
        return true;
    }
    confirm_only_ = false;
    switch (verdict) {
        case RegistrationVerdict::Registered:
            state_ = RegistrationState::Registered;
            break;
        case RegistrationVerdict::HostUnregistered:
            state_ = RegistrationState::HostUnregistered;
            break;
        case RegistrationVerdict::Unsupported:
            state_ = RegistrationState::Unsupported;
            break;
        case RegistrationVerdict::Failed:
            state_ = RegistrationState::Failed;
            retry_at_ = now + retry_delay;
            return true;
    }
    gate_ = false;
    new_path_ = false;
    return true;
}

}  // namespace pathkeeper::core
