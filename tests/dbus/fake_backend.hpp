#pragma once
// FakeBackend: a ServiceBackend over an in-memory topology. Administrative fail/reinstate change the path's
// states and notify the service like the daemon does (PathStateChanged + new snapshot); reconfigure parses
// configuration with the real lib/config front end, so file:line:col errors are the product's own.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "daemon/dbus/dbus_service.hpp"
#include "daemon/dbus/service_backend.hpp"

namespace pathkeeper::testing {

class FakeBackend final : public dbus::ServiceBackend {
public:
    FakeBackend(api::TopologyView topology, std::string config_text);

    // Where change notifications go (the DbusService, once built).
    void attach(dbus::DbusService* service) { service_ = service; }

    api::TopologyView snapshot() const override { return topology_; }
    core::Result<void> fail_path(const std::string& devnode) override;
    core::Result<void> reinstate_path(const std::string& devnode) override;
    // The path leaves its map's groups and shows no map until added back; no last-path rule here.
    core::Result<void> remove_path(const std::string& devnode) override;
    core::Result<void> add_path(const std::string& devnode) override;
    // A map (by name or WWID) leaves the topology, its paths show no map; one named in busy_maps() is refused
    // with that message, as the daemon refuses an open map. add_map takes a WWID (or a path of it) back; a
    // WWID of a path in no map is not multipathed.
    void remove_map(const std::string& map, bool deferred, RemovalDone done) override;
    core::Result<void> add_map(const std::string& target) override;
    // Answers at once: an unknown map is NotFound, a map named in reservation_errors() gets that error, any
    // other gets a message naming the command and the key; status reads keys 0xabc and 0x999, 0x999 holding.
    void reservation(const api::ReservationRequest& request, ReservationDone done) override;
    std::map<std::string, core::Error>& reservation_errors() { return reservation_errors_; }
    std::map<std::string, std::string>& busy_maps() { return busy_maps_; }
    core::Result<void> switch_group(const std::string& map, unsigned group) override;
    core::Result<void> resize_map(const std::string& map) override;
    core::Result<void> set_queueing(const std::string& map, core::QueueingControl control) override;
    std::vector<std::string> known_wwids() const override { return known_wwids_; }
    // The list alone: a path name stands for its WWID, a bad WWID and an unlisted remove are refused. What
    // the engine adds (maps made, the refusal to forget a mapped WWID) is tested against the engine.
    core::Result<void> edit_known_wwids(const core::AdminEditKnownWwids& edit) override;
    core::Result<void> reconfigure(const std::optional<dbus::ConfigText>& text) override;
    core::Result<std::string> config_text(bool explain) const override;
    core::Result<std::string> explain_config(const std::string& target) const override;

    int reconfigure_count() const { return reconfigure_count_; }

    // Simulates a path disappearing (LUN unmapped, cable gone for good) and coming back: the path leaves the
    // topology and its map's group, then returns where it was.
    void unplug(const std::string& devnode);
    void replug();

private:
    core::Result<void> set_path_state(const std::string& devnode, const char* checker, const char* dm,
                                      const char* reason);
    void publish();

    api::TopologyView topology_;
    std::string config_text_;
    dbus::DbusService* service_ = nullptr;
    int reconfigure_count_ = 0;
    std::vector<std::string> known_wwids_;
    std::map<std::string, std::string> busy_maps_;           // map name -> who holds it
    std::map<std::string, core::Error> reservation_errors_;  // map name -> the refusal
    std::map<std::string, api::TopologyView> removed_maps_;  // WWID -> the topology before
    std::map<std::string, std::string> removed_;             // devnode -> the map it was taken out of
    api::TopologyView before_unplug_;
    bool unplugged_ = false;
};

}  // namespace pathkeeper::testing
