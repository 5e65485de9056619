#include "daemon/notifier.hpp"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <string>

namespace pathkeeper::daemon {

namespace {

std::string sanitize(const std::string& text) {
    std::string out = text;
    for (char& c : out) {
        if (c == '\n') {
            c = ' ';
        }
    }
    return out;
}

}  // namespace

void SystemdNotifier::ready(const std::string& status) {
    sd_notify(0, ("READY=1\nSTATUS=" + sanitize(status)).c_str());
}

void SystemdNotifier::reloading() {
    // MONOTONIC_USEC lets Type=notify-reload units match this RELOADING=1 to the reload request.
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto usec = static_cast<unsigned long long>(now.tv_sec) * 1000000ULL +
                      static_cast<unsigned long long>(now.tv_nsec) / 1000ULL;
    sd_notify(
        0, ("RELOADING=1\nSTATUS=reloading configuration\nMONOTONIC_USEC=" + std::to_string(usec)).c_str());
}

void SystemdNotifier::stopping() {
    sd_notify(0, "STOPPING=1\nSTATUS=stopping; dm maps are left in place");
}

void SystemdNotifier::watchdog() {
    sd_notify(0, "WATCHDOG=1");
}

void SystemdNotifier::status(const std::string& text) {
    sd_notify(0, ("STATUS=" + sanitize(text)).c_str());
}

void SystemdNotifier::extend_start_timeout(std::chrono::microseconds by) {
    sd_notify(0, ("EXTEND_TIMEOUT_USEC=" + std::to_string(by.count())).c_str());
}

std::optional<std::chrono::microseconds> SystemdNotifier::watchdog_ping_interval() const {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        return std::chrono::microseconds(usec / 2);
    }
    return std::nullopt;
}

}  // namespace pathkeeper::daemon
