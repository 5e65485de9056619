#pragma once
// systemd service notifications (Type=notify): READY=1 once the maps are adopted and the bus name is taken,
// RELOADING=1 / READY=1 around a SIGHUP reload, STOPPING=1 on shutdown, WATCHDOG=1 pings at half the
// WatchdogSec interval. Outside systemd (no NOTIFY_SOCKET) every call is a cheap no-op.

#include <chrono>
#include <optional>
#include <string>

namespace pathkeeper::daemon {

class Notifier {
public:
    virtual ~Notifier() = default;
    virtual void ready(const std::string& status) = 0;
    virtual void reloading() = 0;
    virtual void stopping() = 0;
    virtual void watchdog() = 0;
    virtual void status(const std::string& text) = 0;
    // Start-up is still making progress: systemd's start timeout is pushed out to `by` from now.
    virtual void extend_start_timeout(std::chrono::microseconds by) = 0;
    // How often to ping the watchdog (half of WATCHDOG_USEC), nullopt when no watchdog is configured.
    virtual std::optional<std::chrono::microseconds> watchdog_ping_interval() const = 0;
};

class SystemdNotifier final : public Notifier {
public:
    void ready(const std::string& status) override;
    void reloading() override;
    void stopping() override;
    void watchdog() override;
    void status(const std::string& text) override;
    void extend_start_timeout(std::chrono::microseconds by) override;
    std::optional<std::chrono::microseconds> watchdog_ping_interval() const override;
};

}  // namespace pathkeeper::daemon
