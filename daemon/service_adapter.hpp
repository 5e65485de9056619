#pragma once
// ServiceAdapter: the daemon behind the D-Bus service (dbus::ServiceBackend). It turns the engine's snapshot
// into the API's views, hands administrative requests to the engine once it has validated them, and
// reconfigures through the daemon.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/engine.hpp"
#include "daemon/dbus/service_backend.hpp"
#include "daemon/event_sink.hpp"
#include "daemon/registration_syncs.hpp"
#include "ports/logger.hpp"
#include "ports/worker_pool.hpp"

namespace pathkeeper::daemon {

// How a new configuration is applied: the daemon owns that (SIGHUP does the same).
class ConfigControl {
public:
    virtual ~ConfigControl() = default;
    // Re-reads the configuration file. Returns the error when the previous configuration was kept.
    virtual core::Result<void> reload_config_file() = 0;
    virtual void apply_config(core::Config config, const std::string& origin) = 0;
    // A configuration that did not parse: logged and counted; the previous one stays.
    virtual void reject_config(const std::string& origin, const core::Error& error) = 0;
};

class ServiceAdapter final : public dbus::ServiceBackend {
public:
    // map_devices: the dm device of each map, as last read (the engine does not know them). config_path:
    // where the configuration is read from, shown when that file is missing.
    // suspended_maps: maps a failed reload left suspended. pool: the checker pool, whose counters the manager
    // view shows.
    ServiceAdapter(const core::Engine& engine, const std::map<std::string, core::DevT>& map_devices,
                   const std::set<std::string>& suspended_maps, const ports::WorkerPool& pool,
                   std::string config_path, EventSink& sink, ConfigControl& config, ports::Logger& logger);

    api::TopologyView snapshot() const override { return *shared_snapshot(); }
    // Built once per change and shared by every read until then (a read flood must not rebuild it per call).
    std::shared_ptr<const api::TopologyView> shared_snapshot() const override;
    // Something the view shows changed (an event reached the engine, a map's device or suspension changed):
    // the next read builds it again. The checker pool's counters change on their own and are compared on
    // every read instead.
    void invalidate() { view_.reset(); }
    // How many times the view was built (for tests).
    std::uint64_t views_built() const { return views_built_; }
    core::Result<void> fail_path(const std::string& devnode) override;
    core::Result<void> reinstate_path(const std::string& devnode) override;
    core::Result<void> remove_path(const std::string& devnode) override;
    core::Result<void> add_path(const std::string& devnode) override;
    void remove_map(const std::string& map, bool deferred, RemovalDone done) override;
    core::Result<void> add_map(const std::string& target) override;
    // PR commands run on the registration syncs' worker; without one (tests) they are refused.
    void run_reservations_on(RegistrationSyncs* syncs) { reservations_ = syncs; }
    void reservation(const api::ReservationRequest& request, ReservationDone done) override;
    // The dm worker tried the administrator's removal of `map`: its callers are answered.
    void map_removal_finished(const std::string& map, const core::Result<std::string>& outcome);
    core::Result<void> switch_group(const std::string& map, unsigned group) override;
    core::Result<void> set_queueing(const std::string& map, core::QueueingControl control) override;
    core::Result<void> resize_map(const std::string& map) override;
    std::vector<std::string> known_wwids() const override;
    core::Result<void> edit_known_wwids(const core::AdminEditKnownWwids& edit) override;
    core::Result<void> reconfigure(const std::optional<dbus::ConfigText>& text) override;
    core::Result<std::string> config_text(bool explain) const override;
    core::Result<std::string> explain_config(const std::string& target) const override;

private:
    core::Result<void> admin(const core::AdminRequest& request, const std::string& what);
    api::TopologyView build_view(const ports::WorkerPoolStats& checks) const;

    const core::Engine& engine_;
    const std::map<std::string, core::DevT>& map_devices_;
    const std::set<std::string>& suspended_maps_;
    const ports::WorkerPool& pool_;
    std::string config_path_;
    EventSink& sink_;
    ConfigControl& config_control_;
    ports::Logger& logger_;
    mutable std::shared_ptr<const api::TopologyView> view_;
    mutable std::uint64_t views_built_ = 0;
    std::map<std::string, std::vector<RemovalDone>> removals_;  // by map name: waiting for the dm worker
    RegistrationSyncs* reservations_ = nullptr;
};

}  // namespace pathkeeper::daemon
