#pragma once
// Local-link failover: when the host's own interface that carries an iSCSI session loses its carrier (or is
// set down, or loses the session's source address), the session is dead now, not at its noop timeout. Its
// paths are failed, its recovery_tmo goes to 0 and its TCP connection is ended, so iscsi_tcp reports the
// failure at once and the session's queued I/O fails over. Only while every map the session serves has
// another usable path on a link that is up: a map's last path rides out the outage as before, unless a
// redundant holder wants that map to fail fast. A failure further away (the link keeps its carrier) is left
// to the noop timeout.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/engine_state.hpp"
#include "core/local_links.hpp"
#include "core/model.hpp"

namespace pathkeeper::core {

// A session whose local link went (or came back).
struct SessionLinkChange {
    unsigned session_id = 0;
    std::string interface;
    std::string local_address;
    std::string remote_address;
    unsigned remote_port = 0;
    // Cut off: failed over now. False when a map it serves has no other usable path (named in why_kept).
    bool fail_over = false;
    std::string why_kept;
};

struct LocalLinkDecision {
    std::vector<SessionLinkChange> cut;       // sessions whose local link went since the last update
    std::vector<SessionLinkChange> regained;  // sessions whose local link is back
};

class LocalLinkFailover {
public:
    // A path was found or changed: remembers its session's connection (the last one seen with an address: a
    // failed session no longer shows it).
    void learn(const PathInfo& path);
    // The kernel reported interfaces; enabled: local_link_failover on.
    LocalLinkDecision update(const std::vector<LocalLinkState>& links, const EngineState& state,
                             bool enabled);
    // The sessions failed over for a lost local link, until it is back: their recovery_tmo is 0.
    const std::set<unsigned>& failing_over() const noexcept { return failing_over_; }

private:
    struct Connection {
        std::string local_address;
        std::string remote_address;
        unsigned remote_port = 0;
    };
    // Empty when every map the session serves has a path in service outside `cut` or fails fast for its
    // holder; else why not.
    std::string map_left_without_path(unsigned session, const std::set<unsigned>& cut,
                                      const EngineState& state) const;
    SessionLinkChange change_of(unsigned session, const Connection& c) const;

    LocalLinks links_;
    std::map<unsigned, Connection> connections_;
    std::set<unsigned> cut_;  // sessions whose local link is gone
    std::set<unsigned> failing_over_;
};

}  // namespace pathkeeper::core
