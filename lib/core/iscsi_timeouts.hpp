#pragma once
// Each iSCSI session's recovery_tmo: fast_io_fail while every map it serves has another usable path, and
// last_path_recovery_tmo (by default the session's own value) while one of its paths is a map's last. One
// session may serve several maps; the longest last-path timeout wins, then the shortest fast_io_fail.

#include <chrono>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "core/action_collector.hpp"
#include "core/engine_state.hpp"

namespace pathkeeper::core {

// True for the iSCSI session state of a working session.
bool session_logged_in(std::string_view state);

class IscsiTimeouts {
public:
    // A path was found or changed: remembers its session's own recovery timeout.
    void learn(const PathInfo& path);
    // The session changed state: a refused write is tried again.
    void session_changed(unsigned session) { refused_.erase(session); }
    // The kernel refused the write (it does while a session is failed): not retried until the session changes
    // state, or every evaluation would repeat the write and its warning.
    void write_failed(unsigned session);
    // Sessions whose local link is gone (local_link_failover.hpp): 0 s while they would get fast_io_fail, so
    // their queued I/O fails over at once. A map's last path keeps its long timeout.
    void set_failing_over(std::set<unsigned> sessions) { failing_over_ = std::move(sessions); }
    // Sends SetRecoveryTmo for every logged-in session whose timeout should change.
    void sync(const EngineState& state, ActionCollector& out);

private:
    std::chrono::seconds last_path_tmo(const MapRecord& map, unsigned session) const;

    std::map<unsigned, std::chrono::seconds> current_;  // recovery_tmo as last set / read
    // The session's own recovery_tmo, for last_path_recovery_tmo: session. From open-iscsi's node record when
    // discovery found it; else the first value sysfs showed, which may be this daemon's own from before a
    // restart (see last_path_tmo).
    struct SessionOwnTmo {
        std::chrono::seconds value;
        bool from_node_record = false;
    };
    std::map<unsigned, SessionOwnTmo> own_;
    std::set<unsigned> failing_over_;
    std::set<unsigned> refused_;  // sessions whose recovery_tmo write failed, until their state changes
};

}  // namespace pathkeeper::core
