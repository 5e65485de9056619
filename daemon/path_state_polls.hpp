#pragma once
// PathStatePolls: the states of known paths that change without a uevent, polled and fed to the engine as
// events: each iSCSI session's state (every housekeeping tick), each SCSI device's state and each ALUA
// access state (SysfsStateWatch: sampled once a second, and read along with a path's own check).

#include <map>
#include <optional>
#include <string>

#include "core/events.hpp"
#include "daemon/backend.hpp"
#include "daemon/event_sink.hpp"
#include "daemon/sysfs_state_watch.hpp"
#include "ports/logger.hpp"

namespace pathkeeper::daemon {

class PathStatePolls {
public:
    PathStatePolls(Backend& backend, EventSink& sink, ports::Logger& logger);

    // Follows the path events the engine is fed: what to poll for each path, and what a removed path
    // released (its sysfs attribute files, the device its checker kept open).
    void learn(const core::Event& event);

    void poll_iscsi_sessions();
    // The once-a-second sample of the device and ALUA states.
    void sweep();
    // A path's own sysfs states ride on its check: no reads for the other paths here.
    void after_check(const std::string& devnode, bool usable);
    // The ALUA state last seen for the path (nullopt: not an ALUA path, or unknown).
    std::optional<core::AluaState> alua_state(const std::string& devnode) const {
        return state_watch_.alua_state(devnode);
    }
    // Reads the ALUA states of every path of the LU now (after a unit attention on one of them).
    void read_lu(const std::string& wwid);

private:
    void feed_state_changes(const SysfsStateWatch::Changes& changes);

    Backend& backend_;
    EventSink& sink_;
    ports::Logger& logger_;
    std::map<unsigned, std::string> session_states_;  // iSCSI session id -> state last seen
    SysfsStateWatch state_watch_;
};

}  // namespace pathkeeper::daemon
