#include "core/map_diff.hpp"

#include <algorithm>

namespace pathkeeper::core {

namespace {

// `actual` with its groups reordered to match `desired` by path set, when every group has a match;
// then tables_equivalent() decides. Group order alone is not a reason to reload: failback switches groups.
bool same_topology(const DmMultipathTable& desired, const DmMultipathTable& actual) {
    if (desired.groups.size() != actual.groups.size()) {
        return false;
    }
    auto key = [](const DmTableGroup& g) {
        std::vector<DevT> devs;
        for (const DmTablePath& p : g.paths) {
            devs.push_back(p.devt);
        }
        std::sort(devs.begin(), devs.end());
        return devs;
    };
    DmMultipathTable reordered = actual;
    reordered.groups.clear();
    std::vector<bool> used(actual.groups.size(), false);
    for (const DmTableGroup& want : desired.groups) {
        auto want_key = key(want);
        bool found = false;
        for (std::size_t i = 0; i < actual.groups.size(); ++i) {
            if (!used[i] && key(actual.groups[i]) == want_key) {
                used[i] = true;
                reordered.groups.push_back(actual.groups[i]);
                found = true;
                break;
            }
        }
        if (!found) {
            return false;
        }
    }
    reordered.initial_group = desired.initial_group;
    return tables_equivalent(desired, reordered);
}

DmMultipathTable without_queueing(DmMultipathTable t) {
    t.features.erase(std::remove(t.features.begin(), t.features.end(), "queue_if_no_path"), t.features.end());
    return t;
}

// `want` described with the loaded table's group layout (an adopted table keeps the kernel's order).
PlannedMap with_loaded_layout(PlannedMap want, const DmMultipathTable& loaded_table) {
    DmMultipathTable loaded = loaded_table;
    loaded.features = want.table.features;  // as far as they differ, only in queue_if_no_path
    std::vector<PlannedGroup> loaded_groups;
    for (const DmTableGroup& g : loaded.groups) {
        PlannedGroup pg;
        for (const DmTablePath& p : g.paths) {
            for (const PlannedPath& pp : want.paths) {
                if (pp.devt == p.devt) {
                    pg.devnodes.push_back(pp.devnode);
                }
            }
        }
        loaded_groups.push_back(std::move(pg));
    }
    want.groups = std::move(loaded_groups);
    want.table = std::move(loaded);
    return want;
}

void diff_desired(PlannedMap want, const LoadedMap* m, std::vector<MapUpdate>& changes) {
    using Kind = MapUpdate::Kind;
    const bool retry_policy_changed =
        m != nullptr && m->exists && m->no_path_retry != want.options.no_path_retry.value;
    if (m != nullptr && m->retries_exhausted && !retry_policy_changed) {
        want.table = without_queueing(want.table);
    }
    if (m == nullptr || !m->exists) {
        if (m != nullptr && m->retry_pending) {
            return;  // a failed create waits for its retry time
        }
        MapUpdate& create = changes.emplace_back();
        create.kind = Kind::Create;
        create.wwid = want.wwid;
        create.name = want.name;
        create.map = std::move(want);
        return;
    }
    if (m->name != want.name) {
        MapUpdate& rename = changes.emplace_back();
        rename.kind = Kind::Rename;
        rename.wwid = want.wwid;
        rename.name = want.name;
        rename.old_name = m->name;
    }
    if (retry_policy_changed) {
        MapUpdate& restart = changes.emplace_back();
        restart.kind = Kind::RestartNoPathRetry;
        restart.wwid = want.wwid;
        restart.name = want.name;
        restart.no_path_retry = want.options.no_path_retry.value;
    }
    MapUpdate& update = changes.emplace_back();
    update.wwid = want.wwid;
    update.name = want.name;
    update.adopted = m->adopting;
    if (same_topology(want.table, m->table) && want.size_sectors == m->size_sectors) {
        update.kind = Kind::Keep;
        // queue_if_no_path is not part of the comparison (the kernel echoes its current flag): an adopted
        // map or a new no_path_retry gets it by message, without a reload.
        const bool want_queue = has_feature(want.table, "queue_if_no_path");
        if (want_queue != m->queueing) {
            update.queueing = want_queue;
        }
        update.map = with_loaded_layout(std::move(want), m->table);
    } else {
        update.kind = Kind::Reload;
        update.map = std::move(want);
    }
}

void diff_gone(const std::string& wwid, const LoadedMap& m, std::vector<MapUpdate>& changes) {
    using Kind = MapUpdate::Kind;
    if (m.open_count > 0) {
        if (!m.has_paths) {
            return;  // already kept open, and reported then
        }
        MapUpdate& keep = changes.emplace_back();
        keep.kind = Kind::KeepOpen;
        keep.wwid = wwid;
        keep.name = m.name;
        keep.fail_queued_io = m.flush_on_last_del && m.queueing;
        return;
    }
    if (m.retry_pending) {
        return;  // a removal that failed is retried at its retry time
    }
    MapUpdate& remove = changes.emplace_back();
    remove.kind = Kind::Remove;
    remove.wwid = wwid;
    remove.name = m.name;
    remove.fail_queued_io = m.flush_on_last_del && m.queueing;
    remove.quiet = m.kept_in_use;
}

std::string groups_text(const PlannedMap& map) {
    std::string text;
    for (const PlannedGroup& g : map.groups) {
        text += text.empty() ? "[" : " [";
        for (std::size_t i = 0; i < g.devnodes.size(); ++i) {
            text += (i == 0 ? "" : " ") + g.devnodes[i];
        }
        text += "]";
    }
    for (const std::string& f : map.table.features) {
        text += " +" + f;
    }
    return text;
}

}  // namespace

std::vector<MapUpdate> diff_maps(std::vector<PlannedMap> desired,
                                 const std::map<std::string, LoadedMap, std::less<>>& loaded) {
    std::vector<std::string> planned;
    for (const PlannedMap& want : desired) {
        planned.push_back(want.wwid);
    }
    std::sort(planned.begin(), planned.end());
    std::vector<MapUpdate> changes;
    for (PlannedMap& want : desired) {
        auto it = loaded.find(want.wwid);
        diff_desired(std::move(want), it == loaded.end() ? nullptr : &it->second, changes);
    }
    for (const auto& [wwid, m] : loaded) {
        if (m.exists && !std::binary_search(planned.begin(), planned.end(), wwid)) {
            diff_gone(wwid, m, changes);
        }
    }
    return changes;
}

std::string to_string(const MapUpdate& u) {
    using Kind = MapUpdate::Kind;
    switch (u.kind) {
        case Kind::Create:
            return "create " + u.name + " " + u.wwid + ": " + groups_text(u.map);
        case Kind::Rename:
            return "rename " + u.old_name + " -> " + u.name;
        case Kind::RestartNoPathRetry:
            return "restart no_path_retry " + u.name + ": " + to_string(u.no_path_retry);
        case Kind::Keep: {
            std::string text = (u.adopted ? "adopt " : "keep ") + u.name;
            if (u.queueing) {
                text += *u.queueing ? ", queue_if_no_path" : ", fail_if_no_path";
            }
            return text;
        }
        case Kind::Reload:
            return (u.adopted ? "adopt and reload " : "reload ") + u.name + ": " + groups_text(u.map);
        case Kind::KeepOpen:
            return "keep open " + u.name + (u.fail_queued_io ? ", fail_if_no_path" : "");
        case Kind::Remove:
            return "remove " + u.name + (u.fail_queued_io ? ", fail_if_no_path first" : "") +
                   (u.quiet ? " (retry, quiet)" : "");
    }
    return {};
}

}  // namespace pathkeeper::core
