#pragma once
// BusLink: pathkeeperd's connection to the system bus. It owns the sd-bus connection and the DbusService,
// drives the connection from the daemon's loop, and publishes the topology once per loop round when it
// changed. Path management never depends on it: a bus that cannot be reached, or goes away, is logged and
// the daemon runs on without the API.

#include <memory>

#include "core/actions.hpp"
#include "daemon/dbus/service_backend.hpp"
#include "daemon/event_loop.hpp"
#include "ports/logger.hpp"

namespace sdbus {
class IConnection;
class Error;
}  // namespace sdbus
namespace pathkeeper::dbus {
class DbusService;
}

namespace pathkeeper::daemon {

class BusLink {
public:
    // Registers the publication hook on loop; nothing is connected until connect().
    BusLink(EventLoop& loop, dbus::ServiceBackend& backend, ports::Logger& logger);
    ~BusLink();
    BusLink(const BusLink&) = delete;
    BusLink& operator=(const BusLink&) = delete;

    // Connects, registers the objects and claims the bus name.
    void connect();
    bool connected() const { return service_ != nullptr; }

    // The topology may have changed: published (if connected) before the loop waits again.
    void topology_changed() { topology_dirty_ = true; }
    // Emits Manager.PathStateChanged.
    void path_state_changed(const core::PublishPathStateChange& change);

private:
    void publish_if_dirty();
    void drop(int fd, const sdbus::Error& why);

    EventLoop& loop_;
    dbus::ServiceBackend& backend_;
    ports::Logger& logger_;
    bool topology_dirty_ = true;
    std::unique_ptr<sdbus::IConnection> bus_;
    std::unique_ptr<dbus::DbusService> service_;
};

}  // namespace pathkeeper::daemon
