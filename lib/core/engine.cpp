#include "core/engine.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "core/action_collector.hpp"
#include "core/iscsi_timeouts.hpp"
#include "core/map_diff.hpp"
#include "core/map_io_policy.hpp"
#include "core/map_lifecycle.hpp"
#include "core/path_report.hpp"

namespace pathkeeper::core {

Engine::Engine(Config config, Bindings bindings, KnownWwids known_wwids)
    : config_(std::move(config)),
      global_(resolve_global_options(config_)),
      bindings_(std::move(bindings)),
      known_wwids_(std::move(known_wwids)) {}

std::vector<Action> Engine::handle(const Event& event, TimePoint now) {
    ActionCollector out;
    if (!std::holds_alternative<CheckerResult>(event) && !std::holds_alternative<CheckStarted>(event)) {
        checks_.forget_deadline();  // checker results keep it up to date themselves; a start moves none
    }
    std::visit([&](const auto& e) { on(e, now, out); }, event);
    if (!registration_work_.empty()) {
        sync_registrations(now, out);
    }
    return out.take();
}

// ---------------------------------------------------------------- timing

PathTiming Engine::timing_for(const MapRecord* map) const {
    PathTiming t;
    t.polling_interval = global_.polling_interval.value;
    t.max_polling_interval = global_.max_polling_interval.value;
    t.fast_recheck_interval = global_.fast_recheck_interval.value;
    // A reference, not a copy: this runs for every path on every Tick.
    std::optional<ResolvedMapOptions> unmapped;
    if (map == nullptr) {
        unmapped = resolve_map_options(config_, "", "", "");
    }
    const ResolvedMapOptions& o = map != nullptr ? map->plan.options : *unmapped;
    t.checker_timeout = o.checker_timeout.value;
    t.flap_window = o.flap_window.value;
    t.flap_threshold = o.flap_threshold.value;
    t.flap_hold_time = o.flap_hold_time.value;
    t.flap_hold_max = o.flap_hold_max.value;
    return t;
}

// ---------------------------------------------------------------- path events

void Engine::on(const PathAdded& e, TimePoint now, ActionCollector& out) {
    if (PathRecord* existing = state_.find_path(e.path.devnode)) {
        on(PathChanged{e.path}, now, out);
        (void)existing;
        return;
    }
    PathRecord rec{e.path, PathPolicy(now), state_.take_seq(), DmPathState::Unknown, false, false, {}};
    iscsi_.learn(e.path);
    local_links_.learn(e.path);
    PathRecord& added = state_.paths.emplace(e.path.devnode, std::move(rec)).first->second;
    configure_registration(added, true);
    if (started_) {
        require_registration(added, state_.map_of(added) == nullptr);
    }
    out.log(LogLevel::Info, e.path.devnode,
            "path added (" + e.path.devt.to_string() + ", WWID " +
                (e.path.wwid.empty() ? std::string("none") : e.path.wwid) + ")");
    release_withheld(e.path.wwid, out);
    release_removed_by_admin(e.path.wwid, out);
    paths_changed(now, out);
}

void Engine::on(const PathChanged& e, TimePoint now, ActionCollector& out) {
    PathRecord* rec = state_.find_path(e.path.devnode);
    if (rec == nullptr) {
        on(PathAdded{e.path}, now, out);
        return;
    }
    if (rec->info.wwid != e.path.wwid) {
        out.log(LogLevel::Warning, rec->info.devnode,
                "WWID changed from " + rec->info.wwid + " to " + e.path.wwid);
    }
    const bool alua_changed = rec->info.alua_state != e.path.alua_state;
    // What the checks learned is not udev's to forget.
    const std::optional<int> measured_priority = rec->info.measured_priority;
    const std::optional<bool> reports_rdac = rec->info.reports_rdac;
    rec->info = e.path;
    rec->info.measured_priority = measured_priority;
    rec->info.reports_rdac = reports_rdac;
    iscsi_.learn(e.path);
    local_links_.learn(e.path);
    if (alua_changed) {
        check_alua_siblings_now({rec}, now);
    }
    release_withheld(e.path.wwid, out);
    paths_changed(now, out);
}

void Engine::on(const PathRemoved& e, TimePoint now, ActionCollector& out) {
    PathRecord* rec = state_.find_path(e.devnode);
    if (rec == nullptr) {
        return;
    }
    if (MapRecord* m = state_.map_of(*rec)) {
        m->open_count = e.map_open_count;
    }
    out.log(LogLevel::Info, state_.context(*rec), "path removed");
    tunings_.forget_path(e.devnode);
    state_.paths.erase(state_.paths.find(e.devnode));
    paths_changed(now, out);
}

void Engine::release_withheld(const std::string& wwid, ActionCollector& out) {
    if (state_.withheld.erase(wwid) != 0) {
        out.log(LogLevel::Notice, "",
                "WWID " + wwid +
                    ": a path event after its map was removed outside the daemon; planning it again");
    }
}

namespace {

// What discovery reads about a disk and the planner uses. The iSCSI session state is left out: the session
// watch owns it.
bool same_path_facts(const PathInfo& a, const PathInfo& b) {
    auto names = [](const UdevPropertyNames& n) { return n ? *n : std::vector<std::string>{}; };
    auto session = [](const PathInfo& p) {
        return p.iscsi ? std::tuple(p.iscsi->session_id, p.iscsi->target_iqn, p.iscsi->portal)
                       : std::tuple(0U, std::string(), std::string());
    };
    return a.devt == b.devt && a.wwid == b.wwid && a.vendor == b.vendor && a.product == b.product &&
           a.revision == b.revision && a.serial == b.serial && a.transport == b.transport &&
           a.hctl == b.hctl && a.node_name == b.node_name && a.size_sectors == b.size_sectors &&
           a.tpgs == b.tpgs && a.alua_state == b.alua_state && a.priority == b.priority &&
           session(a) == session(b) &&
           (a.udev_property_names == b.udev_property_names ||
            names(a.udev_property_names) == names(b.udev_property_names));
}

}  // namespace

std::optional<NoPathRetry> Engine::no_path_retry_override(std::string_view wwid) const {
    if (auto it = state_.no_path_retry_overrides.find(wwid); it != state_.no_path_retry_overrides.end()) {
        return it->second;
    }
    return std::nullopt;
}

std::optional<HolderVerdict> Engine::holder_verdict(std::string_view wwid) const {
    if (auto it = state_.holders.find(wwid); it != state_.holders.end()) {
        return it->second.verdict;
    }
    return std::nullopt;
}

PathEvents Engine::differences(const std::vector<PathInfo>& present_paths) const {
    PathEvents batch;
    std::set<std::string, std::less<>> present;
    for (const PathInfo& path : present_paths) {
        present.insert(path.devnode);
        const PathRecord* rec = state_.find_path(path.devnode);
        if (rec != nullptr && (rec->info.devt != path.devt || rec->info.wwid != path.wwid)) {
            // Another disk under the same name: the old one went and a new one came.
            batch.events.emplace_back(PathRemoved{path.devnode, 0});
            rec = nullptr;
        }
        if (rec == nullptr) {
            batch.events.emplace_back(PathAdded{path});
        } else if (!same_path_facts(rec->info, path)) {
            batch.events.emplace_back(PathChanged{path});
        }
    }
    for (const auto& [devnode, rec] : state_.paths) {
        if (!present.contains(devnode)) {
            batch.events.emplace_back(PathRemoved{devnode, 0});
        }
    }
    return batch;
}

void Engine::on(const PathsReEnumerated& e, TimePoint now, ActionCollector& out) {
    const PathEvents batch = differences(e.paths);
    std::size_t added = 0;
    std::size_t changed = 0;
    std::size_t removed = 0;
    for (const auto& event : batch.events) {
        added += std::holds_alternative<PathAdded>(event) ? 1 : 0;
        changed += std::holds_alternative<PathChanged>(event) ? 1 : 0;
        removed += std::holds_alternative<PathRemoved>(event) ? 1 : 0;
    }
    out.log(LogLevel::Notice, "",
            "re-enumerated " + std::to_string(e.paths.size()) +
                " path(s) after lost uevents: " + std::to_string(added) + " added, " +
                std::to_string(changed) + " changed, " + std::to_string(removed) + " removed");
    on(batch, now, out);
}

void Engine::on(const MapVanished& e, TimePoint, ActionCollector& out) {
    MapRecord* m = state_.find_map_by_name(e.map);
    if (m == nullptr) {
        return;  // already dropped, or the daemon's own removal
    }
    const std::string wwid = m->plan.wwid;
    for (const PlannedPath& p : m->plan.paths) {
        if (PathRecord* rec = state_.find_path(p.devnode)) {
            rec->dm_state = DmPathState::Unknown;
        }
    }
    out.log(LogLevel::Warning, e.map,
            "map is gone from device-mapper (removed outside pathkeeper): dropped, its " +
                std::to_string(m->plan.paths.size()) +
                " path(s) unmapped; created again on the next uevent of one of its paths or on reconfigure");
    out.add(PublishMapChange{e.map, MapChange::Removed, "removed outside pathkeeper", wwid});
    state_.maps.erase(wwid);
    state_.withheld.insert(wwid);
    iscsi_.sync(state_, out);
}

void Engine::confirm_map_exists(const std::string& map, const Error& error, ActionCollector& out) {
    if (error.code == ErrorCode::NotFound && state_.find_map_by_name(map) != nullptr) {
        out.add(ReadMapStatus{map});
    }
}

// A changed verdict becomes the map's no_path_retry at the next plan (where it yields, holder_policy.hpp):
// the diff then sends queue_if_no_path or fail_if_no_path and restarts the retry count, as for pathctl
// queueing.
void Engine::on(const MapHoldersRead& e, TimePoint now, ActionCollector& out) {
    bool changed = false;
    for (const auto& [name, holder] : e.holders) {
        const MapRecord* map = state_.find_map_by_name(name);
        if (map == nullptr) {
            continue;
        }
        const std::string& wwid = map->plan.wwid;
        auto known = state_.holders.find(wwid);
        if (!holder) {
            if (known != state_.holders.end()) {
                if (known->second.verdict) {
                    out.log(
                        LogLevel::Notice, name,
                        "no longer held by " + known->second.facts.device + "; no_path_retry as configured");
                    changed = true;
                }
                state_.holders.erase(known);
            }
            continue;
        }
        if (known != state_.holders.end() && known->second.facts == *holder) {
            continue;
        }
        std::optional<HolderVerdict> verdict = decide_holder_verdict(*holder);
        const bool verdict_changed =
            known == state_.holders.end() ? verdict.has_value() : known->second.verdict != verdict;
        if (verdict_changed) {
            out.log(LogLevel::Notice, name,
                    verdict ? "holder " + verdict->reason
                            : "held by " + holder->device + " (" + holder->kind +
                                  ", not redundant); no_path_retry as configured");
            changed = true;
        }
        state_.holders[wwid] = EngineState::Holder{*holder, std::move(verdict)};
    }
    // A map that is gone takes its holder with it.
    std::erase_if(state_.holders, [&](const auto& entry) {
        auto m = state_.maps.find(entry.first);
        return m == state_.maps.end() || !m->second.exists;
    });
    if (changed && started_) {
        reconcile(now, out);
        evaluate_all(now, out);
    }
}

void Engine::on(const PathEvents& e, TimePoint now, ActionCollector& out) {
    in_path_batch_ = true;
    path_batch_changed_ = false;
    for (const auto& event : e.events) {
        std::visit([&](const auto& one) { on(one, now, out); }, event);
    }
    in_path_batch_ = false;
    if (path_batch_changed_) {
        paths_changed(now, out);
    }
}

void Engine::paths_changed(TimePoint now, ActionCollector& out) {
    if (in_path_batch_) {
        path_batch_changed_ = true;
        return;
    }
    if (started_) {
        reconcile(now, out);
        evaluate_all(now, out);
        checks_.run_checks(state_, now, out);
    }
}

void Engine::on(const CheckStarted& e, TimePoint now, ActionCollector&) {
    if (PathRecord* rec = state_.find_path(e.devnode)) {
        rec->policy.check_started(e.check_id, now);
    }
}

void Engine::on(const CheckerResult& e, TimePoint now, ActionCollector& out) {
    PathRecord* rec = state_.find_path(e.devnode);
    if (rec == nullptr) {
        return;
    }
    MapRecord* m = state_.map_of(*rec);
    std::optional<PathTransition> t = rec->policy.on_check_result(e.check_id, e.state, now, timing_for(m));
    if (!t) {
        return;  // stale: a newer check or an event overtook this one
    }
    const bool learned = learn_from_check(*rec, e, now, out);
    std::string reason = e.message.empty() ? std::string("checker reports ") + to_string(e.state) : e.message;
    if (rec->policy.state() == PathState::Shaky && t->old_state != PathState::Shaky) {
        reason += "; held out by flap damping until stable";
    }
    report_path_transition(state_, *rec, *t, reason, out);
    after_transition(*rec, *t);
    // Most results confirm the state the path already had: nothing about its map can have changed, and
    // re-evaluating every map and session on each of them would make a check round quadratic in paths.
    if (is_usable(rec->policy.state())) {
        refresh_registration(*rec, now);
    }
    if (learned && started_) {
        // The priority changed (group_by_prio regroups) or the checker to use did: as for ALUA changes.
        checks_.forget_deadline();
        reconcile(now, out);
        evaluate_all(now, out);
        checks_.run_checks(state_, now, out);
        return;
    }
    if (!t->state_changed()) {
        checks_.path_check_confirmed(state_, *rec);
        return;
    }
    checks_.forget_deadline();
    if (m != nullptr) {
        io().evaluate(*m, now, out);
        iscsi_.sync(state_, out);
    }
    // The path's own next check is in the future now; checks of other paths that fall due are started by the
    // Tick at next_deadline().
}

// Records the priority and the RDAC answer a check brought; true when either changed what the path's map
// plans (its priority) or how the path is checked.
bool Engine::learn_from_check(PathRecord& rec, const CheckerResult& e, TimePoint now, ActionCollector& out) {
    bool changed = false;
    if (e.priority && rec.info.measured_priority != e.priority) {
        out.log(LogLevel::Notice, state_.context(rec),
                "priority " +
                    (rec.info.measured_priority ? std::to_string(*rec.info.measured_priority) : "unknown") +
                    " -> " + std::to_string(*e.priority));
        rec.info.measured_priority = e.priority;
        changed = true;
    }
    if (e.reports_rdac && rec.info.reports_rdac != e.reports_rdac) {
        const MapRecord* m = state_.map_of(rec);
        const std::optional<CheckerKind> before =
            m ? std::optional(effective_checker(m->plan.options, rec.info.tpgs, rec.info.reports_rdac).value)
              : std::nullopt;
        rec.info.reports_rdac = e.reports_rdac;
        const std::optional<CheckerKind> after =
            m ? std::optional(effective_checker(m->plan.options, rec.info.tpgs, rec.info.reports_rdac).value)
              : std::nullopt;
        if (before != after && after) {
            out.log(LogLevel::Info, state_.context(rec),
                    std::string("INQUIRY page 0xc9 names an RDAC controller: checking with ") +
                        to_string(*after));
            rec.policy.request_check_now(now);
        }
    }
    return changed;
}

void Engine::external_failure(PathRecord& path, TimePoint now, const std::string& reason,
                              ActionCollector& out) {
    MapRecord* m = state_.map_of(path);
    if (path.policy.state() == PathState::Down) {
        return;
    }
    PathTransition t = path.policy.on_external_failure(now, timing_for(m));
    report_path_transition(state_, path, t, reason, out);
    after_transition(path, t);
}

void Engine::on(const DmStatusRead& e, TimePoint now, ActionCollector& out) {
    MapRecord* m = state_.find_map_by_name(e.map);
    if (m == nullptr) {
        return;
    }
    for (const DmGroupStatus& g : e.status.groups) {
        for (const DmPathStatus& ps : g.paths) {
            PathRecord* rec = nullptr;
            for (const PlannedPath& p : m->plan.paths) {
                if (p.devt == ps.devt) {
                    rec = state_.find_path(p.devnode);
                }
            }
            if (rec == nullptr) {
                continue;
            }
            if (ps.state == DmPathState::Failed && rec->dm_state != DmPathState::Failed) {
                rec->dm_state = DmPathState::Failed;
                if (rec->policy.in_service()) {
                    external_failure(*rec, now, "kernel failed the path (I/O error); re-checking now", out);
                    rec->policy.request_check_now(now);
                }
            } else if (ps.state == DmPathState::Active) {
                rec->dm_state = DmPathState::Active;
            }
        }
    }
    if (unsigned active = e.status.active_group(); active != 0) {
        m->current_group = active;
    }
    io().evaluate(*m, now, out);
    iscsi_.sync(state_, out);
    checks_.run_checks(state_, now, out);
}

void Engine::on(const DmEvent& e, TimePoint, ActionCollector& out) {
    if (state_.find_map_by_name(e.map) != nullptr) {
        out.add(ReadMapStatus{e.map});
    }
}

void Engine::on(const IscsiSessionChanged& e, TimePoint now, ActionCollector& out) {
    bool any = false;
    iscsi_.session_changed(e.session_id);
    for (auto& [dev, rec] : state_.paths) {
        if (!rec.info.iscsi || rec.info.iscsi->session_id != e.session_id) {
            continue;
        }
        any = true;
        rec.info.iscsi->session_state = e.state;
        if (session_logged_in(e.state)) {
            if (!rec.policy.in_service()) {
                out.log(
                    LogLevel::Info, state_.context(rec),
                    "iSCSI session " + std::to_string(e.session_id) + " logged in; checking the path now");
                rec.policy.request_check_now(now);
            }
        } else if (rec.policy.in_service()) {
            external_failure(rec, now, "iSCSI session " + std::to_string(e.session_id) + " is " + e.state,
                             out);
        }
    }
    if (any) {
        evaluate_all(now, out);
        checks_.run_checks(state_, now, out);
    }
}

void Engine::on(const DeviceStateChanged& e, TimePoint now, ActionCollector& out) {
    PathRecord* rec = state_.find_path(e.devnode);
    if (rec == nullptr) {
        return;
    }
    if (e.state == "running") {
        if (!rec->policy.in_service()) {
            out.log(LogLevel::Info, state_.context(*rec),
                    "SCSI device is running again; checking the path now");
            rec->policy.request_check_now(now);
        }
    } else if (e.state == "offline" || e.state == "transport-offline") {
        external_failure(*rec, now, "SCSI device state is " + e.state, out);
    } else {
        return;  // blocked / quiesce / created: transient, the checker and the session state decide
    }
    if (MapRecord* m = state_.map_of(*rec)) {
        io().evaluate(*m, now, out);
        iscsi_.sync(state_, out);
    }
    checks_.run_checks(state_, now, out);
}

void Engine::on(const AluaStateChanged& e, TimePoint now, ActionCollector& out) {
    on(AluaStatesChanged{{e}}, now, out);
}

void Engine::on(const AluaStatesChanged& e, TimePoint now, ActionCollector& out) {
    std::vector<const PathRecord*> changed;
    for (const AluaStateChanged& change : e.changes) {
        if (apply_alua_state(change, now, out)) {
            changed.push_back(state_.find_path(change.devnode));
        }
    }
    check_alua_siblings_now(changed, now);
    if (!changed.empty() && started_) {
        reconcile(now, out);  // priorities changed: group_by_prio regroups, once for the whole batch
        evaluate_all(now, out);
        checks_.run_checks(state_, now, out);
    }
}

// Records one path's new ALUA state; false when the path is unknown or its state is unchanged.
bool Engine::apply_alua_state(const AluaStateChanged& e, TimePoint now, ActionCollector& out) {
    PathRecord* rec = state_.find_path(e.devnode);
    if (rec == nullptr || rec->info.alua_state == e.state) {
        return false;
    }
    out.log(LogLevel::Notice, state_.context(*rec),
            std::string("ALUA state ") + to_string(rec->info.alua_state) + " -> " + to_string(e.state));
    rec->info.alua_state = e.state;
    switch (e.state) {
        case AluaState::Standby:
            report_path_transition(state_, *rec, rec->policy.set_usable_state(PathState::Ghost),
                                   "ALUA standby", out);
            break;
        case AluaState::ActiveOptimized:
        case AluaState::ActiveNonOptimized:
        case AluaState::LbaDependent:
            report_path_transition(state_, *rec, rec->policy.set_usable_state(PathState::Up), "ALUA active",
                                   out);
            break;
        default:
            rec->policy.request_check_now(now);
            break;
    }
    return true;
}

// The target changes its port groups' states together, but the initiator learns them path by path: from a
// unit attention on the next command down that path, after which the kernel's alua handler re-reads the port
// groups. A path that carries no I/O (in the non-optimized group) hears of the change only at its next check,
// up to a polling interval later, and the map meanwhile has one path's new state and the other's old one.
// Checking the LU's other paths now brings their unit attentions in at once; the next state poll then sees
// them all.
void Engine::check_alua_siblings_now(const std::vector<const PathRecord*>& changed, TimePoint now) {
    for (auto& entry : state_.paths) {
        PathRecord& rec =
            entry.second;  // a named reference: lambdas cannot capture structured bindings in clang
        const bool sibling = std::any_of(changed.begin(), changed.end(), [&](const PathRecord* c) {
            return !c->info.wwid.empty() && c->info.wwid == rec.info.wwid;
        });
        const bool reported = std::find(changed.begin(), changed.end(), &rec) != changed.end();
        if (sibling && !reported && rec.info.tpgs) {
            rec.policy.request_check_now(now);
        }
    }
}

// ---------------------------------------------------------------- startup, config, admin

void Engine::on(const MapsDiscovered& e, TimePoint now, ActionCollector& out) {
    for (const ExistingMap& em : e.maps) {
        if (em.uuid.rfind(kMapUuidPrefix, 0) != 0 || em.uuid.size() == kMapUuidPrefix.size()) {
            continue;  // not ours
        }
        MapRecord m;
        m.plan.wwid = em.uuid.substr(kMapUuidPrefix.size());
        m.plan.name = em.name;
        m.plan.uuid = em.uuid;
        m.plan.size_sectors = em.size_sectors;
        m.plan.table = em.table;
        m.exists = true;
        m.adopting = true;
        m.current_group = em.status.active_group() != 0 ? em.status.active_group() : em.table.initial_group;
        m.queueing = has_feature(em.table, "queue_if_no_path");
        m.open_count = em.open_count;
        m.seq = state_.take_seq();
        for (const DmGroupStatus& g : em.status.groups) {
            for (const DmPathStatus& ps : g.paths) {
                for (auto& [dev, rec] : state_.paths) {
                    if (rec.info.devt == ps.devt) {
                        rec.dm_state = ps.state;
                    }
                }
            }
        }
        state_.maps[m.plan.wwid] = std::move(m);
    }
    started_ = true;
    reconcile(now, out);
    evaluate_all(now, out);
    checks_.run_checks(state_, now, out);
}

void Engine::on(const ConfigApplied& e, TimePoint now, ActionCollector& out) {
    config_ = e.config;
    global_ = resolve_global_options(config_);
    if (!state_.withheld.empty()) {
        out.log(LogLevel::Notice, "",
                std::to_string(state_.withheld.size()) +
                    " WWID(s) whose map was removed outside the daemon are planned again");
        state_.withheld.clear();
    }
    if (!state_.removed_by_admin.empty()) {
        out.log(LogLevel::Notice, "",
                std::to_string(state_.removed_by_admin.size()) +
                    " WWID(s) whose map the administrator removed are planned again");
        state_.removed_by_admin.clear();
    }
    out.log(LogLevel::Notice, "",
            "configuration applied" +
                (config_.source_file.empty() ? std::string() : " from " + config_.source_file));
    if (started_) {
        reconcile(now, out);
    }
    for (auto& [dev, rec] : state_.paths) {
        configure_registration(rec, false);
    }
    if (started_) {
        evaluate_all(now, out);
        checks_.run_checks(state_, now, out);
    }
}

Result<void> Engine::validate(const AdminRequest& request) const {
    struct V {
        const Engine& e;
        Result<void> operator()(const AdminFailPath& r) const { return path(r.devnode); }
        Result<void> operator()(const AdminReinstatePath& r) const { return path(r.devnode); }
        Result<void> operator()(const AdminSwitchGroup& r) const {
            const MapRecord* m = e.state_.find_map_by_name(r.map);
            if (m == nullptr) {
                return make_error(ErrorCode::NotFound, "no map named " + r.map);
            }
            if (r.group == 0 || r.group > m->plan.groups.size()) {
                return make_error(ErrorCode::InvalidArgument,
                                  r.map + " has " + std::to_string(m->plan.groups.size()) +
                                      " path group(s); " + std::to_string(r.group) + " is out of range");
            }
            return {};
        }
        Result<void> operator()(const AdminSetQueueing& r) const {
            if (!r.map.empty() && e.state_.find_map_by_name(r.map) == nullptr) {
                return make_error(ErrorCode::NotFound, "no map named " + r.map);
            }
            return {};
        }
        Result<void> operator()(const AdminEditKnownWwids& r) const { return e.validate_known_wwids_edit(r); }
        Result<void> operator()(const AdminRemovePath& r) const { return e.validate_path_membership(r); }
        Result<void> operator()(const AdminAddPath& r) const { return e.validate_path_membership(r); }
        Result<void> operator()(const AdminRemoveMap& r) const { return e.validate_map_admin(r); }
        Result<void> operator()(const AdminAddMap& r) const { return e.validate_map_admin(r); }
        Result<void> operator()(const AdminResizeMap& r) const { return e.validate_resize(r); }
        Result<void> operator()(const AdminSyncRegistrations& r) const {
            if (e.map_named(r.map) == nullptr) {
                return make_error(ErrorCode::NotFound, "no map named " + r.map);
            }
            return {};
        }
        Result<void> path(const std::string& dev) const {
            const PathRecord* p = e.state_.find_path(dev);
            if (p == nullptr || e.state_.map_of(*p) == nullptr) {
                return make_error(ErrorCode::NotFound, "no multipath member path named " + dev);
            }
            return {};
        }
    };
    return std::visit(V{*this}, request);
}

void Engine::on(const AdminRequest& e, TimePoint now, ActionCollector& out) {
    if (Result<void> ok = validate(e); !ok) {
        out.log(LogLevel::Error, "", "admin request refused: " + ok.error().message);
        return;
    }
    if (const auto* fail = std::get_if<AdminFailPath>(&e)) {
        PathRecord& rec = *state_.find_path(fail->devnode);
        if (!rec.policy.admin_failed()) {
            rec.policy.set_admin_failed(true, now);
            out.log(LogLevel::Notice, state_.context(rec),
                    "failed by the administrator; stays failed until reinstated");
            out.add(PublishPathStateChange{state_.map_of(rec)->plan.name, rec.info.devnode,
                                           rec.policy.state(), PathState::Down, "failed by administrator",
                                           rec.info.wwid});
        }
        io().evaluate(*state_.map_of(rec), now, out);
    } else if (const auto* reinstate = std::get_if<AdminReinstatePath>(&e)) {
        PathRecord& rec = *state_.find_path(reinstate->devnode);
        bool was_admin_failed = rec.policy.admin_failed();
        rec.policy.set_admin_failed(false, now);
        rec.policy.clear_damping();
        if (rec.policy.state() == PathState::Shaky) {
            rec.policy.request_check_now(now);
        }
        if (rec.policy.in_service()) {
            out.log(LogLevel::Notice, state_.context(rec), "reinstated by the administrator");
            if (was_admin_failed) {
                out.add(PublishPathStateChange{state_.map_of(rec)->plan.name, rec.info.devnode,
                                               PathState::Down, rec.policy.state(),
                                               "reinstated by administrator", rec.info.wwid});
            }
        } else {
            out.log(
                LogLevel::Notice, state_.context(rec),
                "reinstate requested by the administrator; checking the path now, reinstated when it is up");
            rec.policy.request_check_now(now);
        }
        io().evaluate(*state_.map_of(rec), now, out);
        checks_.run_checks(state_, now, out);
    } else if (const auto* sw = std::get_if<AdminSwitchGroup>(&e)) {
        io().switch_group(*state_.find_map_by_name(sw->map), sw->group, "requested by the administrator",
                          out);
    } else if (const auto* q = std::get_if<AdminSetQueueing>(&e)) {
        set_queueing(*q, now, out);
    } else if (const auto* k = std::get_if<AdminEditKnownWwids>(&e)) {
        edit_known_wwids(*k, now, out);
    } else if (const auto* rm = std::get_if<AdminRemovePath>(&e)) {
        change_path_membership(*rm, now, out);
    } else if (const auto* add = std::get_if<AdminAddPath>(&e)) {
        change_path_membership(*add, now, out);
    } else if (const auto* remove_map = std::get_if<AdminRemoveMap>(&e)) {
        remove_map_by_admin(*remove_map, out);
    } else if (const auto* add_map = std::get_if<AdminAddMap>(&e)) {
        add_map_by_admin(*add_map, now, out);
    } else if (const auto* resize = std::get_if<AdminResizeMap>(&e)) {
        resize_map(*resize, now, out);
    } else if (const auto* sync = std::get_if<AdminSyncRegistrations>(&e)) {
        resync_registrations(*sync, out);
    }
    iscsi_.sync(state_, out);
}

// The override becomes the map's no_path_retry at the next plan, so the diff sends queue_if_no_path or
// fail_if_no_path and restarts the retry count like a reconfigure that changed no_path_retry.
void Engine::set_queueing(const AdminSetQueueing& request, TimePoint now, ActionCollector& out) {
    for (auto& [wwid, m] : state_.maps) {
        if (!m.exists || (!request.map.empty() && m.plan.name != request.map)) {
            continue;
        }
        switch (request.control) {
            case QueueingControl::Disable:
                state_.no_path_retry_overrides[wwid] = NoPathRetry::fail();
                break;
            case QueueingControl::Force:
                state_.no_path_retry_overrides[wwid] = NoPathRetry::queue();
                break;
            case QueueingControl::Restore:
                state_.no_path_retry_overrides.erase(wwid);
                break;
        }
        out.log(LogLevel::Notice, m.plan.name,
                std::string("queueing ") + to_string(request.control) + " by " + request.by);
    }
    if (started_) {
        reconcile(now, out);
        evaluate_all(now, out);
    }
}

// ---------------------------------------------------------------- ticks and action results

void Engine::on(const Tick&, TimePoint now, ActionCollector& out) {
    bool retry = false;
    for (auto& [wwid, m] : state_.maps) {
        if (m.retry_at && now >= *m.retry_at) {
            m.retry_at.reset();
            retry = true;
        }
    }
    // find_multipaths smart: a held path whose wait is over is released by planning again.
    for (const std::string& wwid : held_) {
        if (auto seen = first_seen_.find(wwid);
            seen != first_seen_.end() && now >= seen->second + global_.find_multipaths_timeout.value) {
            retry = true;
        }
    }
    if (retry && started_) {
        reconcile(now, out);
    }
    warn_size_holds(now, out);
    // Lost checks: the worker started one and never answered (a queued check is not late).
    for (auto& [dev, rec] : state_.paths) {
        if (!rec.policy.check_in_flight()) {
            continue;  // most paths: cheaper than finding the map for the timing
        }
        MapRecord* m = state_.map_of(rec);
        if (rec.policy.check_overdue(now, timing_for(m))) {
            auto id = rec.policy.check_in_flight_id();
            on(CheckerResult{dev, PathState::Down, "checker did not answer in time", *id}, now, out);
        }
    }
    // Only maps with a timer of their own that fell due need a look (no_path_retry N running out, a delayed
    // failback); path state changes evaluate their map where they happen.
    auto due = [&](const MapRecord& m) {
        return retry || (m.fail_io_at && now >= *m.fail_io_at) || (m.failback_at && now >= *m.failback_at);
    };
    // Most Ticks only start checks: the sorted map list is built only when some map's timer fell due.
    if (std::any_of(state_.maps.begin(), state_.maps.end(),
                    [&](const auto& entry) { return due(entry.second); })) {
        for (MapRecord* m : state_.maps_in_creation_order()) {
            if (due(*m)) {
                io().evaluate(*m, now, out);
            }
        }
        iscsi_.sync(state_, out);
    }
    checks_.run_checks(state_, now, out);
}

void Engine::on(const ActionCompleted& e, TimePoint, ActionCollector& out) {
    if (const auto* remove = std::get_if<RemoveMap>(&e.action)) {
        map_lifecycle().removal_completed(*remove, out);
    } else if (const auto* create = std::get_if<CreateMap>(&e.action)) {
        map_lifecycle().table_loaded(create->name, out);
    } else if (const auto* reload = std::get_if<ReloadMap>(&e.action)) {
        map_lifecycle().table_loaded(reload->name, out);
    }
}

void Engine::on(const ActionFailed& e, TimePoint now, ActionCollector& out) {
    const std::string what = to_string(e.action);
    const std::string why = e.error.message;
    if (const auto* create = std::get_if<CreateMap>(&e.action)) {
        map_lifecycle().create_failed(*create, why, now, out);
    } else if (const auto* reload = std::get_if<ReloadMap>(&e.action)) {
        map_lifecycle().reload_failed(*reload, why, now, out);
        confirm_map_exists(reload->name, e.error, out);
    } else if (const auto* read = std::get_if<ReadMapStatus>(&e.action);
               read != nullptr && e.error.code == ErrorCode::NotFound) {
        on(MapVanished{read->map}, now, out);
    } else if (const auto* msg = std::get_if<DmMessage>(&e.action);
               msg != nullptr && e.error.code == ErrorCode::NotFound &&
               state_.find_map_by_name(msg->map) == nullptr) {
        // Queued before the map was found gone: nothing to undo, nothing to retry.
        out.log(LogLevel::Info, msg->map,
                "dm message \"" + msg->message + "\" not delivered: the map is gone");
    } else if (const auto* msg = std::get_if<DmMessage>(&e.action)) {
        // dm keeps its previous state; believing that makes the next evaluation send the message again.
        for (auto& [dev, rec] : state_.paths) {
            if (msg->message == "fail_path " + rec.info.devt.to_string()) {
                rec.dm_state = DmPathState::Active;
            } else if (msg->message == "reinstate_path " + rec.info.devt.to_string()) {
                rec.dm_state = DmPathState::Failed;
            }
        }
        if (MapRecord* m = state_.find_map_by_name(msg->map)) {
            if (msg->message == "queue_if_no_path") {
                m->queueing = false;
            } else if (msg->message == "fail_if_no_path") {
                m->queueing = true;
                m->retries_exhausted = false;
                m->fail_io_at = now + global_.polling_interval.value;
            }
        }
        out.log(LogLevel::Warning, msg->map, "dm message \"" + msg->message + "\" failed: " + why);
        confirm_map_exists(msg->map, e.error, out);
    } else if (const auto* check = std::get_if<StartCheck>(&e.action)) {
        on(CheckerResult{check->devnode, PathState::Down, "checker could not run: " + why, check->check_id},
           now, out);
    } else if (const auto* tmo = std::get_if<SetRecoveryTmo>(&e.action)) {
        iscsi_.write_failed(tmo->session_id);
        out.log(LogLevel::Warning, "session" + std::to_string(tmo->session_id),
                "setting recovery_tmo failed: " + why);
    } else if (const auto* tune = std::get_if<TunePath>(&e.action)) {
        tunings_.write_failed(*tune, why, out);
    } else if (const auto* tune_map = std::get_if<TuneMapDevice>(&e.action)) {
        out.log(LogLevel::Warning, tune_map->map,
                "setting max_sectors_kb " + std::to_string(tune_map->max_sectors_kb) + " failed: " + why);
    } else if (const auto* trigger = std::get_if<TriggerUdevChange>(&e.action)) {
        out.log(LogLevel::Warning, trigger->devnode, "triggering a udev change event failed: " + why);
    } else if (const auto* remove = std::get_if<RemoveMap>(&e.action);
               remove != nullptr && remove->by_admin && e.error.code == ErrorCode::NotFound) {
        map_lifecycle().removal_completed(*remove, out);  // gone already: what the administrator asked for
    } else if (const auto* remove = std::get_if<RemoveMap>(&e.action)) {
        if (map_lifecycle().removal_failed(*remove, e.error, now, out)) {
            reconcile(now, out);
            evaluate_all(now, out);
        }
    } else {
        out.log(LogLevel::Error, "", what + " failed: " + why);
    }
}

// ---------------------------------------------------------------- desired vs actual

namespace {

// The table's "queue_mode X" feature (with its argument) moved out of `features`; empty when there is none.
std::vector<std::string> take_queue_mode(std::vector<std::string>& features) {
    auto it = std::find(features.begin(), features.end(), "queue_mode");
    if (it == features.end() || it + 1 == features.end()) {
        return {};
    }
    std::vector<std::string> taken{*it, *(it + 1)};
    features.erase(it, it + 2);
    return taken;
}

// The kernel refuses a reload that changes queue_mode: a loaded map keeps the mode it was created with, and a
// changed queue_mode applies to maps created from now on.
void keep_loaded_queue_modes(PlanResult& plan, const EngineState& state) {
    for (PlannedMap& planned : plan.maps) {
        auto loaded = state.maps.find(planned.wwid);
        if (loaded == state.maps.end() || !loaded->second.exists) {
            continue;
        }
        std::vector<std::string> loaded_features = loaded->second.plan.table.features;
        const std::vector<std::string> kept = take_queue_mode(loaded_features);
        (void)take_queue_mode(planned.table.features);
        planned.table.features.insert(planned.table.features.end(), kept.begin(), kept.end());
    }
}

}  // namespace

void Engine::reconcile(TimePoint now, ActionCollector& out) {
    // Discovery order matters: grouping ties and alias allocation follow it, as in multipath-tools.
    std::vector<PlanPath> input = plan_input();
    PlanContext ctx;
    ctx.no_path_retry_overrides = state_.no_path_retry_overrides;
    for (const auto& [wwid, holder] : state_.holders) {
        if (holder.verdict) {
            ctx.holder_verdicts.emplace(wwid, *holder.verdict);
        }
    }
    for (const auto& [wwid, m] : state_.maps) {
        if (m.exists) {
            ctx.existing_names[wwid] = m.plan.name;
            LoadedLayout& layout = ctx.loaded_layouts[wwid];
            layout.size_sectors = m.plan.size_sectors;
            for (const PlannedPath& p : m.plan.paths) {
                layout.devnodes.push_back(p.devnode);
            }
        }
    }
    ctx.shrink_allowed = shrink_allowed_;
    track_first_seen(input, now, ctx);
    PlanResult plan = plan_maps(config_, input, bindings_, known_wwids_, ctx);
    track_size_holds(plan, now);
    release_expired_holds(plan, input, out);
    keep_loaded_queue_modes(plan, state_);
    // Not created again behind the admin who removed it: see MapVanished and AdminRemoveMap.
    std::erase_if(plan.maps, [&](const PlannedMap& m) {
        return state_.withheld.contains(m.wwid) || state_.removed_by_admin.contains(m.wwid);
    });

    for (const PlanLogLine& line : plan.log) {
        if (std::find(last_plan_log_.begin(), last_plan_log_.end(), line) == last_plan_log_.end()) {
            out.log(line.level, line.context, line.message);
        }
    }
    last_plan_log_ = plan.log;
    if (plan.bindings_changed) {
        bindings_ = plan.bindings;
        out.add(SaveBindings{bindings_});
    }
    if (plan.known_wwids_changed) {
        known_wwids_ = plan.known_wwids;
        out.add(SaveKnownWwids{known_wwids_});
    }

    std::map<std::string, LoadedMap, std::less<>> loaded;
    for (auto& [wwid, m] : state_.maps) {
        if (plan.find_wwid(wwid) != nullptr) {
            m.kept_in_use = false;  // its paths are back: a later removal is news again
        }
        loaded.emplace(wwid, loaded_map(m));
    }
    MapLifecycle lifecycle = map_lifecycle();
    for (MapUpdate& update : diff_maps(std::move(plan.maps), loaded)) {
        // A path's settings go out before the table that adds it (a path joining with a larger I/O size than
        // the map's would fail I/O), the map's own after it.
        const bool table_kept = update.kind == MapUpdate::Kind::Keep;
        const bool tuned =
            table_kept || update.kind == MapUpdate::Kind::Create || update.kind == MapUpdate::Kind::Reload;
        const std::string name = update.map.name;
        const MaxSectorsKb map_max_sectors = update.map.options.max_sectors_kb.value;
        if (tuned) {
            tunings_.before_table(update.map, state_, out);
        }
        lifecycle.apply(update, now, out);
        if (tuned) {
            tunings_.after_table(name, map_max_sectors, !table_kept, out);
        }
    }
}

void Engine::evaluate_all(TimePoint now, ActionCollector& out) {
    io().evaluate_all(now, out);
    iscsi_.sync(state_, out);
}

MapLifecycle Engine::map_lifecycle() {
    return MapLifecycle(state_, global_.polling_interval.value);
}

MapIoPolicy Engine::io() {
    return MapIoPolicy(state_, global_.polling_interval.value);
}

namespace {

Millis since_epoch(TimePoint t) {
    return std::chrono::duration_cast<Millis>(t.time_since_epoch());
}

}  // namespace

void Engine::set_released_wwids(KnownWwids released) {
    released_ = std::move(released);
}

void Engine::track_first_seen(const std::vector<PlanPath>& input, TimePoint now, PlanContext& ctx) {
    // A WWID whose paths are all gone starts again when one comes back, as a new LUN would.
    std::set<std::string, std::less<>> present;
    for (const PlanPath& p : input) {
        present.insert(p.info.wwid);
        first_seen_.try_emplace(p.info.wwid, now);
    }
    std::erase_if(first_seen_, [&](const auto& entry) { return !present.contains(entry.first); });
    for (const auto& [wwid, seen] : first_seen_) {
        ctx.first_seen.emplace(wwid, since_epoch(seen));
    }
    ctx.released.insert(released_.begin(), released_.end());
    ctx.now = since_epoch(now);
}

void Engine::release_expired_holds(const PlanResult& plan, const std::vector<PlanPath>& input,
                                   ActionCollector& out) {
    held_ = plan.held;
    if (plan.hold_expired.empty()) {
        return;
    }
    for (const std::string& wwid : plan.hold_expired) {
        released_.push_back(wwid);
        out.log(LogLevel::Notice, wwid,
                "no second path within find_multipaths_timeout; released as a single-path disk");
        // udev answered "held" for the path; a change event lets the helper answer again, now "released".
        for (const PlanPath& p : input) {
            if (p.info.wwid == wwid) {
                out.add(TriggerUdevChange{p.info.devnode});
            }
        }
    }
    out.add(SaveReleasedWwids{released_});
}

std::optional<TimePoint> Engine::next_deadline() const {
    std::optional<TimePoint> at = checks_.next_deadline(state_);
    for (const std::string& wwid : held_) {
        if (auto seen = first_seen_.find(wwid); seen != first_seen_.end()) {
            const TimePoint end = seen->second + global_.find_multipaths_timeout.value;
            if (!at || end < *at) {
                at = end;
            }
        }
    }
    for (const std::string& dev : registration_work_) {
        const PathRecord* rec = state_.find_path(dev);
        if (rec != nullptr && rec->registration.retry_at() && (!at || *rec->registration.retry_at() < *at)) {
            at = rec->registration.retry_at();
        }
    }
    return at;
}

std::vector<PlanPath> Engine::plan_input() const {
    return state_.plan_input();
}

TopologySnapshot Engine::snapshot(TimePoint now) const {
    return take_snapshot(state_, now);
}

}  // namespace pathkeeper::core
