#include "core/map_lifecycle.hpp"

#include "core/duration.hpp"
#include "core/map_io_policy.hpp"
#include "core/path_report.hpp"

namespace pathkeeper::core {

LoadedMap loaded_map(const MapRecord& m) {
    LoadedMap l;
    l.name = m.plan.name;
    l.size_sectors = m.plan.size_sectors;
    l.table = m.plan.table;
    l.no_path_retry = m.plan.options.no_path_retry.value;
    l.flush_on_last_del = m.plan.options.flush_on_last_del.value;
    l.has_paths = !m.plan.paths.empty();
    l.exists = m.exists;
    l.adopting = m.adopting;
    l.queueing = m.queueing;
    l.retries_exhausted = m.retries_exhausted;
    l.retry_pending = m.retry_at.has_value();
    l.open_count = m.open_count;
    l.kept_in_use = m.kept_in_use;
    return l;
}

void MapLifecycle::apply(MapUpdate& u, TimePoint now, ActionCollector& out) {
    using Kind = MapUpdate::Kind;
    if (u.kind == Kind::Create) {
        create(std::move(u.map), now, out);
        return;
    }
    MapRecord& m = state_.maps.at(u.wwid);
    const PlannedMap& want = u.map;
    switch (u.kind) {
        case Kind::Create:
            break;  // above: a create makes the record, there is none to look up
        case Kind::Rename:
            out.add(RenameMap{u.old_name, u.name});
            out.add(PublishMapChange{u.name, MapChange::Renamed, "was " + u.old_name, u.wwid});
            out.log(LogLevel::Notice, u.name, "renamed from " + u.old_name);
            break;
        case Kind::RestartNoPathRetry:
            MapIoPolicy(state_, polling_interval_).restart_no_path_retry(m, u.no_path_retry, now, out);
            break;
        case Kind::Keep:
            if (u.adopted) {
                out.add(PublishMapChange{u.name, MapChange::Adopted, "table unchanged, no reload", u.wwid});
                out.log(LogLevel::Notice, u.name, "adopted existing map; table matches, not reloaded");
            }
            if (u.queueing) {
                const bool want_queue = *u.queueing;
                out.add(DmMessage{u.name, want_queue ? "queue_if_no_path" : "fail_if_no_path"});
                m.queueing = want_queue;
                if (!u.adopted) {
                    const std::string npr = to_string(want.options.no_path_retry.value);
                    out.log(LogLevel::Notice, u.name,
                            std::string(want_queue ? "queue_if_no_path set" : "queue_if_no_path cleared") +
                                " (no_path_retry " + npr + ")");
                    out.add(PublishMapChange{
                        u.name, want_queue ? MapChange::QueueingRestored : MapChange::QueueingDisabled,
                        "no_path_retry " + npr, u.wwid});
                }
            }
            m.plan = std::move(u.map);
            m.adopting = false;
            break;
        case Kind::Reload:
            if (u.adopted) {
                out.log(LogLevel::Notice, u.name, "adopted existing map; its table differs, reloading");
            }
            m.adopting = false;
            out.add(ReloadMap{u.name, want.size_sectors, want.table});
            out.add(PublishMapChange{u.name, MapChange::Reloaded, {}, u.wwid});
            out.log(LogLevel::Notice, u.name,
                    "reloaded: " + std::to_string(want.paths.size()) + " path(s) in " +
                        std::to_string(want.groups.size()) + " group(s)");
            m.plan = std::move(u.map);
            m.current_group = m.plan.table.initial_group;
            m.queueing = has_feature(m.plan.table, "queue_if_no_path");
            for (const PlannedPath& p : m.plan.paths) {
                state_.find_path(p.devnode)->dm_state =
                    DmPathState::Active;  // a reload loads every path active
            }
            break;
        case Kind::KeepOpen:
            out.log(LogLevel::Warning, u.name,
                    "no path left but the map is open (" + std::to_string(m.open_count) + "); kept");
            if (u.fail_queued_io) {
                out.add(DmMessage{u.name, "fail_if_no_path"});
                m.queueing = false;
                out.log(LogLevel::Warning, u.name, "flush_on_last_del: queued I/O now fails");
            }
            m.plan.paths.clear();
            m.plan.groups.clear();
            break;
        case Kind::Remove:
            if (u.fail_queued_io) {
                // Whoever holds the map open (the engine cannot know: dm tells only when the removal is
                // refused) gets errors instead of waiting for a path, as multipath-tools does before it
                // flushes a map. Without flush_on_last_del, an open map keeps queueing: that is what
                // no_path_retry asked for.
                out.add(DmMessage{u.name, "fail_if_no_path"});
                m.queueing = false;
                out.log(LogLevel::Warning, u.name, "flush_on_last_del: last path gone, queued I/O now fails");
            }
            out.add(RemoveMap{u.name});
            if (!u.quiet) {  // a quiet retry: it was published as kept, and is published removed when it is
                out.add(PublishMapChange{u.name, MapChange::Removed, {}, u.wwid});
                out.log(LogLevel::Notice, u.name, "removed: no path left");
            }
            m.plan.paths.clear();
            m.plan.groups.clear();
            state_.removing.insert_or_assign(u.name, std::move(m));
            state_.maps.erase(u.wwid);
            break;
    }
}

void MapLifecycle::create(PlannedMap want, TimePoint now, ActionCollector& out) {
    auto it = state_.maps.find(want.wwid);
    MapRecord fresh;
    fresh.seq = it != state_.maps.end() ? it->second.seq : state_.take_seq();
    fresh.exists = true;
    fresh.current_group = want.table.initial_group;
    fresh.queueing = has_feature(want.table, "queue_if_no_path");
    out.add(CreateMap{want.name, want.uuid, want.size_sectors, want.table});
    out.add(PublishMapChange{want.name, MapChange::Created, {}, want.wwid});
    out.log(LogLevel::Notice, want.name,
            "created map for WWID " + want.wwid + " with " + std::to_string(want.paths.size()) +
                " path(s) in " + std::to_string(want.groups.size()) + " group(s)");
    fresh.plan = std::move(want);
    MapRecord& created = state_.maps.insert_or_assign(fresh.plan.wwid, std::move(fresh)).first->second;
    for (const PlannedPath& p : created.plan.paths) {
        PathRecord* rec = state_.find_path(p.devnode);
        rec->dm_state = DmPathState::Active;  // a new table loads every path active
        rec->udev_change_triggered = false;
        if (effective_checker(created.plan.options, rec->info.tpgs, rec->info.reports_rdac).value ==
                CheckerKind::None &&
            rec->policy.state() == PathState::Pending) {
            report_path_transition(state_, *rec, rec->policy.assume_up(now), "path_checker none: always up",
                                   out);
        }
    }
}

void MapLifecycle::create_failed(const CreateMap& create, const std::string& why, TimePoint now,
                                 ActionCollector& out) {
    MapRecord* m = state_.find_map_by_uuid(create.uuid);
    if (m != nullptr && m->create_failure_expected) {
        m->create_failure_expected = false;
        out.log(LogLevel::Info, create.name, "create refused as expected: the map was kept");
        return;
    }
    if (m != nullptr) {
        m->exists = false;
        m->retry_at = now + polling_interval_;
    }
    out.log(LogLevel::Error, create.name,
            "creating the map failed: " + why + "; retrying in " + format_duration(polling_interval_));
}

void MapLifecycle::reload_failed(const ReloadMap& reload, const std::string& why, TimePoint now,
                                 ActionCollector& out) {
    if (MapRecord* m = state_.find_map_by_name(reload.name)) {
        m->plan.table = DmMultipathTable{};  // unknown: the next reconcile reloads
        m->retry_at = now + polling_interval_;
    }
    out.log(LogLevel::Error, reload.name,
            "reloading the map failed: " + why + "; retrying in " + format_duration(polling_interval_));
}

void MapLifecycle::table_loaded(const std::string& map_name, ActionCollector& out) {
    const MapRecord* m = state_.find_map_by_name(map_name);
    if (m == nullptr) {
        return;
    }
    for (const PlannedPath& p : m->plan.paths) {
        PathRecord* rec = state_.find_path(p.devnode);
        if (rec == nullptr || rec->udev_change_triggered || rec->info.udev_claim != UdevClaim::NotClaimed) {
            continue;
        }
        rec->udev_change_triggered = true;
        out.add(TriggerUdevChange{rec->info.devnode});
        out.log(LogLevel::Info, state_.context(*rec), "not claimed by udev yet: change event triggered");
    }
}

void MapLifecycle::removal_completed(const RemoveMap& remove, ActionCollector& out) {
    auto node = state_.removing.extract(remove.name);
    const std::string wwid = node.empty() ? std::string() : node.mapped().plan.wwid;
    if (remove.by_admin) {
        out.add(PublishMapChange{remove.name, MapChange::Removed, "by the administrator", wwid});
        out.log(LogLevel::Notice, remove.name,
                remove.deferred
                    ? "removal by the administrator done or deferred: dm removes the map when its "
                      "last opener closes it"
                    : "removed by the administrator");
        return;
    }
    if (!node.empty() && node.mapped().kept_in_use) {
        out.add(PublishMapChange{remove.name, MapChange::Removed, {}, wwid});
        out.log(LogLevel::Notice, remove.name, "removed: no longer open, and no path came back");
    }
}

bool MapLifecycle::removal_failed(const RemoveMap& remove, const Error& error, TimePoint now,
                                  ActionCollector& out) {
    const std::string& why = error.message;
    auto node = state_.removing.extract(remove.name);
    if (node.empty()) {
        out.log(LogLevel::Warning, remove.name, "removing the map failed: " + why + "; the map is kept");
        return false;
    }
    MapRecord kept = std::move(node.mapped());
    const std::string wwid = kept.plan.wwid;
    if (remove.by_admin) {
        state_.removed_by_admin.erase(wwid);
        if (!state_.maps.contains(wwid)) {
            // Refused (open, or dm failed): the map stays as it was, and the administrator was answered.
            out.log(LogLevel::Warning, kept.plan.name, "not removed: " + why);
            state_.maps.emplace(wwid, std::move(kept));
            return true;
        }
    }
    kept.exists = true;
    kept.adopting = true;  // what dm has is known only as the engine last loaded it
    kept.retry_at = now + polling_interval_;
    auto it = state_.maps.find(wwid);
    if (it == state_.maps.end()) {
        // Conflict is dm's EBUSY: someone has the map open (a file system, LVM, or udev's blkid caught
        // reading when the last path went). Tried again quietly: logged and published once.
        const bool in_use = error.code == ErrorCode::Conflict;
        const bool already_reported = in_use && kept.kept_in_use;
        kept.kept_in_use = in_use;
        if (!already_reported) {
            std::string what = "removing the map failed: " + why + "; kept";
            if (in_use) {
                what = "no path left but the map is open: kept";
                if (kept.queueing) {
                    what += ", its I/O queued until a path returns";
                }
            }
            out.log(LogLevel::Warning, kept.plan.name,
                    what + ", trying the removal again every " + format_duration(polling_interval_));
            out.add(PublishMapChange{kept.plan.name, MapChange::Adopted,
                                     in_use ? "open while its last path went" : "its removal failed", wwid});
        }
        state_.maps.emplace(wwid, std::move(kept));
        return false;
    }
    kept.kept_in_use = false;
    // The WWID's paths came back before the removal was refused: the map is still in dm, so the create
    // planned for them fails on its uuid. Take the existing map over instead; the next reconcile renames and
    // reloads it.
    kept.seq = it->second.seq;
    kept.create_failure_expected = it->second.exists;
    kept.retry_at.reset();
    out.log(LogLevel::Warning, kept.plan.name,
            "removing the map failed: " + why + "; its paths are back, so it is kept and taken over");
    it->second = std::move(kept);
    return true;
}

}  // namespace pathkeeper::core
