#include "core/local_link_failover.hpp"

#include "core/holder_policy.hpp"

namespace pathkeeper::core {

void LocalLinkFailover::learn(const PathInfo& path) {
    if (!path.iscsi || path.iscsi->local_address.empty()) {
        return;
    }
    const IscsiInfo& i = *path.iscsi;
    Connection& c = connections_[i.session_id];
    c.local_address = i.local_address;
    if (!i.remote_address.empty()) {
        c.remote_address = i.remote_address;
        c.remote_port = i.remote_port;
    }
}

SessionLinkChange LocalLinkFailover::change_of(unsigned session, const Connection& c) const {
    SessionLinkChange change;
    change.session_id = session;
    change.interface = links_.interface_of(c.local_address).value_or("");
    change.local_address = c.local_address;
    change.remote_address = c.remote_address;
    change.remote_port = c.remote_port;
    return change;
}

std::string LocalLinkFailover::map_left_without_path(unsigned session, const std::set<unsigned>& cut,
                                                     const EngineState& state) const {
    for (const auto& [wwid, m] : state.maps) {
        if (!m.exists) {
            continue;
        }
        bool served = false;
        bool other = false;
        for (const PlannedPath& p : m.plan.paths) {
            const PathRecord* rec = state.find_path(p.devnode);
            if (rec == nullptr) {
                continue;
            }
            if (rec->info.iscsi && rec->info.iscsi->session_id == session) {
                served = true;
            } else if (rec->policy.in_service() &&
                       (!rec->info.iscsi || cut.count(rec->info.iscsi->session_id) == 0)) {
                other = true;
            }
        }
        if (served && !other && !holder_fails_fast(m.plan.options.no_path_retry)) {
            return "it is the last usable path of " + m.plan.name;
        }
    }
    return {};
}

LocalLinkDecision LocalLinkFailover::update(const std::vector<LocalLinkState>& links,
                                            const EngineState& state, bool enabled) {
    links_.update(links);
    std::set<unsigned> cut_now;
    for (const auto& [session, c] : connections_) {
        if (links_.cut_off(c.local_address)) {
            cut_now.insert(session);
        }
    }
    LocalLinkDecision d;
    for (unsigned session : cut_now) {
        if (cut_.count(session) > 0) {
            continue;
        }
        SessionLinkChange change = change_of(session, connections_.at(session));
        change.why_kept =
            enabled ? map_left_without_path(session, cut_now, state) : "local_link_failover is off";
        change.fail_over = change.why_kept.empty();
        if (change.fail_over) {
            failing_over_.insert(session);
        }
        d.cut.push_back(std::move(change));
    }
    for (unsigned session : cut_) {
        if (cut_now.count(session) == 0) {
            d.regained.push_back(change_of(session, connections_.at(session)));
            failing_over_.erase(session);
        }
    }
    cut_ = std::move(cut_now);
    return d;
}

}  // namespace pathkeeper::core
