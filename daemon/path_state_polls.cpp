#include "daemon/path_state_polls.hpp"

#include <variant>
#include <vector>

namespace pathkeeper::daemon {

PathStatePolls::PathStatePolls(Backend& backend, EventSink& sink, ports::Logger& logger)
    : backend_(backend), sink_(sink), logger_(logger), state_watch_(*backend.sysfs) {}

void PathStatePolls::learn(const core::Event& event) {
    if (const auto* batch = std::get_if<core::PathEvents>(&event)) {
        for (const auto& inner : batch->events) {
            std::visit([this](const auto& one) { learn(core::Event{one}); }, inner);
        }
        return;
    }
    // Learn the iSCSI sessions of known paths: their state is polled (the kernel sends no uevent for it).
    const core::PathInfo* info = nullptr;
    if (const auto* added = std::get_if<core::PathAdded>(&event)) {
        info = &added->path;
    } else if (const auto* changed = std::get_if<core::PathChanged>(&event)) {
        info = &changed->path;
    }
    if (info != nullptr && info->iscsi) {
        session_states_.try_emplace(info->iscsi->session_id, info->iscsi->session_state);
    }
    // Likewise the SCSI device state and the ALUA access state of every known path (running -> offline /
    // transport-offline has no uevent; the kernel updates access_state after a unit attention without one).
    if (info != nullptr) {
        state_watch_.track(*info);
    } else if (const auto* removed = std::get_if<core::PathRemoved>(&event)) {
        state_watch_.forget(removed->devnode);
        backend_.sysfs->forget_device(removed->devnode);
        backend_.pool->forget(removed->devnode);  // closes the device the checker kept open
    }
}

void PathStatePolls::poll_iscsi_sessions() {
    // A session leaving LOGGED_IN (connection lost, noop timeout) or logging in again produces no uevent. One
    // small sysfs read per session and tick lets the engine fail the path, or re-check it, at once instead of
    // at the checker's next tick.
    std::vector<core::IscsiSessionChanged> changes;
    for (auto it = session_states_.begin(); it != session_states_.end();) {
        auto state = backend_.sysfs->iscsi_session_state(it->first);
        if (!state) {
            it = session_states_.erase(it);  // session gone (logged out): its disks leave through udev
            continue;
        }
        if (*state != it->second) {
            logger_.log(core::LogLevel::Info, {"", "session" + std::to_string(it->first)},
                        "iSCSI session state " + it->second + " -> " + *state);
            it->second = *state;
            changes.push_back(core::IscsiSessionChanged{it->first, *state});
        }
        ++it;
    }
    for (const auto& change : changes) {
        sink_.feed(change);
    }
}

void PathStatePolls::sweep() {
    feed_state_changes(state_watch_.sweep());
}

void PathStatePolls::after_check(const std::string& devnode, bool usable) {
    feed_state_changes(state_watch_.after_check(devnode, usable));
}

void PathStatePolls::read_lu(const std::string& wwid) {
    feed_state_changes(state_watch_.read_lu(wwid));
}

void PathStatePolls::feed_state_changes(const SysfsStateWatch::Changes& changes) {
    // A SCSI device set offline (by the error handler, an admin, or the transport) produces no uevent: the
    // engine fails the path at once, and re-checks it as soon as the device is running again. An ALUA
    // transition reaches the initiator as a unit attention down one path; the kernel's alua handler then
    // updates access_state of every path of the LU with no uevent for them: the batch regroups the map once.
    for (const auto& change : changes.devices) {
        logger_.log(core::LogLevel::Info, {"", change.devnode},
                    std::string("SCSI device state ") + ports::to_string(change.from) + " -> " +
                        ports::to_string(change.to));
        sink_.feed(core::DeviceStateChanged{change.devnode, ports::to_string(change.to)});
    }
    if (!changes.alua.changes.empty()) {
        sink_.feed(changes.alua);
    }
}

}  // namespace pathkeeper::daemon
