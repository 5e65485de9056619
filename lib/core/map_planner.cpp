#include "core/map_planner.hpp"

#include <algorithm>
#include <set>
#include "core/prio_args.hpp"

#include "core/grouping.hpp"
#include "core/membership.hpp"
#include "core/prio_args.hpp"

namespace pathkeeper::core {

const char* to_string(NameOrigin o) noexcept {
    switch (o) {
        case NameOrigin::Multipaths:
            return "multipaths";
        case NameOrigin::Bindings:
            return "bindings";
        case NameOrigin::Wwid:
            return "wwid";
    }
    return "unknown";
}

const PlannedPath* PlannedMap::find_path(std::string_view devnode) const {
    for (const PlannedPath& p : paths) {
        if (p.devnode == devnode) {
            return &p;
        }
    }
    return nullptr;
}

unsigned PlannedMap::group_of(std::string_view devnode) const {
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto& members = groups[g].devnodes;
        if (std::find(members.begin(), members.end(), devnode) != members.end()) {
            return static_cast<unsigned>(g + 1);
        }
    }
    return 0;
}

const PlannedMap* PlanResult::find_wwid(std::string_view wwid) const {
    for (const PlannedMap& m : maps) {
        if (m.wwid == wwid) {
            return &m;
        }
    }
    return nullptr;
}

const PlannedMap* PlanResult::find_name(std::string_view name) const {
    for (const PlannedMap& m : maps) {
        if (m.name == name) {
            return &m;
        }
    }
    return nullptr;
}

int path_priority(const ResolvedMapOptions& options, const PathInfo& path) {
    if (path.priority) {
        return *path.priority;
    }
    switch (effective_prio(options, path.tpgs).value) {
        case PrioKind::Const:
            return 1;
        case PrioKind::Alua:
        case PrioKind::Sysfs:
            return alua_priority(path.alua_state);
        case PrioKind::WeightedPath: {
            // The configuration loader refused bad prio_args; a plan input that slips one through gets 0.
            auto args = parse_weighted_path_args(options.prio_args.value);
            return args ? weighted_path_priority(*args, path) : 0;
        }
        case PrioKind::Rdac:
        case PrioKind::HpSw:
        case PrioKind::Emc:
        case PrioKind::Ontap:
        case PrioKind::Hds:
        case PrioKind::PathLatency:
            // Measured by the path's checks; 0 until the first one reports.
            return path.measured_priority.value_or(0);
    }
    return 1;
}

std::string table_text(const PlannedMap& map) {
    return format_table(map.table);
}

namespace {

// Usable for grouping: a path whose first check is still running counts, as the kernel loads it active.
bool usable_for_grouping(PathState s) {
    return is_usable(s) || s == PathState::Pending;
}

struct WwidPaths {
    std::string wwid;
    std::vector<const PlanPath*> paths;
    std::uint64_t size_sectors = 0;
};

// Step 2: the map's size, and the paths of another size left out (map_size.hpp).
void keep_paths_of_map_size(WwidPaths& w, const PlanContext& context, PlanResult& result) {
    std::vector<SizedPath> sized;
    sized.reserve(w.paths.size());
    for (const PlanPath* p : w.paths) {
        sized.push_back(SizedPath{p->info.devnode, p->info.size_sectors});
    }
    auto layout = context.loaded_layouts.find(w.wwid);
    const MapSizeDecision d =
        decide_map_size(sized, layout == context.loaded_layouts.end() ? nullptr : &layout->second,
                        context.shrink_allowed.contains(w.wwid));
    for (const MapSizeDecision::LeftOut& out : d.left_out) {
        result.log.push_back({LogLevel::Warning, w.paths[out.index]->info.devnode,
                              out.reason + " for WWID " + w.wwid + "; path left out"});
    }
    if (d.held) {
        result.log.push_back({LogLevel::Notice, w.wwid, *d.held});
        result.size_held.emplace(w.wwid, *d.held);
    }
    if (d.resized) {
        result.log.push_back({LogLevel::Notice, w.wwid, *d.resized});
    }
    std::vector<const PlanPath*> kept;
    kept.reserve(d.admitted.size());
    for (std::size_t index : d.admitted) {
        kept.push_back(w.paths[index]);
    }
    w.paths = std::move(kept);
    w.size_sectors = d.size_sectors;
}

bool contains(const KnownWwids& list, std::string_view wwid) {
    return std::find(list.begin(), list.end(), wwid) != list.end();
}

DmMultipathTable build_table(const PlannedMap& map, const std::vector<const PlanPath*>& paths) {
    const ResolvedMapOptions& o = map.options;
    DmMultipathTable t;
    if (o.no_path_retry.value.mode != NoPathRetry::Mode::Fail) {
        t.features.push_back("queue_if_no_path");
    }
    if (o.pg_init_retries.value > 0) {
        t.features.push_back("pg_init_retries");
        t.features.push_back(std::to_string(o.pg_init_retries.value));
    }
    // Request-based (mq) is the kernel's default and never written; the kernel lists its features in this
    // order, so a table read back compares equal.
    if (o.queue_mode.value == QueueMode::Bio) {
        t.features.push_back("queue_mode");
        t.features.push_back("bio");
    }
    bool any_tpgs = std::any_of(paths.begin(), paths.end(), [](const PlanPath* p) { return p->info.tpgs; });
    HardwareHandler handler = effective_hardware_handler(o, any_tpgs).value;
    if (handler != HardwareHandler::None) {
        t.hw_handler = to_string(handler);
    }
    t.initial_group = map.best_group;
    for (const PlannedGroup& g : map.groups) {
        DmTableGroup group;
        group.selector = to_string(o.path_selector.value);
        group.path_arg_count = 1;
        for (const std::string& dev : g.devnodes) {
            const PlannedPath* p = map.find_path(dev);
            unsigned repeat = std::max(1U, o.rr_min_io_rq.value);
            if (o.rr_weight.value == RrWeight::Priorities && p->priority > 0) {
                repeat *= static_cast<unsigned>(p->priority);
            }
            group.paths.push_back(DmTablePath{p->devt, {std::to_string(repeat)}});
        }
        t.groups.push_back(std::move(group));
    }
    return t;
}

}  // namespace

PlanResult plan_maps(const Config& config, const std::vector<PlanPath>& paths, const Bindings& bindings,
                     const KnownWwids& known_wwids, const PlanContext& context) {
    PlanResult result;
    result.bindings = bindings;
    result.known_wwids = known_wwids;
    const ResolvedGlobalOptions global = resolve_global_options(config);

    // 1-2: candidate paths by WWID, discovery order.
    std::vector<WwidPaths> by_wwid;
    for (const PlanPath& p : paths) {
        if (auto excluded = excluded_disk(config, p.info)) {
            if (excluded->reason == MemberReason::NoWwid) {
                result.log.push_back({LogLevel::Warning, p.info.devnode, "no usable WWID; not multipathed"});
            } else if (excluded->reason == MemberReason::InvalidWwid) {
                result.log.push_back(
                    {LogLevel::Warning, p.info.devnode, excluded->blacklist_reason + "; not multipathed"});
            } else {
                result.log.push_back(
                    {LogLevel::Info, p.info.devnode, "blacklisted: " + excluded->blacklist_reason});
            }
            continue;
        }
        auto it = std::find_if(by_wwid.begin(), by_wwid.end(),
                               [&](const WwidPaths& w) { return w.wwid == p.info.wwid; });
        if (it == by_wwid.end()) {
            by_wwid.push_back({p.info.wwid, {&p}});
        } else {
            it->paths.push_back(&p);
        }
    }
    for (WwidPaths& w : by_wwid) {
        keep_paths_of_map_size(w, context, result);
    }
    std::erase_if(by_wwid, [](const WwidPaths& w) { return w.paths.empty(); });

    for (const WwidPaths& w : by_wwid) {
        // 3: find_multipaths.
        const bool known = contains(known_wwids, w.wwid);
        MembershipFacts facts;
        facts.wwid_known = [known] { return known; };
        facts.map_exists = context.existing_names.find(w.wwid) != context.existing_names.end();
        facts.another_path_has_wwid = [&w] { return w.paths.size() >= 2; };
        facts.wwid_released = [&] { return context.released.contains(w.wwid); };
        if (auto seen = context.first_seen.find(w.wwid); seen != context.first_seen.end()) {
            facts.first_seen = seen->second;
        }
        facts.now = context.now;
        const MemberDecision decision =
            decide_wwid_membership(config, global.find_multipaths.value, w.wwid, facts);
        if (decision.reason == MemberReason::HeldForSecondPath) {
            result.held.insert(w.wwid);
        } else if (decision.reason == MemberReason::HoldExpired) {
            result.hold_expired.insert(w.wwid);
        }
        if (!decision.member) {
            result.log.push_back({LogLevel::Info, w.paths.front()->info.devnode,
                                  "WWID " + w.wwid + " has " + std::to_string(w.paths.size()) +
                                      " path(s) and is not known; not multipathed (find_multipaths " +
                                      to_string(global.find_multipaths.value) +
                                      (decision.reason == MemberReason::NotKnown
                                           ? std::string()
                                           : std::string(": ") + to_string(decision.reason)) +
                                      ")"});
            continue;
        }
        if (!known) {
            result.known_wwids.push_back(w.wwid);
            result.known_wwids_changed = true;
        }

        PlannedMap map;
        map.wwid = w.wwid;
        map.uuid = "mpath-" + w.wwid;
        const PathInfo& first = w.paths.front()->info;
        map.vendor = first.vendor;
        map.product = first.product;
        map.size_sectors = w.size_sectors;
        map.options = resolve_map_options(config, first);
        if (auto v = context.holder_verdicts.find(w.wwid); v != context.holder_verdicts.end()) {
            map.options.no_path_retry = apply_holder_verdict(map.options.no_path_retry, v->second);
        }
        if (auto o = context.no_path_retry_overrides.find(w.wwid);
            o != context.no_path_retry_overrides.end()) {
            map.options.no_path_retry = Resolved<NoPathRetry>{o->second, Origin::Administrator, {}};
        }

        // 4: name.
        if (map.options.alias && valid_alias(*map.options.alias)) {
            map.name = *map.options.alias;
            map.name_origin = NameOrigin::Multipaths;
        } else if (map.options.user_friendly_names.value) {
            std::set<std::string, std::less<>> used_elsewhere;
            for (const MultipathEntry& e : config.multipaths) {
                if (e.wwid != w.wwid && e.alias) {
                    used_elsewhere.insert(*e.alias);
                }
            }
            for (const auto& [wwid, name] : context.existing_names) {
                if (wwid != w.wwid) {
                    used_elsewhere.insert(name);
                }
            }
            Result<std::string> alias =
                result.bindings.allocate_alias(map.options.alias_prefix.value, w.wwid, used_elsewhere);
            if (alias) {
                map.name = *alias;
                map.name_origin = NameOrigin::Bindings;
            } else {
                result.log.push_back(
                    {LogLevel::Warning, w.wwid,
                     "no user-friendly name (" + alias.error().message + "); the map is named by its WWID"});
                map.name = w.wwid;
            }
        } else {
            map.name = w.wwid;
        }
        if (map.options.alias && !valid_alias(*map.options.alias)) {
            result.log.push_back({LogLevel::Warning, w.wwid, "alias is not a usable map name; ignored"});
        }

        // 5: paths, groups, table.
        std::vector<GroupingInput> inputs;
        for (const PlanPath* p : w.paths) {
            int prio = path_priority(map.options, p->info);
            map.paths.push_back(PlannedPath{p->info.devnode, p->info.devt, prio, p->state});
            inputs.push_back(GroupingInput{prio, usable_for_grouping(p->state), p->info.serial,
                                           p->info.node_name, p->info.tpg_id});
        }
        std::vector<PathGroup> groups = group_paths(map.options.path_grouping_policy.value, inputs);
        for (const PathGroup& g : groups) {
            PlannedGroup pg;
            pg.priority = g.priority;
            pg.usable_paths = g.usable_paths;
            for (std::size_t index : g.members) {
                pg.devnodes.push_back(w.paths[index]->info.devnode);
            }
            map.groups.push_back(std::move(pg));
        }
        map.best_group = select_best_group(groups);
        map.table = build_table(map, w.paths);
        result.maps.push_back(std::move(map));
    }
    result.bindings_changed = !(result.bindings == bindings);
    return result;
}

PlanResult plan_maps(const Config& config, const std::vector<PathInfo>& paths, const Bindings& bindings,
                     const KnownWwids& known_wwids) {
    std::vector<PlanPath> plan_paths;
    plan_paths.reserve(paths.size());
    for (const PathInfo& p : paths) {
        plan_paths.push_back(PlanPath{p, PathState::Up});
    }
    return plan_maps(config, plan_paths, bindings, known_wwids, PlanContext{});
}

}  // namespace pathkeeper::core
