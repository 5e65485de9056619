#include "core/iscsi_timeouts.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "core/holder_policy.hpp"

namespace pathkeeper::core {

bool session_logged_in(std::string_view state) {
    return state == "LOGGED_IN";
}

void IscsiTimeouts::write_failed(unsigned session) {
    current_.erase(session);
    refused_.insert(session);
}

void IscsiTimeouts::learn(const PathInfo& path) {
    if (!path.iscsi) {
        return;
    }
    const unsigned session = path.iscsi->session_id;
    if (path.iscsi->replacement_timeout_s) {
        // Re-read at every change: the admin may have run iscsiadm -o update since.
        own_[session] = SessionOwnTmo{std::chrono::seconds(*path.iscsi->replacement_timeout_s), true};
    }
    if (path.iscsi->recovery_tmo_s) {
        const std::chrono::seconds current(*path.iscsi->recovery_tmo_s);
        // Later reads would only show what this daemon wrote.
        own_.try_emplace(session, SessionOwnTmo{current, false});
        current_.try_emplace(session, current);
    }
}

std::chrono::seconds IscsiTimeouts::last_path_tmo(const MapRecord& m, unsigned session) const {
    const std::chrono::seconds configured = m.plan.options.last_path_recovery_tmo.value;
    if (configured != kRecoveryTmoOfSession) {
        return configured;
    }
    auto it = own_.find(session);
    if (it == own_.end()) {
        return kOpenIscsiReplacementTimeout;
    }
    // Without the node record, a value no longer than fast_io_fail is most likely this daemon's own, set
    // before it was restarted: giving it to a lone path would fail I/O at the first blip.
    if (!it->second.from_node_record && it->second.value <= m.plan.options.fast_io_fail.value) {
        return kOpenIscsiReplacementTimeout;
    }
    return it->second.value;
}

void IscsiTimeouts::sync(const EngineState& state, ActionCollector& out) {
    // Runs on every path state change; without iSCSI paths (FC, SAS, scsi_debug) there is nothing to vote on,
    // and the scan below (a path lookup per map member) would make a check round quadratic in paths.
    if (std::none_of(state.paths.begin(), state.paths.end(),
                     [](const auto& entry) { return entry.second.info.iscsi; })) {
        return;
    }
    struct Vote {
        std::optional<std::chrono::seconds> shortest_fast;
        std::optional<std::chrono::seconds> longest_last;
        bool logged_in = true;
    };
    std::map<unsigned, Vote> votes;
    for (const auto& [wwid, m] : state.maps) {
        if (!m.exists) {
            continue;
        }
        const auto fast = m.plan.options.fast_io_fail.value;
        if (fast == kFastIoFailOff) {
            continue;  // recovery_tmo is left alone
        }
        const unsigned usable = state.usable_count(m);
        for (const PlannedPath& p : m.plan.paths) {
            const PathRecord* rec = state.find_path(p.devnode);
            if (rec == nullptr || !rec->info.iscsi) {
                continue;
            }
            Vote& v = votes[rec->info.iscsi->session_id];
            // The kernel refuses recovery_tmo while a session is FAILED or FREE (EBUSY); it is set when
            // the session logs in again (IscsiSessionChanged re-evaluates).
            const std::string& session_state = rec->info.iscsi->session_state;
            v.logged_in = v.logged_in && (session_state.empty() || session_logged_in(session_state));
            // The map's only usable path must ride out a short outage; any other path fails over fast, and so
            // does the last one of a map a redundant holder wants to fail fast.
            if (usable >= 2 || (usable == 1 && !state.carries_io(m, *rec)) ||
                holder_fails_fast(m.plan.options.no_path_retry)) {
                v.shortest_fast = v.shortest_fast ? std::min(*v.shortest_fast, fast) : fast;
            } else {
                const auto last = last_path_tmo(m, rec->info.iscsi->session_id);
                v.longest_last = v.longest_last ? std::max(*v.longest_last, last) : last;
            }
        }
    }
    for (const auto& [session, v] : votes) {
        if (!v.logged_in || refused_.count(session) > 0) {
            continue;
        }
        std::chrono::seconds want = v.longest_last ? *v.longest_last : *v.shortest_fast;
        if (!v.longest_last && failing_over_.count(session) > 0) {
            want = std::chrono::seconds(0);
        }
        auto it = current_.find(session);
        if (it != current_.end() && it->second == want) {
            continue;
        }
        current_[session] = want;
        out.add(SetRecoveryTmo{session, want});
    }
}

}  // namespace pathkeeper::core
