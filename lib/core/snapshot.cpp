#include "core/snapshot.hpp"

#include <algorithm>
#include <chrono>

#include "core/engine_state.hpp"
#include "core/grouping.hpp"

namespace pathkeeper::core {

const MapSnapshot* TopologySnapshot::find_map(std::string_view name) const {
    for (const MapSnapshot& m : maps) {
        if (m.name == name) {
            return &m;
        }
    }
    return nullptr;
}

const PathSnapshot* TopologySnapshot::find_path(std::string_view devnode) const {
    for (const PathSnapshot& p : paths) {
        if (p.devnode == devnode) {
            return &p;
        }
    }
    return nullptr;
}

std::vector<const PathSnapshot*> TopologySnapshot::paths_of(std::string_view map) const {
    std::vector<const PathSnapshot*> out;
    for (const PathSnapshot& p : paths) {
        if (p.map == map) {
            out.push_back(&p);
        }
    }
    return out;
}

namespace {

HolderSnapshot holder_snapshot(const EngineState::Holder& holder, Origin no_path_retry_origin) {
    HolderSnapshot out;
    out.device = holder.facts.device;
    out.kind = holder.facts.kind;
    out.redundant = holder.facts.redundant;
    if (holder.verdict) {
        out.verdict = holder.verdict->fail_fast ? "fail" : "queue";
        out.reason = holder.verdict->reason;
        if (no_path_retry_origin != Origin::Holder && !yields_to_holder(no_path_retry_origin)) {
            out.reason += std::string(" (not applied: no_path_retry is set by ") +
                          to_string(no_path_retry_origin) + ")";
        }
    }
    return out;
}

}  // namespace

TopologySnapshot take_snapshot(const EngineState& state, std::optional<TimePoint> now) {
    TopologySnapshot snap;
    for (const MapRecord* m : state.maps_in_creation_order()) {
        MapSnapshot ms;
        ms.name = m->plan.name;
        ms.wwid = m->plan.wwid;
        ms.uuid = m->plan.uuid;
        ms.size_sectors = m->plan.size_sectors;
        ms.vendor = m->plan.vendor;
        ms.product = m->plan.product;
        const DmMultipathTable& t = m->plan.table;
        // The flag is flipped by messages after the load; dm's table echo shows the current one.
        std::vector<std::string> features;
        for (const std::string& f : t.features) {
            if (f != "queue_if_no_path") {
                features.push_back(f);
            }
        }
        if (m->queueing) {
            features.push_back("queue_if_no_path");
        }
        ms.features = std::to_string(features.size());
        for (const std::string& f : features) {
            ms.features += " " + f;
        }
        ms.hw_handler = t.hw_handler.empty() ? "0" : "1 " + t.hw_handler;
        ms.no_path_retry = to_string(m->plan.options.no_path_retry.value);
        ms.queue_if_no_path = m->queueing;
        if (m->fail_io_at && now) {
            ms.queueing_left = std::max(Millis{0}, std::chrono::duration_cast<Millis>(*m->fail_io_at - *now));
        }
        bool carries_io = false;
        ms.active_group = m->current_group;
        for (std::size_t g = 0; g < m->plan.groups.size(); ++g) {
            GroupSnapshot gs;
            gs.index = static_cast<unsigned>(g + 1);
            gs.selector = g < t.groups.size() ? t.groups[g].selector + " 0" : std::string();
            gs.paths = m->plan.groups[g].devnodes;
            std::vector<GroupingInput> inputs;
            PathGroup pg;
            for (const std::string& dev : gs.paths) {
                const PathRecord* r = state.find_path(dev);
                const PlannedPath* p = m->plan.find_path(dev);
                pg.members.push_back(inputs.size());
                inputs.push_back(GroupingInput{
                    p != nullptr ? p->priority : 0, r != nullptr && state.carries_io(*m, *r), {}, {}, {}});
            }
            update_group_priority(pg, inputs);
            carries_io = carries_io || pg.usable_paths > 0;
            gs.priority = pg.priority;
            gs.state =
                gs.index == m->current_group ? "active" : (pg.usable_paths > 0 ? "enabled" : "disabled");
            ms.groups.push_back(std::move(gs));
        }
        ms.queueing = ms.queue_if_no_path && !carries_io;
        if (auto h = state.holders.find(m->plan.wwid); h != state.holders.end()) {
            ms.holder = holder_snapshot(h->second, m->plan.options.no_path_retry.origin);
        }
        snap.maps.push_back(std::move(ms));
    }
    for (const PathRecord* r : state.paths_in_discovery_order()) {
        PathSnapshot ps;
        const PathInfo& i = r->info;
        ps.devnode = i.devnode;
        ps.devt = i.devt.to_string();
        ps.wwid = i.wwid;
        ps.hctl = i.hctl ? i.hctl->to_string() : std::string();
        ps.vendor = i.vendor;
        ps.product = i.product;
        ps.revision = i.revision;
        ps.serial = i.serial;
        ps.transport = to_string(i.transport);
        if (i.iscsi) {
            ps.iscsi_target = i.iscsi->target_iqn;
            ps.iscsi_portal = i.iscsi->portal;
            ps.iscsi_session_state = i.iscsi->session_state;
        }
        ps.alua_state = to_string(i.alua_state);
        ps.state = r->policy.admin_failed() ? PathState::Down : r->policy.state();
        ps.dm_state = r->dm_state;
        if (r->registration.state() != RegistrationState::Unneeded) {
            ps.registration = to_string(r->registration.state());
            ps.registration_detail = r->registration.detail();
        }
        if (const MapRecord* m = state.map_of(*r)) {
            ps.map = m->plan.name;
            ps.group = m->plan.group_of(i.devnode);
            const PlannedPath* p = m->plan.find_path(i.devnode);
            ps.priority = p != nullptr ? p->priority : 0;
        } else {
            ps.priority = i.priority.value_or(0);
        }
        snap.paths.push_back(std::move(ps));
    }
    return snap;
}

}  // namespace pathkeeper::core
