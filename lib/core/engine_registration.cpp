// The Engine's part in keeping the host's reservation key registered on every path of a map that has
// reservation_key (path_registration.hpp says when a path is synced and what it may do meanwhile).

#include "core/action_collector.hpp"
#include "core/blacklist.hpp"
#include "core/engine.hpp"
#include "core/map_io_policy.hpp"

namespace pathkeeper::core {

ResolvedMapOptions Engine::registration_options(const PathRecord& path) const {
    if (const MapRecord* m = state_.map_of(path)) {
        return m->plan.options;
    }
    return resolve_map_options(config_, path.info);
}

void Engine::configure_registration(PathRecord& path, bool force) {
    const ReservationKey key = registration_options(path).reservation_key.value;
    // A blacklisted path is another initiator's business (or no multipath disk at all): never registered.
    const bool keyed =
        key.mode != ReservationKey::Mode::None && !is_blacklisted(config_, path.info).blacklisted;
    path.registration.configure(keyed ? std::optional<ReservationKey>(key) : std::nullopt, force);
    if (keyed) {
        registration_work_.insert(path.info.devnode);
    }
}

void Engine::resync_registrations(const AdminSyncRegistrations& request, ActionCollector& out) {
    const MapRecord* m = map_named(request.map);
    unsigned synced = 0;
    for (auto& [dev, rec] : state_.paths) {
        if (state_.map_of(rec) == m) {
            configure_registration(rec, true);
            synced += rec.registration.state() != RegistrationState::Unneeded ? 1 : 0;
        }
    }
    if (synced != 0) {
        out.log(LogLevel::Info, m->plan.name,
                "reservation: checking the key on " + std::to_string(synced) +
                    " path(s) again after the administrator's command");
    }
}

void Engine::require_registration(PathRecord& path, bool new_path) {
    path.registration.require_before_service(new_path);
    if (path.registration.state() != RegistrationState::Unneeded) {
        registration_work_.insert(path.info.devnode);
    }
}

void Engine::refresh_registration(PathRecord& path, TimePoint now) {
    if (path.registration.refresh_due(now, global_.max_polling_interval.value)) {
        path.registration.refresh();
        registration_work_.insert(path.info.devnode);
    }
}

void Engine::after_transition(PathRecord& path, const PathTransition& t) {
    const bool was = is_usable(t.old_state) || t.old_state == PathState::Pending;
    if (was && !is_usable(t.new_state)) {
        require_registration(path, false);
    }
}

void Engine::sync_registrations(TimePoint now, ActionCollector& out) {
    for (auto it = registration_work_.begin(); it != registration_work_.end();) {
        PathRecord* rec = state_.find_path(*it);
        if (rec == nullptr || rec->registration.state() == RegistrationState::Unneeded) {
            it = registration_work_.erase(it);
            continue;
        }
        const PathState s = rec->policy.state();
        // A path that checks down answers nothing: its sync waits for the check that brings it back.
        if (rec->registration.sync_due(now) && (is_usable(s) || s == PathState::Pending)) {
            const ResolvedMapOptions o = registration_options(*rec);
            const std::uint64_t id = next_sync_id_++;
            const bool confirm_only = rec->registration.confirm_only();
            rec->registration.sync_started(id);
            out.add(SyncRegistration{rec->info.devnode, rec->info.wwid, o.reservation_key.value,
                                     o.reservation_aptpl.value, o.reservation_all_tg_pt.value,
                                     o.checker_timeout.value, id, confirm_only});
        }
        ++it;
    }
}

void Engine::on(const RegistrationSynced& e, TimePoint now, ActionCollector& out) {
    PathRecord* rec = state_.find_path(e.devnode);
    if (rec == nullptr) {
        return;
    }
    const bool was_out_of_table = rec->registration.keeps_out_of_table();
    const RegistrationState before = rec->registration.state();
    if (!rec->registration.sync_finished(e.sync_id, e.verdict, e.detail, now,
                                         global_.polling_interval.value)) {
        return;
    }
    const RegistrationState after = rec->registration.state();
    switch (after) {
        case RegistrationState::Registered:
        case RegistrationState::HostUnregistered:
        case RegistrationState::Unsupported:
            registration_work_.erase(rec->info.devnode);
            break;
        default:
            break;
    }
    if (after == RegistrationState::Failed) {
        out.log(LogLevel::Warning, state_.context(*rec),
                "reservation key not registered: " + e.detail + "; path held out, retrying");
    } else if (after != before || before == RegistrationState::Syncing) {
        out.log(after == RegistrationState::Unsupported ? LogLevel::Warning : LogLevel::Info,
                state_.context(*rec), std::string("reservation: ") + to_string(after) + ": " + e.detail);
    }
    if (was_out_of_table && !rec->registration.keeps_out_of_table()) {
        paths_changed(now, out);
    } else if (MapRecord* m = state_.map_of(*rec)) {
        io().evaluate(*m, now, out);
        iscsi_.sync(state_, out);
    }
}

}  // namespace pathkeeper::core
