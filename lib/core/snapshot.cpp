#include "core/snapshot.hpp"

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

TopologySnapshot take_snapshot(const EngineState& state, const std::vector<PlanLogLine>& plan_log,
                               TimePoint now) {
    TopologySnapshot snap;
    for (const MapRecord* m : state.maps_in_creation_order()) {
        MapSnapshot ms;
        ms.name = m->plan.name;
        ms.dm_name = m->plan.name;
        ms.wwid = m->plan.wwid;
        ms.uuid = m->plan.uuid;
        ms.name_origin = m->name_origin;
        ms.size_sectors = m->plan.size_sectors;
        ms.vendor = m->plan.vendor;
        ms.product = m->plan.product;
        const DmMultipathTable& t = m->plan.table;
        ms.features = std::to_string(t.features.size());
        for (const std::string& f : t.features) {
            ms.features += " " + f;
        }
        ms.hw_handler = t.hw_handler.empty() ? "0" : "1 " + t.hw_handler;
        ms.table = format_table(t);
        ms.path_grouping_policy = to_string(m->plan.options.path_grouping_policy.value);
        ms.failback = to_string(m->plan.options.failback.value);
        ms.no_path_retry = to_string(m->plan.options.no_path_retry.value);
        ms.queueing = m->queueing;
        ms.active_group = m->current_group;
        ms.usable_paths = state.usable_count(*m);
        ms.total_paths = static_cast<unsigned>(m->plan.paths.size());
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
                    p != nullptr ? p->priority : 0, r != nullptr && state.carries_io(*m, *r), {}, {}});
            }
            update_group_priority(pg, inputs);
            gs.priority = pg.priority;
            gs.state =
                gs.index == m->current_group ? "active" : (pg.usable_paths > 0 ? "enabled" : "disabled");
            ms.groups.push_back(std::move(gs));
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
            ps.iscsi_session = i.iscsi->session_id;
            ps.iscsi_target = i.iscsi->target_iqn;
            ps.iscsi_portal = i.iscsi->portal;
            ps.iscsi_session_state = i.iscsi->session_state;
        }
        ps.alua_state = to_string(i.alua_state);
        ps.checker_state = r->policy.state();
        ps.admin_failed = r->policy.admin_failed();
        ps.state = ps.admin_failed ? PathState::Down : ps.checker_state;
        ps.dm_state = r->dm_state;
        ps.last_check_message = r->last_message;
        ps.damped = r->policy.damped();
        ps.flaps = r->policy.flaps();
        if (auto hold = r->policy.hold_until(); hold && *hold > now) {
            ps.hold_remaining_ms = std::chrono::duration_cast<Millis>(*hold - now).count();
        }
        ps.check_interval_ms = r->policy.current_interval().count();
        if (const MapRecord* m = state.map_of(*r)) {
            ps.map = m->plan.name;
            ps.group = m->plan.group_of(i.devnode);
            const PlannedPath* p = m->plan.find_path(i.devnode);
            ps.priority = p != nullptr ? p->priority : 0;
            ps.checker = to_string(m->plan.options.path_checker.value);
            ps.multipath_status = "member";
        } else {
            ps.priority = i.priority.value_or(0);
            ps.multipath_status = "not multipathed";
            for (const PlanLogLine& line : plan_log) {
                if (line.context == i.devnode) {
                    ps.multipath_status = "not multipathed: " + line.message;
                }
            }
        }
        snap.paths.push_back(std::move(ps));
    }
    return snap;
}

}  // namespace pathkeeper::core
