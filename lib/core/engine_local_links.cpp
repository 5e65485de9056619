// Engine: local-link failover (local_link_failover.hpp). The paths of a session cut off from its own network
// link are failed, its recovery_tmo goes to 0 (sent before the connection is ended, so the kernel's recovery
// timer fires at once) and its TCP connection is ended.
#include <string>

#include "core/action_collector.hpp"
#include "core/engine.hpp"

namespace pathkeeper::core {

namespace {

std::string describe(const SessionLinkChange& c) {
    return "iSCSI session " + std::to_string(c.session_id) + " (" + c.local_address + " -> " +
           c.remote_address + ":" + std::to_string(c.remote_port) + ")";
}

}  // namespace

void Engine::on(const LocalLinksChanged& e, TimePoint now, ActionCollector& out) {
    const LocalLinkDecision d = local_links_.update(e.links, state_, global_.local_link_failover.value);
    if (d.cut.empty() && d.regained.empty()) {
        return;
    }
    for (const SessionLinkChange& c : d.cut) {
        std::string paths;
        for (auto& [dev, rec] : state_.paths) {
            if (!rec.info.iscsi || rec.info.iscsi->session_id != c.session_id) {
                continue;
            }
            paths += (paths.empty() ? "" : ", ") + dev;
            if (c.fail_over && rec.policy.in_service()) {
                external_failure(rec, now, "local link " + c.interface + " is down", out);
            }
        }
        if (c.fail_over) {
            out.log(LogLevel::Warning, c.interface,
                    "local link down: failing over " + describe(c) + ", paths " + paths +
                        "; its TCP connection is ended");
        } else {
            out.log(LogLevel::Warning, c.interface,
                    "local link down: " + describe(c) + ", paths " + paths +
                        ", left to its noop timeout: " + c.why_kept);
        }
    }
    for (const SessionLinkChange& c : d.regained) {
        out.log(LogLevel::Info, c.interface,
                "local link up: " + describe(c) + " is reinstated once it logs in and checks good");
    }
    iscsi_.set_failing_over(local_links_.failing_over());
    evaluate_all(now, out);
    for (const SessionLinkChange& c : d.cut) {
        if (c.fail_over && !c.remote_address.empty()) {
            out.add(EndTcpConnection{c.session_id, c.local_address, c.remote_address, c.remote_port});
        }
    }
    checks_.run_checks(state_, now, out);
}

}  // namespace pathkeeper::core
