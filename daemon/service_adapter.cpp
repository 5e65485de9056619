#include "daemon/service_adapter.hpp"

#include <utility>

#include "config/config_file.hpp"
#include "core/config_render.hpp"
#include "core/explain_target.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/options.hpp"
#include "reservation/admin_command.hpp"

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
        pv.registration = std::move(p.registration);
        pv.registration_detail = std::move(p.registration_detail);
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

namespace {

// What the target's answer means to the D-Bus caller (the service maps the codes to error names).
core::Error reservation_error(const reservation::CommandResult& command) {
    switch (command.outcome) {
        case core::ScsiOutcome::ReservationConflict:
            return core::make_error(core::ErrorCode::Conflict, command.message);
        case core::ScsiOutcome::NotSupported:
            return core::make_error(core::ErrorCode::NotSupported, command.message);
        case core::ScsiOutcome::IllegalRequest:
            return core::make_error(core::ErrorCode::InvalidArgument, command.message);
        case core::ScsiOutcome::Busy:
        case core::ScsiOutcome::UnitAttention:
            return core::make_error(core::ErrorCode::Timeout, command.message);
        case core::ScsiOutcome::Good:
        case core::ScsiOutcome::Failed:
            break;
    }
    return core::make_error(core::ErrorCode::Io, command.message);
}

}  // namespace

void ServiceAdapter::reservation(const api::ReservationRequest& request, ReservationDone done) {
    auto invalid = [&](std::string message) {
        done(core::make_error(core::ErrorCode::InvalidArgument, std::move(message)));
    };
    auto command = reservation::parse_admin_command(request.command);
    if (!command) {
        invalid(command.error().message);
        return;
    }
    const core::PlannedMap* map = engine_.planned_map(request.map);
    if (map == nullptr) {
        done(core::make_error(core::ErrorCode::NotFound, "no map named " + request.map));
        return;
    }
    const std::string name = map->name;
    const core::ResolvedMapOptions& options = map->options;
    reservation::AdminPrRequest pr;
    pr.command = *command;
    pr.aptpl = request.aptpl || options.reservation_aptpl.value;
    pr.all_tg_pt = options.reservation_all_tg_pt.value;
    bool key_from_file = false;
    if (!request.key.empty()) {
        auto key = core::parse_pr_key(request.key);
        if (!key) {
            invalid(key.error().message);
            return;
        }
        if (*key == 0) {
            invalid("key 0 is no key: give the host's reservation key");
            return;
        }
        pr.key = *key;
    } else if (options.reservation_key.value.mode == core::ReservationKey::Mode::Fixed) {
        pr.key = options.reservation_key.value.key;
    } else if (options.reservation_key.value.mode == core::ReservationKey::Mode::File) {
        key_from_file = true;
    } else if (pr.command != reservation::AdminCommand::Unregister) {
        invalid(name + " has no reservation_key configured: give the key with --key");
        return;
    }
    if (!request.type.empty()) {
        if (!reservation::takes_type(pr.command)) {
            invalid(std::string(reservation::to_string(pr.command)) + " takes no reservation type");
            return;
        }
        auto type = core::parse_pr_type(request.type);
        if (!type) {
            invalid(type.error().message);
            return;
        }
        pr.type = *type;
    }
    if (reservation::takes_victim(pr.command)) {
        auto victim = core::parse_pr_key(request.victim);
        if (request.victim.empty() || !victim) {
            invalid(std::string(reservation::to_string(pr.command)) +
                    " needs the key to preempt (--victim KEY)" +
                    (request.victim.empty() ? std::string() : ": " + victim.error().message));
            return;
        }
        pr.victim = *victim;
    } else if (!request.victim.empty()) {
        invalid(std::string(reservation::to_string(pr.command)) + " takes no victim key");
        return;
    }
    if (reservations_ == nullptr) {
        done(core::make_error(core::ErrorCode::NotSupported,
                              "this daemon sends no persistent reservation commands"));
        return;
    }
    // Only the paths dm sends I/O through: a failed path would only add its timeout before the answer.
    std::vector<reservation::PathTarget> paths;
    for (const core::PathSnapshot& p : engine_.snapshot().paths) {
        if (p.map == name && p.dm_state == core::DmPathState::Active) {
            paths.push_back({p.devnode, "/dev/" + p.devnode, reservation::initiator_of_hctl(p.hctl)});
        }
    }
    if (paths.empty()) {
        done(core::make_error(core::ErrorCode::Io,
                              name + " has no path carrying I/O (dm state active) to send " +
                                  reservation::to_string(pr.command) + " through"));
        return;
    }
    logger_.log(core::LogLevel::Notice, {},
                "administrative request: " + name + ": reservation " + reservation::to_string(pr.command));
    const bool resync = reservation::changes_registrations(pr.command);
    reservations_->run_admin(
        name, pr, key_from_file, options.reservation_key.value.mode == core::ReservationKey::Mode::File,
        map->wwid, std::move(paths),
        [this, name, command = *command, resync,
         done = std::move(done)](const core::Result<reservation::AdminPrResult>& result) {
            if (result) {
                logger_.log(result->command.ok ? core::LogLevel::Notice : core::LogLevel::Warning, {},
                            name + ": reservation " + reservation::to_string(command) + ": " +
                                result->command.message);
            }
            // Whatever the command left on the target, the paths' states are read again from it.
            if (resync && engine_.map_name_of(name)) {
                sink_.feed(core::AdminRequest{core::AdminSyncRegistrations{name}});
                sink_.topology_changed();
            }
            if (!result) {
                done(result.error());
                return;
            }
            const reservation::AdminPrResult& r = *result;
            if (!r.command.ok) {
                done(reservation_error(r.command));
                return;
            }
            api::ReservationView view;
            view.map = name;
            view.command = reservation::to_string(command);
            view.message = r.command.message;
            if (r.key != 0) {
                view.key = core::format_pr_key(r.key);
            }
            if (r.status) {
                view.has_status = true;
                view.generation = r.status->generation;
                for (core::PrKey k : r.status->keys) {
                    view.keys.push_back(core::format_pr_key(k));
                }
                view.registered = r.status->registered;
                if (r.status->holder) {
                    view.holder = core::format_pr_key(r.status->holder->key);
                    view.holder_type = r.status->holder->type
                                           ? core::to_string(*r.status->holder->type)
                                           : "type " + std::to_string(r.status->holder->type_code);
                }
            }
            done(view);
        });
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
