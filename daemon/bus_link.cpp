#include "daemon/bus_link.hpp"

#include <poll.h>
#include <sys/epoll.h>

#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <thread>

#include "api/views.hpp"
#include "daemon/dbus/dbus_service.hpp"

namespace pathkeeper::daemon {

namespace {

std::uint32_t to_epoll_events(short poll_events) {
    std::uint32_t events = 0;
    if ((poll_events & POLLIN) != 0) {
        events |= EPOLLIN;
    }
    if ((poll_events & POLLOUT) != 0) {
        events |= EPOLLOUT;
    }
    return events;
}

std::string describe(const sdbus::Error& e) {
    return e.getName() + ": " + e.getMessage();
}

}  // namespace

BusLink::BusLink(EventLoop& loop, dbus::ServiceBackend& backend, ports::Logger& logger)
    : loop_(loop), backend_(backend), logger_(logger), attempt_(std::make_shared<Attempt>()) {
    loop_.add_prepare_hook(
        [this]() -> std::optional<MonotonicClock::time_point> {
            publish_if_dirty();
            return std::nullopt;
        },
        "D-Bus topology publication");
    loop_.add_prepare_hook([this] { return drive(); }, "D-Bus");
}

BusLink::~BusLink() {
    // A connection still being made finishes in its thread, which holds the attempt; nothing reads it here.
    loop_.remove(attempt_->done.fd());
    // Unregister objects before the connection goes. Nothing may escape a destructor: a lost bus is logged.
    try {
        service_.reset();
    } catch (const sdbus::Error& e) {
        logger_.log(core::LogLevel::Warning, {}, std::string("D-Bus at shutdown: ") + e.what());
    }
    try {
        bus_.reset();
    } catch (const sdbus::Error& e) {
        logger_.log(core::LogLevel::Warning, {}, std::string("D-Bus at shutdown: ") + e.what());
    }
}

void BusLink::connect() {
    auto must_add = [this](int fd, const char* what, std::function<void()> callback) {
        if (auto added = loop_.add(
                fd, EPOLLIN, [callback = std::move(callback)](std::uint32_t) { callback(); }, what);
            !added) {
            logger_.log(core::LogLevel::Warning, {},
                        std::string("D-Bus: no ") + what + ": " + added.error().message);
        }
    };
    must_add(retry_timer_.fd(), "D-Bus reconnection", [this] {
        retry_timer_.acknowledge();
        if (!connected() && !connecting_) {
            start_connecting();
        }
    });
    start_connecting();
    must_add(attempt_->done.fd(), "D-Bus connection", [this] { finish_connecting(); });
    // At start-up the loop does not run yet: a bus that answers soon is joined before READY=1, so pathctl
    // works as soon as the unit is active. A slower one is joined later from the loop.
    pollfd done{attempt_->done.fd(), POLLIN, 0};
    if (::poll(&done, 1, static_cast<int>(kStartupWait.count())) > 0) {
        finish_connecting();
    }
}

void BusLink::start_connecting() {
    connecting_ = true;
    // Connecting waits for dbus-daemon (the Hello and RequestName round trips), which at boot or under load
    // takes seconds: a thread of its own does it, so path events and checks never wait for the bus.
    std::thread([attempt = attempt_] {
        std::unique_ptr<sdbus::IConnection> bus;
        std::string error;
        try {
            bus = sdbus::createSystemBusConnection();
            // The name is claimed before the objects exist: calls that arrive meanwhile wait in the
            // connection until the loop has registered the objects and reads them.
            bus->requestName(api::kBusName);
        } catch (const sdbus::Error& e) {
            bus.reset();
            error = describe(e);
        }
        {
            std::lock_guard lock(attempt->mutex);
            attempt->bus = std::move(bus);
            attempt->error = std::move(error);
            attempt->finished = true;
        }
        attempt->done.signal();
    }).detach();
}

void BusLink::finish_connecting() {
    std::unique_ptr<sdbus::IConnection> bus;
    std::string error;
    attempt_->done.acknowledge();
    {
        std::lock_guard lock(attempt_->mutex);
        if (!attempt_->finished) {
            return;
        }
        attempt_->finished = false;
        bus = std::move(attempt_->bus);
        error = std::move(attempt_->error);
    }
    connecting_ = false;
    if (!bus || !publish_on(std::move(bus), error)) {
        // Path management must go on without the API: multipath I/O matters more than pathctl.
        if (!failure_logged_) {
            logger_.log(core::LogLevel::Warning, {},
                        "D-Bus unavailable, running without the API until it can be reached: " + error);
            failure_logged_ = true;
        } else {
            logger_.log(core::LogLevel::Debug, {}, "D-Bus still unavailable: " + error);
        }
        retry_later();
        return;
    }
    failure_logged_ = false;
    next_retry_ = kFirstRetry;
    logger_.log(core::LogLevel::Info, {}, std::string("published on the system bus as ") + api::kBusName);
}

bool BusLink::publish_on(std::unique_ptr<sdbus::IConnection> bus, std::string& error) {
    try {
        bus_ = std::move(bus);
        service_ = std::make_unique<dbus::DbusService>(*bus_, backend_);
        const auto poll = bus_->getEventLoopPollData();
        fd_ = poll.fd;
        watched_ = to_epoll_events(poll.events);
        if (auto added = loop_.add(
                fd_, watched_,
                [this](std::uint32_t) {
                    try {
                        // One turn: what is left is taken up by drive() after the loop's other sources.
                        if (service_) {
                            (void)service_->process_turn();
                        }
                    } catch (const sdbus::Error& e) {
                        drop(e);
                    }
                },
                "D-Bus");
            !added) {
            fd_ = -1;
            throw sdbus::Error("org.pathkeeper.PathKeeper1.Error.Failed", added.error().message);
        }
    } catch (const sdbus::Error& e) {
        error = describe(e);
        disconnect();
        return false;
    }
    return true;
}

void BusLink::retry_later() {
    retry_timer_.arm(MonotonicClock::now() + next_retry_);
    next_retry_ = std::min(next_retry_ * 2, kLongestRetry);
}

std::optional<MonotonicClock::time_point> BusLink::drive() {
    if (!bus_ || !service_) {
        return std::nullopt;
    }
    try {
        // sd-bus asks for an immediate pass (a timeout of 0, or one that has passed) when it holds messages
        // it has read but not dispatched, or a pending call timed out; anything else arrives on the fd, whose
        // callback processes it. Processing and re-arming the fd on every round would cost a recvmsg and an
        // epoll_ctl each (see "Idle cost" in docs/design-decisions.md). One turn per round: the loop's other
        // sources (path events, timers) run between the turns of a long queue.
        auto poll = bus_->getEventLoopPollData();
        if (poll.timeout_usec != UINT64_MAX && MonotonicClock::time_point(std::chrono::microseconds(
                                                   poll.timeout_usec)) <= MonotonicClock::now()) {
            (void)service_->process_turn();
            poll = bus_->getEventLoopPollData();
        }
        // POLLOUT only while output is queued (a signal the socket could not take at once).
        if (const auto wanted = to_epoll_events(poll.events); wanted != watched_) {
            (void)loop_.modify(fd_, wanted);
            watched_ = wanted;
        }
        if (poll.timeout_usec == UINT64_MAX) {
            return std::nullopt;
        }
        return MonotonicClock::time_point(std::chrono::microseconds(poll.timeout_usec));
    } catch (const sdbus::Error& e) {
        drop(e);
        return std::nullopt;
    }
}

void BusLink::drop(const sdbus::Error& why) {
    // sd-bus cannot recover a broken connection (dbus-daemon stopped or restarted): stop polling its fd,
    // which would otherwise report the hang-up forever, and connect afresh once the bus is back.
    logger_.log(core::LogLevel::Warning, {},
                "D-Bus connection lost, running without the API until the bus is back: " + describe(why));
    failure_logged_ = true;
    disconnect();
    next_retry_ = kFirstRetry;
    retry_later();
}

void BusLink::disconnect() {
    if (fd_ >= 0) {
        loop_.remove(fd_);
        fd_ = -1;
    }
    try {
        service_.reset();  // its objects' destructors cannot send their signals any more; they do not throw
        bus_.reset();
    } catch (const sdbus::Error& e) {
        logger_.log(core::LogLevel::Warning, {}, std::string("D-Bus: ") + e.what());
    }
    service_.reset();
    bus_.reset();
}

void BusLink::publish_if_dirty() {
    if (!topology_dirty_) {
        return;
    }
    topology_dirty_ = false;
    if (service_) {
        try {
            service_->on_topology_changed(backend_.snapshot());
        } catch (const sdbus::Error& e) {
            // The bus went away (or refused a signal): path management goes on without the API.
            logger_.log(core::LogLevel::Warning, {},
                        std::string("D-Bus: cannot publish the topology: ") + e.what());
        }
    }
}

void BusLink::path_state_changed(const core::PublishPathStateChange& change) {
    if (!service_) {
        return;
    }
    try {
        service_->on_path_state_changed(change.map, change.devnode, core::to_string(change.old_state),
                                        core::to_string(change.new_state), change.reason);
    } catch (const sdbus::Error& e) {
        logger_.log(core::LogLevel::Warning, {},
                    std::string("D-Bus: cannot emit PathStateChanged: ") + e.what());
    }
}

}  // namespace pathkeeper::daemon
