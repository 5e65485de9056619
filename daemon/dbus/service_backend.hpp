#pragma once
// ServiceBackend: what the D-Bus service needs from the daemon. pathkeeperd implements it over its Engine;
// the D-Bus tests implement it over a fake. Every call happens on the daemon's own loop thread (the service
// is driven by getEventLoopPollData() + DbusService::process_turn()), so implementations need no locking.
//
// The service has already checked the caller's uid and the arguments' syntax before a mutating call reaches
// the backend, and for SwitchGroup that the map and group exist. A backend returns core::Error for what it
// refuses, an unknown path included; ErrorCode::NotFound becomes NoSuchPath / NoSuchMap depending on the
// method, InvalidConfig becomes InvalidConfig (message: one "file:line:col: problem" per line), everything
// else per api::api_error_from_core().

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/views.hpp"
#include "core/events.hpp"
#include "core/result.hpp"

namespace pathkeeper::dbus {

// Configuration text handed in by LoadConfig; origin names it in error messages (e.g. "/root/new.yaml").
struct ConfigText {
    std::string text;
    std::string origin;
};

class ServiceBackend {
public:
    virtual ~ServiceBackend() = default;

    // The whole topology now, with manager.version and manager.config_path filled in (counts may be left
    // zero: the service recomputes them).
    virtual api::TopologyView snapshot() const = 0;
    // The same, shared: a backend that keeps its view until something it shows changes returns the same
    // object each time, which lets the service reuse the reply it encoded from it. Must not be stale.
    virtual std::shared_ptr<const api::TopologyView> shared_snapshot() const {
        return std::make_shared<const api::TopologyView>(snapshot());
    }

    // Fail / reinstate a path in dm and keep it so (administrative state). devnode is a kernel name ("sdb");
    // NotFound when no map has such a path.
    virtual core::Result<void> fail_path(const std::string& devnode) = 0;
    virtual core::Result<void> reinstate_path(const std::string& devnode) = 0;
    // Take a path out of its map / put it back (pathctl remove-path / add-path); NotFound for an unknown
    // path.
    virtual core::Result<void> remove_path(const std::string& devnode) = 0;
    virtual core::Result<void> add_path(const std::string& devnode) = 0;
    // Remove a map (pathctl remove-map; `map` is its name or WWID): `done` is called once device-mapper has
    // tried, maybe before remove_map returns, with "removed" or "deferred" (dm removes it when its last
    // opener closes it), or the error: NotFound (NoSuchMap), Conflict (Busy: the message names the holders),
    // others.
    using RemovalDone = std::function<void(const core::Result<std::string>&)>;
    virtual void remove_map(const std::string& map, bool deferred, RemovalDone done) = 0;
    // A persistent reservation command on a map (pathctl reservation): `done` is called once the target
    // answered, later, on the loop thread (the command blocks on the storage and runs on a worker), or at
    // once for a refusal. Errors: NotFound (NoSuchMap), InvalidArgument, NotSupported (no PR support),
    // Conflict (ReservationConflict), Timeout (Busy), others (Failed).
    using ReservationDone = std::function<void(const core::Result<api::ReservationView>&)>;
    virtual void reservation(const api::ReservationRequest& request, ReservationDone done) = 0;
    // Plan a removed map again (pathctl add-map): target is a WWID or a disk of it. NotFound becomes
    // NoSuchMap.
    virtual core::Result<void> add_map(const std::string& target) = 0;
    // group is 1-based, already checked to exist.
    virtual core::Result<void> switch_group(const std::string& map, unsigned group) = 0;
    // map "" is every map; a named map is not checked to exist by the service (NotFound becomes NoSuchMap).
    virtual core::Result<void> set_queueing(const std::string& map, core::QueueingControl control) = 0;
    virtual core::Result<void> resize_map(const std::string& map) = 0;
    // The known-WWIDs list, in file order.
    virtual std::vector<std::string> known_wwids() const = 0;
    // Add / remove / reset (core::Engine::validate_known_wwids_edit says what is refused): NotFound becomes
    // NotSupported, InvalidArgument stays.
    virtual core::Result<void> edit_known_wwids(const core::AdminEditKnownWwids& edit) = 0;
    // nullopt: re-read the configured file. Must change nothing when the configuration is invalid.
    virtual core::Result<void> reconfigure(const std::optional<ConfigText>& text) = 0;
    // The effective configuration as YAML; explain adds each resolved option's origin.
    virtual core::Result<std::string> config_text(bool explain) const = 0;
    // Each per-map option of one map with its origin (ExplainConfig). target: a map name or WWID, or a path
    // standing for its map or WWID; NotFound (naming it) for an unknown one.
    virtual core::Result<std::string> explain_config(const std::string& target) const = 0;
};

}  // namespace pathkeeper::dbus
