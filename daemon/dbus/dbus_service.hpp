#pragma once
// DbusService: publishes pathkeeperd on the bus. It registers the Manager object with an ObjectManager at
// /org/pathkeeper/PathKeeper1 and one object per map and per path below it, answers method calls through a
// ServiceBackend, checks that mutating callers are uid 0 (from the bus credentials of the message), gives
// each unprivileged user a bounded share of reads per turn, holding the rest (ReadScheduler; the reads sd-bus
// answers itself included), and turns the daemon's change
// notifications into InterfacesAdded/Removed, PropertiesChanged, PathStateChanged and MapChanged signals.
//
// It does not own the connection and starts no thread: the daemon creates the connection, builds the service,
// calls claim_bus_name(), and drives the connection from its epoll loop (getEventLoopPollData() +
// process_turn()).

#include <map>
#include <memory>
#include <string>

#include "api/views.hpp"
#include "daemon/dbus/service_backend.hpp"

namespace sdbus {
class IConnection;
}

namespace pathkeeper::dbus {

class DbusService {
public:
    // Registers every object for backend.snapshot() on connection. Throws sdbus::Error if registration fails.
    DbusService(sdbus::IConnection& connection, ServiceBackend& backend);
    ~DbusService();
    DbusService(const DbusService&) = delete;
    DbusService& operator=(const DbusService&) = delete;

    // Requests org.pathkeeper.PathKeeper1 on the connection (after the objects exist, so the first caller
    // sees a complete tree). Throws sdbus::Error when the name is taken or not allowed by bus policy.
    void claim_bus_name();

    // The daemon's view changed: objects are added/removed, PropertiesChanged and MapChanged are emitted for
    // every difference with the previous snapshot. Cheap when nothing changed.
    void on_topology_changed(const api::TopologyView& snapshot);

    // One path's checker state changed: emits Manager.PathStateChanged. (Call on_topology_changed too so the
    // Path object's CheckerState follows.)
    void on_path_state_changed(const std::string& map, const std::string& path, const std::string& old_state,
                               const std::string& new_state, const std::string& reason);

    // Answers at most kMessagesPerTurn pending messages on the connection, as one turn: every unprivileged
    // user's share of reads starts afresh (CallQuota). Returns true when messages are left for another turn,
    // which the caller runs after its other work (a flood must not hold the loop). Throws sdbus::Error when
    // the connection broke.
    bool process_turn();
    static constexpr unsigned kMessagesPerTurn = 32;

    // The snapshot the published objects currently show.
    const api::TopologyView& published() const;

    class Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace pathkeeper::dbus
