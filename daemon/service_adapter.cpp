#include "daemon/service_adapter.hpp"

#include <utility>

#include "config/config_file.hpp"
#include "core/config_render.hpp"
#include "core/explain_target.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/options.hpp"

namespace pathkeeper::daemon {

ServiceAdapter::ServiceAdapter(const core::Engine& engine,
                               const std::map<std::string, core::DevT>& map_devices,
                               const std::set<std::string>& suspended_maps, const ports::WorkerPool& pool,
                               std::string config_path, EventSink& sink, ConfigControl& config,
                               ports::Logger& logger)
    : engine_(engine),
      map_devices_(map_devices),
      suspended_maps_(suspended_maps),
      pool_(pool),
      config_path_(std::move(config_path)),
      sink_(sink),
      config_control_(config),
      logger_(logger) {}

namespace {

bool shows(const api::ManagerView& manager, const ports::WorkerPoolStats& checks) {
    return manager.checker_threads == checks.workers && manager.hung_checks == checks.hung &&
           manager.queued_checks == checks.queued && manager.hung_check_limit == checks.hung_limit;
}

}  // namespace

std::shared_ptr<const api::TopologyView> ServiceAdapter::shared_snapshot() const {
    const ports::WorkerPoolStats checks = pool_.stats();
    if (!view_ || !shows(view_->manager, checks)) {
        view_ = std::make_shared<const api::TopologyView>(build_view(checks));
        ++views_built_;
    }
    return view_;
}

api::TopologyView ServiceAdapter::build_view(const ports::WorkerPoolStats& checks) const {
    // The snapshot's strings are moved into the views, not copied: copies were a good part of a GetTopology
    // call.
    auto snap = engine_.snapshot(MonotonicClock::now());
    api::TopologyView view;
    view.manager.version = daemon_version();
    const core::Config& config = engine_.config();
    view.manager.config_path =
        config.source_file.empty() ? config_path_ + " (missing: built-in defaults)" : config.source_file;
    view.manager.checker_threads = static_cast<std::uint32_t>(checks.workers);
    view.manager.hung_checks = static_cast<std::uint32_t>(checks.hung);
    view.manager.queued_checks = static_cast<std::uint32_t>(checks.queued);
    view.manager.hung_check_limit = static_cast<std::uint32_t>(checks.hung_limit);
    for (auto& m : snap.maps) {
        api::MapView map;
        map.name = std::move(m.name);
        map.wwid = std::move(m.wwid);
        map.dm_uuid = std::move(m.uuid);
        if (auto it = map_devices_.find(map.name); it != map_devices_.end()) {
            map.dm_device = "dm-" + std::to_string(it->second.minor);
            map.dm_devt = it->second.to_string();
        }
        map.vendor = std::move(m.vendor);
        map.product = std::move(m.product);
        map.size_sectors = m.size_sectors;
        map.features = std::move(m.features);
        map.hardware_handler = std::move(m.hw_handler);
        map.no_path_retry = std::move(m.no_path_retry);
        map.queueing = m.queueing;
        if (m.queueing_left) {
            map.queueing_ends_at =
                std::chrono::duration_cast<std::chrono::seconds>(
                    (std::chrono::system_clock::now() + *m.queueing_left).time_since_epoch())
                    .count();
        }
        map.active_group = m.active_group;
        map.suspended = suspended_maps_.contains(map.name);
        if (m.holder) {
            map.holder =
                api::HolderView{std::move(m.holder->device), std::move(m.holder->kind), m.holder->redundant,
                                std::move(m.holder->verdict), std::move(m.holder->reason)};
        }
        for (auto& g : m.groups) {
            map.groups.push_back(api::GroupView{g.index, std::move(g.selector), g.priority,
                                                std::move(g.state), std::move(g.paths)});
        }
        view.maps.push_back(std::move(map));
    }
    for (auto& p : snap.paths) {
        api::PathView pv;
        pv.devnode = std::move(p.devnode);
        pv.devt = std::move(p.devt);
        pv.wwid = std::move(p.wwid);
        pv.map = std::move(p.map);
        pv.group = p.group;
        pv.hctl = std::move(p.hctl);
        pv.vendor = std::move(p.vendor);
        pv.product = std::move(p.product);
        pv.revision = std::move(p.revision);
        pv.serial = std::move(p.serial);
        pv.transport = std::move(p.transport);
        pv.checker_state = core::to_string(p.state);
        pv.dm_state = core::to_string(p.dm_state);
        pv.priority = p.priority;
        pv.alua_state = std::move(p.alua_state);
        pv.target_iqn = std::move(p.iscsi_target);
        pv.portal = std::move(p.iscsi_portal);
        pv.session_state = std::move(p.iscsi_session_state);
        view.paths.push_back(std::move(pv));
    }
    api::update_counts(view);
    return view;
}

core::Result<void> ServiceAdapter::admin(const core::AdminRequest& request, const std::string& what) {
    if (auto valid = engine_.validate(request); !valid) {
        return valid.error();
    }
    logger_.log(core::LogLevel::Notice, {}, "administrative request: " + what);
    sink_.feed(request);
    sink_.topology_changed();
    return {};
}

core::Result<void> ServiceAdapter::fail_path(const std::string& devnode) {
    return admin(core::AdminFailPath{devnode}, "fail path " + devnode);
}

core::Result<void> ServiceAdapter::reinstate_path(const std::string& devnode) {
    return admin(core::AdminReinstatePath{devnode}, "reinstate path " + devnode);
}

core::Result<void> ServiceAdapter::remove_path(const std::string& devnode) {
    return admin(core::AdminRemovePath{devnode}, "remove path " + devnode + " from its map");
}

core::Result<void> ServiceAdapter::add_path(const std::string& devnode) {
    return admin(core::AdminAddPath{devnode}, "add path " + devnode + " back to its map");
}

void ServiceAdapter::remove_map(const std::string& map, bool deferred, RemovalDone done) {
    const core::AdminRemoveMap request{map, deferred};
    if (auto valid = engine_.validate(request); !valid) {
        done(valid.error());
        return;
    }
    const std::string name = engine_.map_name_of(map).value_or(map);
    logger_.log(core::LogLevel::Notice, {},
                "administrative request: remove map " + name + (deferred ? " (deferred)" : ""));
    removals_[name].push_back(std::move(done));
    sink_.feed(core::AdminRequest{request});
    sink_.topology_changed();
    if (!engine_.removal_in_progress(name)) {
        map_removal_finished(name, core::make_error(core::ErrorCode::Internal,
                                                    name + " was not removed; the daemon's log says why"));
    }
}

void ServiceAdapter::map_removal_finished(const std::string& map, const core::Result<std::string>& outcome) {
    auto node = removals_.extract(map);
    if (node.empty()) {
        return;
    }
    for (const RemovalDone& done : node.mapped()) {
        done(outcome);
    }
}

core::Result<void> ServiceAdapter::add_map(const std::string& target) {
    return admin(core::AdminAddMap{target}, "add map " + target);
}

core::Result<void> ServiceAdapter::switch_group(const std::string& map, unsigned group) {
    return admin(core::AdminSwitchGroup{map, group}, map + ": switch to path group " + std::to_string(group));
}

core::Result<void> ServiceAdapter::set_queueing(const std::string& map, core::QueueingControl control) {
    return admin(core::AdminSetQueueing{map, control},
                 (map.empty() ? std::string("every map") : map) + ": queueing " + core::to_string(control));
}

core::Result<void> ServiceAdapter::resize_map(const std::string& map) {
    return admin(core::AdminResizeMap{map}, map + ": resize to the size its paths report");
}

std::vector<std::string> ServiceAdapter::known_wwids() const {
    return engine_.known_wwids();
}

core::Result<void> ServiceAdapter::edit_known_wwids(const core::AdminEditKnownWwids& edit) {
    switch (edit.edit) {
        case core::KnownWwidsEdit::Add:
            return admin(edit, "add " + edit.target + " to the known WWIDs");
        case core::KnownWwidsEdit::Remove:
            return admin(edit, "remove " + edit.target + " from the known WWIDs");
        case core::KnownWwidsEdit::Reset:
            break;
    }
    return admin(edit, "reset the known WWIDs to the maps' WWIDs");
}

core::Result<void> ServiceAdapter::reconfigure(const std::optional<dbus::ConfigText>& text) {
    if (!text) {
        return config_control_.reload_config_file();
    }
    auto parsed = config::parse_config(text->text, text->origin);
    if (!parsed) {
        config_control_.reject_config(text->origin + " (via D-Bus)", parsed.error());
        return parsed.error();
    }
    config_control_.apply_config(std::move(*parsed), text->origin + " (via D-Bus)");
    return {};
}

core::Result<std::string> ServiceAdapter::config_text(bool explain) const {
    return core::render_config(engine_.config(), core::ConfigRenderOptions{.explain = explain});
}

core::Result<std::string> ServiceAdapter::explain_config(const std::string& target) const {
    auto found = core::find_explain_target(engine_.snapshot(), target);
    if (!found) {
        return found.error();
    }
    return core::render_explained_target(engine_.config(), *found,
                                         engine_.no_path_retry_override(found->device.wwid),
                                         engine_.holder_verdict(found->device.wwid));
}

}  // namespace pathkeeper::daemon
