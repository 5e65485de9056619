#include "fake_backend.hpp"

#include <algorithm>

#include "config/config_file.hpp"
#include "core/explain_target.hpp"
#include "core/wwid.hpp"

namespace pathkeeper::testing {

FakeBackend::FakeBackend(api::TopologyView topology, std::string config_text)
    : topology_(std::move(topology)), config_text_(std::move(config_text)) {}

core::Result<void> FakeBackend::set_path_state(const std::string& devnode, const char* checker,
                                               const char* dm, const char* reason) {
    for (auto& p : topology_.paths) {
        if (p.devnode != devnode)
            continue;
        if (p.map.empty()) {
            return core::make_error(core::ErrorCode::NotSupported, devnode + " is in no map");
        }
        std::string old_state = p.checker_state;
        p.checker_state = checker;
        p.dm_state = dm;
        std::string map = p.map;
        if (service_ != nullptr && old_state != checker) {
            service_->on_path_state_changed(map, devnode, old_state, checker, reason);
        }
        publish();
        return {};
    }
    return core::make_error(core::ErrorCode::NotFound, "no path named " + devnode);
}

core::Result<void> FakeBackend::fail_path(const std::string& devnode) {
    return set_path_state(devnode, "down", "failed", "failed by administrator");
}

core::Result<void> FakeBackend::reinstate_path(const std::string& devnode) {
    return set_path_state(devnode, "up", "active", "reinstated by administrator");
}

core::Result<void> FakeBackend::remove_path(const std::string& devnode) {
    for (auto& p : topology_.paths) {
        if (p.devnode != devnode)
            continue;
        if (p.map.empty())
            return removed_.count(devnode) != 0
                       ? core::Result<void>{}
                       : core::make_error(core::ErrorCode::NotSupported, devnode + " is in no map");
        removed_[devnode] = p.map;
        p.map.clear();
        publish();
        return {};
    }
    return core::make_error(core::ErrorCode::NotFound, "no path named " + devnode);
}

core::Result<void> FakeBackend::add_path(const std::string& devnode) {
    for (auto& p : topology_.paths) {
        if (p.devnode != devnode)
            continue;
        if (auto it = removed_.find(devnode); it != removed_.end()) {
            p.map = it->second;
            removed_.erase(it);
            publish();
        }
        return {};
    }
    return core::make_error(core::ErrorCode::NotFound, "no path named " + devnode);
}

void FakeBackend::remove_map(const std::string& map, bool deferred, RemovalDone done) {
    for (auto it = topology_.maps.begin(); it != topology_.maps.end(); ++it) {
        if (it->name != map && it->wwid != map)
            continue;
        if (auto busy = busy_maps_.find(it->name); busy != busy_maps_.end() && !deferred) {
            done(core::make_error(core::ErrorCode::Conflict, it->name + " is in use: " + busy->second));
            return;
        }
        const bool held = busy_maps_.count(it->name) != 0;
        removed_maps_[it->wwid] = topology_;
        for (auto& p : topology_.paths) {
            if (p.map == it->name)
                p.map.clear();
        }
        topology_.maps.erase(it);
        publish();
        done(held ? std::string("deferred") : std::string("removed"));
        return;
    }
    done(core::make_error(core::ErrorCode::NotFound, "no map named " + map));
}

void FakeBackend::reservation(const api::ReservationRequest& request, ReservationDone done) {
    if (topology_.find_map(request.map) == nullptr) {
        done(core::make_error(core::ErrorCode::NotFound, "no map named " + request.map));
        return;
    }
    if (auto it = reservation_errors_.find(request.map); it != reservation_errors_.end()) {
        done(it->second);
        return;
    }
    api::ReservationView view;
    view.map = request.map;
    view.command = request.command;
    view.key = request.key.empty() ? "0xabc" : request.key;
    view.message = request.command + " with key " + view.key + ": done";
    if (request.command == "status") {
        view.has_status = true;
        view.generation = 4;
        view.keys = {"0xabc", "0xabc", "0x999"};
        view.registered = view.key == "0xabc";
        view.holder = "0x999";
        view.holder_type = "write-exclusive-registrants-only";
    }
    done(view);
}

core::Result<void> FakeBackend::add_map(const std::string& target) {
    std::string wwid = target;
    for (const auto& p : topology_.paths) {
        if (p.devnode == target || "/dev/" + p.devnode == target)
            wwid = p.wwid;
    }
    auto it = removed_maps_.find(wwid);
    if (it == removed_maps_.end()) {
        for (const auto& m : topology_.maps) {
            if (m.wwid == wwid)
                return {};
        }
        for (const auto& p : topology_.paths) {
            if (p.wwid == wwid)
                return core::make_error(core::ErrorCode::NotSupported,
                                        "WWID " + wwid + " was not removed and is not multipathed");
        }
        return core::make_error(core::ErrorCode::NotFound, "no disk with WWID " + wwid + " is known");
    }
    topology_ = it->second;
    removed_maps_.erase(it);
    publish();
    return {};
}

core::Result<void> FakeBackend::switch_group(const std::string& map, unsigned group) {
    for (auto& m : topology_.maps) {
        if (m.name != map)
            continue;
        m.active_group = group;
        for (auto& g : m.groups)
            g.state = g.index == group ? "active" : "enabled";
        publish();
        return {};
    }
    return core::make_error(core::ErrorCode::NotFound, "no map named " + map);
}

core::Result<void> FakeBackend::resize_map(const std::string& map) {
    for (const auto& m : topology_.maps) {
        if (m.name == map)
            return {};
    }
    return core::make_error(core::ErrorCode::NotFound, "no map named " + map);
}

// Disable and force set the map's policy as the daemon's planner would; restore goes back to queueing.
core::Result<void> FakeBackend::set_queueing(const std::string& map, core::QueueingControl control) {
    bool found = false;
    for (auto& m : topology_.maps) {
        if (!map.empty() && m.name != map)
            continue;
        found = true;
        m.no_path_retry = control == core::QueueingControl::Disable ? "fail" : "queue";
        m.queueing = control != core::QueueingControl::Disable;
    }
    if (!found)
        return core::make_error(core::ErrorCode::NotFound, "no map named " + map);
    publish();
    return {};
}

core::Result<void> FakeBackend::edit_known_wwids(const core::AdminEditKnownWwids& edit) {
    if (edit.edit == core::KnownWwidsEdit::Reset) {
        known_wwids_.clear();
        for (const auto& m : topology_.maps)
            known_wwids_.push_back(m.wwid);
        return {};
    }
    auto resolved =
        core::resolve_wwid_target(edit.target, [this](std::string_view dev) -> std::optional<std::string> {
            const api::PathView* p = topology_.find_path(std::string(dev));
            return p != nullptr ? std::optional<std::string>(p->wwid) : std::nullopt;
        });
    if (!resolved)
        return resolved.error();
    const std::string& wwid = *resolved;
    auto it = std::find(known_wwids_.begin(), known_wwids_.end(), wwid);
    if (edit.edit == core::KnownWwidsEdit::Add) {
        if (it == known_wwids_.end())
            known_wwids_.push_back(wwid);
        return {};
    }
    if (it == known_wwids_.end())
        return core::make_error(core::ErrorCode::NotFound,
                                "WWID " + wwid + " is not in the known-WWIDs list");
    known_wwids_.erase(it);
    return {};
}

core::Result<void> FakeBackend::reconfigure(const std::optional<dbus::ConfigText>& text) {
    if (text) {
        auto parsed = config::parse_config(text->text, text->origin);
        if (!parsed)
            return parsed.error();
        config_text_ = text->text;
    } else {
        auto parsed = config::load_config_file(topology_.manager.config_path);
        if (!parsed)
            return parsed.error();
    }
    ++reconfigure_count_;
    return {};
}

core::Result<std::string> FakeBackend::config_text(bool explain) const {
    if (!explain)
        return config_text_;
    return "# every option below is at its built-in default unless the file sets it\n" + config_text_;
}

core::Result<std::string> FakeBackend::explain_config(const std::string& target) const {
    core::TopologySnapshot snapshot;
    for (const auto& m : topology_.maps) {
        core::MapSnapshot map;
        map.name = m.name;
        map.wwid = m.wwid;
        map.vendor = m.vendor;
        map.product = m.product;
        snapshot.maps.push_back(std::move(map));
    }
    for (const auto& p : topology_.paths) {
        core::PathSnapshot path;
        path.devnode = p.devnode;
        path.devt = p.devt;
        path.wwid = p.wwid;
        path.map = p.map;
        path.vendor = p.vendor;
        path.product = p.product;
        path.revision = p.revision;
        snapshot.paths.push_back(std::move(path));
    }
    auto found = core::find_explain_target(snapshot, target);
    if (!found)
        return found.error();
    auto config = config::parse_config(config_text_, "pathkeeper.yaml");
    if (!config)
        return config.error();
    return core::render_explained_target(*config, *found);
}

void FakeBackend::unplug(const std::string& devnode) {
    if (unplugged_)
        return;
    before_unplug_ = topology_;
    unplugged_ = true;
    std::erase_if(topology_.paths, [&](const api::PathView& p) { return p.devnode == devnode; });
    for (auto& m : topology_.maps) {
        for (auto& g : m.groups)
            std::erase(g.paths, devnode);
    }
    publish();
}

void FakeBackend::replug() {
    if (!unplugged_)
        return;
    topology_ = before_unplug_;
    unplugged_ = false;
    publish();
}

void FakeBackend::publish() {
    api::update_counts(topology_);
    if (service_ != nullptr)
        service_->on_topology_changed(topology_);
}

}  // namespace pathkeeper::testing
