#pragma once
// BusLink: pathkeeperd's connection to the system bus. It owns the sd-bus connection and the DbusService,
// drives the connection from the daemon's loop, and publishes the topology once per loop round when it
// changed. Path management never depends on it: the connection is made in a thread of its own (dbus-daemon
// may take seconds to answer), and while the bus cannot be reached, or after it went away, the daemon runs on
// without the API and tries again, after 0.5 s, doubling up to every 10 s.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

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
    // Registers its hooks and retry timer on loop; nothing is connected until connect().
    BusLink(EventLoop& loop, dbus::ServiceBackend& backend, ports::Logger& logger);
    ~BusLink();
    BusLink(const BusLink&) = delete;
    BusLink& operator=(const BusLink&) = delete;

    // Starts connecting and claiming the bus name, waits up to kStartupWait for it (the loop is not running
    // yet), then registers the objects; what takes longer finishes from the loop; a failure is retried later.
    void connect();
    bool connected() const { return service_ != nullptr; }

    // The topology may have changed: published (if connected) before the loop waits again.
    void topology_changed() { topology_dirty_ = true; }
    // Emits Manager.PathStateChanged.
    void path_state_changed(const core::PublishPathStateChange& change);

    static constexpr std::chrono::milliseconds kFirstRetry{500};
    static constexpr std::chrono::milliseconds kLongestRetry{10000};
    static constexpr std::chrono::milliseconds kStartupWait{2000};

private:
    // What the connecting thread hands over: shared, so a thread that outlives the BusLink stays safe.
    struct Attempt {
        std::mutex mutex;
        std::unique_ptr<sdbus::IConnection> bus;  // connected, the name claimed; null when it failed
        std::string error;
        bool finished = false;
        WakeupFd done;  // signalled when finished
    };

    void start_connecting();
    void finish_connecting();
    // Registers the objects on bus and polls it; false (error set, nothing kept) when that fails.
    bool publish_on(std::unique_ptr<sdbus::IConnection> bus, std::string& error);
    void retry_later();
    std::optional<MonotonicClock::time_point> drive();
    void publish_if_dirty();
    void drop(const sdbus::Error& why);
    void disconnect();

    EventLoop& loop_;
    dbus::ServiceBackend& backend_;
    ports::Logger& logger_;
    bool topology_dirty_ = true;
    std::unique_ptr<sdbus::IConnection> bus_;
    std::unique_ptr<dbus::DbusService> service_;
    int fd_ = -1;                // the connection's fd while connected
    std::uint32_t watched_ = 0;  // the epoll events asked for on it
    DeadlineTimer retry_timer_;
    std::chrono::milliseconds next_retry_{kFirstRetry};
    bool failure_logged_ = false;  // one warning per outage, not one per attempt
    std::shared_ptr<Attempt> attempt_;
    bool connecting_ = false;  // a connecting thread runs
};

}  // namespace pathkeeper::daemon
