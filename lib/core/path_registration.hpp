#pragma once
// Keeping the host's SCSI-3 reservation key registered on every path of a map that has reservation_key.
// Registration is per I_T nexus, so each path carries its own: a path that is added, or that comes back
// after a failure, is registered before it carries I/O, or a write through it would end in RESERVATION
// CONFLICT while the map holds a registrants-only reservation. The key is only registered on a path when
// the target already lists it (the host registered through another path): a host that was fenced (its key
// preempted) or never registered stays unregistered, so the daemon never undoes a fence.

#include <cstdint>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/duration.hpp"
#include "core/path_policy.hpp"

namespace pathkeeper::core {

enum class RegistrationState : std::uint8_t {
    Unneeded,          // the map has no reservation key
    Needed,            // to be synced; no SyncRegistration sent yet
    Syncing,           // a SyncRegistration is in flight
    Registered,        // the host's key is registered through this path
    HostUnregistered,  // the target does not list the host's key: nothing to register (fenced or never
                       // joined)
    Unsupported,       // the target rejects persistent reservations: nothing to register
    Failed,            // the last sync failed; retried at retry_at
};
const char* to_string(RegistrationState state) noexcept;  // "registered", "host-unregistered", ...

// What a SyncRegistration found and did.
enum class RegistrationVerdict : std::uint8_t { Registered, HostUnregistered, Unsupported, Failed };
const char* to_string(RegistrationVerdict verdict) noexcept;

class PathRegistration {
public:
    RegistrationState state() const noexcept { return state_; }
    const std::string& detail() const noexcept { return detail_; }
    std::optional<TimePoint> retry_at() const noexcept { return retry_at_; }

    // The path must not carry I/O until a sync says the key is in place (or need not be).
    bool holds_out() const noexcept;
    // A path added while the daemon runs stays out of its map's table until then: dm loads every path
    // of a new table active, and failing it right after the load would leave I/O a moment to hit it.
    bool keeps_out_of_table() const noexcept { return holds_out() && new_path_; }

    // The key the path's map registers (nullopt: none). A new key, or `force` (start-up, an administrator's
    // command), syncs the path again without taking it out of service; the same key again changes nothing.
    void configure(const std::optional<ReservationKey>& key, bool force);
    // The path left service (or appeared after startup, `new_path`): it syncs before carrying I/O again.
    void require_before_service(bool new_path);
    // A sync may be sent now (the path checks usable).
    bool sync_due(TimePoint now) const noexcept;
    // What is shown goes stale when another tool registers or a fence preempts the key: a settled path is
    // synced again `every` after its last sync (on its next check).
    bool refresh_due(TimePoint now, Millis every) const noexcept;
    void refresh();
    // The sync to send only confirms that the key is still listed: the path was registered, and
    // registering again would make the target rewrite its registrations at each refresh.
    bool confirm_only() const noexcept { return confirm_only_; }
    // The sync with this id was sent.
    void sync_started(std::uint64_t id);
    // The answer to the sync in flight; false for a stale id. Failed retries after retry_delay.
    bool sync_finished(std::uint64_t id, RegistrationVerdict verdict, std::string detail, TimePoint now,
                       Millis retry_delay);

private:
    RegistrationState state_ = RegistrationState::Unneeded;
    bool gate_ = false;      // held out of service until synced
    bool new_path_ = false;  // ... and out of the table
    std::optional<ReservationKey> key_;
    std::optional<std::uint64_t> in_flight_;
    bool resync_after_flight_ = false;  // the path failed or the key changed while a sync was in flight
    std::optional<TimePoint> retry_at_;
    std::optional<TimePoint> settled_at_;
    bool confirm_only_ = false;
    std::string detail_;
};

}  // namespace pathkeeper::core
