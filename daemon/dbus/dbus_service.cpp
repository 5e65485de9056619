#include "daemon/dbus/dbus_service.hpp"

#include <api/pathkeeper1_adaptor.h>
#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/arguments.hpp"
#include "api/dbus_codec.hpp"
#include "api/errors.hpp"
#include "core/explain_target.hpp"
#include "core/text.hpp"
#include "daemon/dbus/read_scheduler.hpp"

namespace pathkeeper::dbus {

namespace {

using api::ApiError;

[[noreturn]] void raise(ApiError error, const std::string& message) {
    throw sdbus::Error(std::string(api::dbus_error_name(error)), message);
}

[[noreturn]] void raise(const core::Error& error, ApiError not_found_means) {
    raise(api::api_error_from_core(error.code, not_found_means), error.message);
}

// Argument checks live in lib/api/arguments (shared with the fuzz target); here a rejection becomes the
// D-Bus error.
std::string checked_devnode(std::string_view devnode) {
    auto dev = api::parse_devnode_argument(devnode);
    if (!dev)
        raise(dev.error(), ApiError::InvalidArgument);
    return std::move(*dev);
}

std::string checked_map_name(std::string_view name) {
    auto checked = api::parse_map_name_argument(name);
    if (!checked)
        raise(checked.error(), ApiError::InvalidArgument);
    return std::move(*checked);
}

std::vector<std::string> member_devnodes(const api::MapView& map) {
    std::vector<std::string> out;
    for (const auto& g : map.groups)
        out.insert(out.end(), g.paths.begin(), g.paths.end());
    return out;
}

// Names of the properties that differ, in interface order.
std::vector<std::string> changed_map_properties(const api::MapView& a, const api::MapView& b) {
    std::vector<std::string> out;
    auto check = [&](const char* name, bool same) {
        if (!same)
            out.emplace_back(name);
    };
    check("Wwid", a.wwid == b.wwid);
    check("DmUuid", a.dm_uuid == b.dm_uuid);
    check("DmDevice", a.dm_device == b.dm_device);
    check("DmDevt", a.dm_devt == b.dm_devt);
    check("Vendor", a.vendor == b.vendor);
    check("Product", a.product == b.product);
    check("Revision", a.revision == b.revision);
    check("SizeSectors", a.size_sectors == b.size_sectors);
    check("Features", a.features == b.features);
    check("HardwareHandler", a.hardware_handler == b.hardware_handler);
    check("NoPathRetry", a.no_path_retry == b.no_path_retry);
    check("Queueing", a.queueing == b.queueing);
    check("Holder", a.holder == b.holder);
    check("ActiveGroup", a.active_group == b.active_group);
    check("Groups", a.groups == b.groups);
    check("Paths", member_devnodes(a) == member_devnodes(b));
    return out;
}

std::vector<std::string> changed_path_properties(const api::PathView& a, const api::PathView& b) {
    std::vector<std::string> out;
    auto check = [&](const char* name, bool same) {
        if (!same)
            out.emplace_back(name);
    };
    check("Devt", a.devt == b.devt);
    check("Wwid", a.wwid == b.wwid);
    check("Map", a.map == b.map);
    check("Group", a.group == b.group);
    check("Hctl", a.hctl == b.hctl);
    check("Vendor", a.vendor == b.vendor);
    check("Product", a.product == b.product);
    check("Revision", a.revision == b.revision);
    check("Serial", a.serial == b.serial);
    check("Transport", a.transport == b.transport);
    check("CheckerState", a.checker_state == b.checker_state);
    check("DmState", a.dm_state == b.dm_state);
    check("FailCount", a.fail_count == b.fail_count);
    check("Priority", a.priority == b.priority);
    check("AluaState", a.alua_state == b.alua_state);
    check("SizeSectors", a.size_sectors == b.size_sectors);
    check("NodeName", a.node_name == b.node_name);
    check("TargetIqn", a.target_iqn == b.target_iqn);
    check("Portal", a.portal == b.portal);
    check("SessionState", a.session_state == b.session_state);
    check("Registration", a.registration == b.registration);
    check("RegistrationDetail", a.registration_detail == b.registration_detail);
    return out;
}

class MapObject final
    : public sdbus::AdaptorInterfaces<org::pathkeeper::PathKeeper1::Map_adaptor, sdbus::ManagedObject_adaptor,
                                      sdbus::Properties_adaptor> {
public:
    MapObject(sdbus::IConnection& connection, api::MapView view)
        : AdaptorInterfaces(connection, api::map_object_path(view.name)), view_(std::move(view)) {
        registerAdaptor();
        emitInterfacesAddedSignal({api::kMapInterface});
    }
    ~MapObject() {
        // Destructors must not throw: at shutdown the bus may already be gone (the signal then cannot be
        // sent).
        try {
            emitInterfacesRemovedSignal({api::kMapInterface});
        } catch (const sdbus::Error&) {
        }
        unregisterAdaptor();
    }

    void update(api::MapView view) {
        auto changed = changed_map_properties(view_, view);
        view_ = std::move(view);
        if (!changed.empty())
            emitPropertiesChangedSignal(api::kMapInterface, changed);
    }

private:
    std::string Name() override { return view_.name; }
    std::string Wwid() override { return view_.wwid; }
    std::string DmUuid() override { return view_.dm_uuid; }
    std::string DmDevice() override { return view_.dm_device; }
    std::string DmDevt() override { return view_.dm_devt; }
    std::string Vendor() override { return view_.vendor; }
    std::string Product() override { return view_.product; }
    std::string Revision() override { return view_.revision; }
    uint64_t SizeSectors() override { return view_.size_sectors; }
    std::string Features() override { return view_.features; }
    std::string HardwareHandler() override { return view_.hardware_handler; }
    std::string NoPathRetry() override { return view_.no_path_retry; }
    bool Queueing() override { return view_.queueing; }
    std::map<std::string, sdbus::Variant> Holder() override {
        std::map<std::string, sdbus::Variant> out;
        if (view_.holder) {
            out.emplace("Device", sdbus::Variant(view_.holder->device));
            out.emplace("Kind", sdbus::Variant(view_.holder->kind));
            out.emplace("Redundant", sdbus::Variant(view_.holder->redundant));
            out.emplace("Verdict", sdbus::Variant(view_.holder->verdict));
            out.emplace("Reason", sdbus::Variant(view_.holder->reason));
        }
        return out;
    }
    uint32_t ActiveGroup() override { return view_.active_group; }
    std::vector<sdbus::Struct<uint32_t, std::string, int32_t, std::string, std::vector<std::string>>> Groups()
        override {
        std::vector<sdbus::Struct<uint32_t, std::string, int32_t, std::string, std::vector<std::string>>> out;
        for (const auto& g : view_.groups)
            out.emplace_back(g.index, g.selector, g.priority, g.state, g.paths);
        return out;
    }
    std::vector<sdbus::ObjectPath> Paths() override {
        std::vector<sdbus::ObjectPath> out;
        for (const auto& dev : member_devnodes(view_))
            out.emplace_back(api::path_object_path(dev));
        return out;
    }

    api::MapView view_;
};

class PathObject final
    : public sdbus::AdaptorInterfaces<org::pathkeeper::PathKeeper1::Path_adaptor,
                                      sdbus::ManagedObject_adaptor, sdbus::Properties_adaptor> {
public:
    PathObject(sdbus::IConnection& connection, api::PathView view)
        : AdaptorInterfaces(connection, api::path_object_path(view.devnode)), view_(std::move(view)) {
        registerAdaptor();
        emitInterfacesAddedSignal({api::kPathInterface});
    }
    ~PathObject() {
        // Destructors must not throw: at shutdown the bus may already be gone (the signal then cannot be
        // sent).
        try {
            emitInterfacesRemovedSignal({api::kPathInterface});
        } catch (const sdbus::Error&) {
        }
        unregisterAdaptor();
    }

    void update(api::PathView view) {
        auto changed = changed_path_properties(view_, view);
        view_ = std::move(view);
        if (!changed.empty())
            emitPropertiesChangedSignal(api::kPathInterface, changed);
    }

private:
    std::string Devnode() override { return view_.devnode; }
    std::string Devt() override { return view_.devt; }
    std::string Wwid() override { return view_.wwid; }
    std::string Map() override { return view_.map; }
    uint32_t Group() override { return view_.group; }
    std::string Hctl() override { return view_.hctl; }
    std::string Vendor() override { return view_.vendor; }
    std::string Product() override { return view_.product; }
    std::string Revision() override { return view_.revision; }
    std::string Serial() override { return view_.serial; }
    std::string Transport() override { return view_.transport; }
    std::string CheckerState() override { return view_.checker_state; }
    std::string DmState() override { return view_.dm_state; }
    uint32_t FailCount() override { return view_.fail_count; }
    int32_t Priority() override { return view_.priority; }
    std::string AluaState() override { return view_.alua_state; }
    uint64_t SizeSectors() override { return view_.size_sectors; }
    std::string NodeName() override { return view_.node_name; }
    std::string TargetIqn() override { return view_.target_iqn; }
    std::string Portal() override { return view_.portal; }
    std::string SessionState() override { return view_.session_state; }
    std::string Registration() override { return view_.registration; }
    std::string RegistrationDetail() override { return view_.registration_detail; }

    api::PathView view_;
};

}  // namespace

class DbusService::Impl final
    : public sdbus::AdaptorInterfaces<org::pathkeeper::PathKeeper1::Manager_adaptor,
                                      sdbus::ObjectManager_adaptor, sdbus::Properties_adaptor> {
public:
    Impl(sdbus::IConnection& connection, ServiceBackend& backend)
        : AdaptorInterfaces(connection, api::kRootObjectPath), connection_(connection), backend_(backend) {
        scheduler_ = std::make_unique<ReadScheduler>(
            getObject(), [this](const std::string& sender, const ReadScheduler::UidOf& uid_of) {
                return caller_uid(sender, uid_of);
            });
        registerAdaptor();
        apply(backend_.snapshot());
    }
    ~Impl() {
        pending_removals_->clear();  // unanswered: the connection they would answer on goes next
        pending_reservations_->clear();
        maps_.clear();
        paths_.clear();
        unregisterAdaptor();
    }

    void claim_bus_name() { connection_.requestName(api::kBusName); }

    // Brings the published objects in line with snapshot, emitting the signals for each difference.
    void apply(api::TopologyView snapshot) {
        api::make_valid_utf8(snapshot);  // one odd INQUIRY byte must not make sd-bus refuse every signal
        api::update_counts(snapshot);
        std::map<std::string, const api::MapView*> new_maps;
        for (const auto& m : snapshot.maps)
            new_maps.emplace(m.name, &m);
        std::map<std::string, const api::PathView*> new_paths;
        for (const auto& p : snapshot.paths)
            new_paths.emplace(p.devnode, &p);

        std::vector<std::pair<std::string, std::string>> map_changes;
        // Maps go first on removal and last on addition, so a map's Paths never name a missing object.
        for (auto it = maps_.begin(); it != maps_.end();) {
            if (new_maps.count(it->first) == 0) {
                map_changes.emplace_back(it->first, "removed");
                it = maps_.erase(it);
            } else {
                ++it;
            }
        }
        for (auto it = paths_.begin(); it != paths_.end();) {
            it = new_paths.count(it->first) == 0 ? paths_.erase(it) : std::next(it);
        }
        // A map whose member path changed state has changed too (its usable path count did).
        std::set<std::string> changed_paths;
        for (const auto& [dev, view] : new_paths) {
            auto it = paths_.find(dev);
            if (it == paths_.end()) {
                paths_.emplace(dev, std::make_unique<PathObject>(connection_, *view));
                changed_paths.insert(dev);
            } else {
                const api::PathView* old_view = published_.find_path(dev);
                if (old_view == nullptr || !(*old_view == *view))
                    changed_paths.insert(dev);
                it->second->update(*view);
            }
        }
        for (const auto& [name, view] : new_maps) {
            auto it = maps_.find(name);
            if (it == maps_.end()) {
                maps_.emplace(name, std::make_unique<MapObject>(connection_, *view));
                map_changes.emplace_back(name, "added");
            } else {
                const api::MapView* old_view = published_.find_map(name);
                auto members = member_devnodes(*view);
                bool member_changed =
                    std::any_of(members.begin(), members.end(),
                                [&](const std::string& dev) { return changed_paths.count(dev) > 0; });
                if (old_view == nullptr || !(*old_view == *view) || member_changed) {
                    map_changes.emplace_back(name, "changed");
                }
                it->second->update(*view);
            }
        }

        std::vector<std::string> manager_changes;
        const auto& before = published_.manager;
        const auto& after = snapshot.manager;
        if (before.config_path != after.config_path)
            manager_changes.emplace_back("ConfigPath");
        if (before.map_count != after.map_count)
            manager_changes.emplace_back("MapCount");
        if (before.path_count != after.path_count)
            manager_changes.emplace_back("PathCount");
        if (before.failed_path_count != after.failed_path_count)
            manager_changes.emplace_back("FailedPathCount");
        if (before.checker_threads != after.checker_threads)
            manager_changes.emplace_back("CheckerThreads");
        if (before.hung_checks != after.hung_checks)
            manager_changes.emplace_back("HungChecks");
        if (before.queued_checks != after.queued_checks)
            manager_changes.emplace_back("QueuedChecks");
        const bool first = !initialised_;
        published_ = std::move(snapshot);
        initialised_ = true;
        if (first)
            return;  // nobody can have seen the previous (empty) state
        if (!manager_changes.empty())
            emitPropertiesChangedSignal(api::kManagerInterface, manager_changes);
        for (const auto& [name, change] : map_changes)
            emitMapChanged(name, change);
    }

    void path_state_changed(const std::string& map, const std::string& path, const std::string& old_state,
                            const std::string& new_state, const std::string& reason) {
        // Names and reasons may carry bytes from INQUIRY data or the config; sd-bus wants UTF-8.
        using core::text::to_valid_utf8;
        emitPathStateChanged(to_valid_utf8(map), to_valid_utf8(path), to_valid_utf8(old_state),
                             to_valid_utf8(new_state), to_valid_utf8(reason));
    }

    const api::TopologyView& published() const { return published_; }

    bool process_turn() {
        bool more = true;
        for (unsigned i = 0; i < kMessagesPerTurn && more; ++i) {
            more = connection_.processPendingRequest();
        }
        // Held reads let through now are answered first in the next turn.
        return scheduler_->release_turn() || more;
    }

private:
    // Mutations are for root only. The uid comes from the bus (the sender's connection credentials), never
    // from the message body. If the credentials cannot be established the call is refused.
    void require_root(const char* method) {
        if (caller_uid() != 0) {
            raise(ApiError::AccessDenied,
                  std::string(method) + " changes the I/O path and is allowed to root only");
        }
    }

    // The caller's uid, asked of the bus once per connection: a bus never reuses a unique name, and a
    // flood of calls must not cost a credentials round trip each.
    std::optional<uid_t> caller_uid() {
        const sdbus::Message* message = getObject().getCurrentlyProcessedMessage();
        if (message == nullptr)
            return std::nullopt;
        return caller_uid(message->getSender(), [message]() -> std::optional<uid_t> {
            try {
                return message->getCredsUid();
            } catch (const sdbus::Error&) {
                return std::nullopt;
            }
        });
    }
    std::optional<uid_t> caller_uid(std::string sender, const ReadScheduler::UidOf& uid_of) {
        if (auto it = uid_of_sender_.find(sender); it != uid_of_sender_.end())
            return it->second;
        const std::optional<uid_t> asked = uid_of();
        if (!asked)
            return std::nullopt;
        const uid_t uid = *asked;
        if (uid_of_sender_.size() >= kSendersRemembered)
            uid_of_sender_.clear();  // connections come and go; only the busy ones matter
        uid_of_sender_.emplace(std::move(sender), uid);
        return uid;
    }

    // Encoded once per view the backend hands out: reads between two changes cost a copy, not a rebuild.
    const api::TopologyReply& topology_reply() {
        auto view = backend_.shared_snapshot();
        if (view != encoded_from_) {
            auto snapshot = *view;
            api::make_valid_utf8(snapshot);
            api::update_counts(snapshot);
            encoded_ = api::encode_topology(snapshot);
            encoded_from_ = std::move(view);  // held, so its address cannot come back for another view
        }
        return encoded_;
    }

    api::TopologyReply GetTopology() override { return topology_reply(); }

    std::vector<api::MapStruct> GetMaps() override { return std::get<1>(topology_reply()); }

    std::vector<api::PathStruct> GetPaths() override { return std::get<2>(topology_reply()); }

    std::string GetConfig(const bool& explain) override {
        auto text = backend_.config_text(explain);
        if (!text)
            raise(text.error(), ApiError::Failed);
        return std::move(*text);
    }

    // An unknown target written like a path is NoSuchPath, anything else NoSuchMap.
    std::string ExplainConfig(const std::string& target) override {
        auto checked = api::parse_explain_target_argument(target);
        if (!checked)
            raise(checked.error(), ApiError::InvalidArgument);
        auto text = backend_.explain_config(*checked);
        if (!text) {
            raise(api::api_error_from_core(text.error().code, core::names_a_path(*checked)
                                                                  ? ApiError::NoSuchPath
                                                                  : ApiError::NoSuchMap),
                  core::text::to_valid_utf8(text.error().message));
        }
        return core::text::to_valid_utf8(*text);
    }

    // Whether the path exists is the backend's to say (NotFound becomes NoSuchPath): one look-up, no
    // topology built for it.
    void FailPath(const std::string& devnode) override {
        require_root("FailPath");
        auto dev = checked_devnode(devnode);
        auto result = backend_.fail_path(dev);
        if (!result)
            raise(result.error(), ApiError::NoSuchPath);
    }

    void ReinstatePath(const std::string& devnode) override {
        require_root("ReinstatePath");
        auto dev = checked_devnode(devnode);
        auto result = backend_.reinstate_path(dev);
        if (!result)
            raise(result.error(), ApiError::NoSuchPath);
    }

    void RemovePath(const std::string& devnode) override {
        require_root("RemovePath");
        auto result = backend_.remove_path(checked_devnode(devnode));
        if (!result)
            raise(result.error(), ApiError::NoSuchPath);
    }

    void AddPath(const std::string& devnode) override {
        require_root("AddPath");
        auto result = backend_.add_path(checked_devnode(devnode));
        if (!result)
            raise(result.error(), ApiError::NoSuchPath);
    }

    // The reply waits for device-mapper (the worker's answer reaches the backend on this loop thread later).
    // The pending replies are kept here, not in the backend: a reply must not outlive the connection it
    // answers on, and the service goes before its connection when the bus is lost.
    void RemoveMap(sdbus::Result<std::string>&& result, std::string map, bool deferred) override {
        require_root("RemoveMap");
        auto name = checked_map_name(map);
        const std::uint64_t id = next_removal_++;
        pending_removals_->emplace(id, std::move(result));
        std::weak_ptr<PendingRemovals> pending = pending_removals_;
        backend_.remove_map(name, deferred, [pending, id](const core::Result<std::string>& done) {
            auto replies = pending.lock();
            if (!replies)
                return;  // the service is gone, and the caller's connection with it
            auto node = replies->extract(id);
            if (node.empty())
                return;
            const sdbus::Result<std::string>& reply = node.mapped();
            try {
                if (done) {
                    reply.returnResults(*done);
                    return;
                }
                // dm's EBUSY, or the holders found: the map is open.
                const ApiError error = done.error().code == core::ErrorCode::Conflict
                                           ? ApiError::Busy
                                           : api::api_error_from_core(done.error().code, ApiError::NoSuchMap);
                reply.returnError(sdbus::Error(std::string(api::dbus_error_name(error)),
                                               core::text::to_valid_utf8(done.error().message)));
            } catch (const sdbus::Error&) {
                // The caller or the bus went away meanwhile: nobody to answer.
            }
        });
    }

    // Answered once the storage did (a PR command through a dead path waits out its timeout): the reply is
    // kept here like RemoveMap's.
    void Reservation(sdbus::Result<std::map<std::string, sdbus::Variant>>&& result, std::string map,
                     std::string command, std::map<std::string, sdbus::Variant> options) override {
        require_root("Reservation");
        auto name = checked_map_name(map);
        if (command.size() > kMaxReservationArgument) {
            raise(ApiError::InvalidArgument, "the reservation command is " + std::to_string(command.size()) +
                                                 " bytes long; at most " +
                                                 std::to_string(kMaxReservationArgument) + " are accepted");
        }
        auto request = api::decode_reservation_options(name, core::text::to_valid_utf8(command), options);
        if (!request)
            raise(request.error(), ApiError::InvalidArgument);
        for (std::string* field : {&request->key, &request->type, &request->victim}) {
            if (field->size() > kMaxReservationArgument) {
                raise(ApiError::InvalidArgument,
                      "a reservation key or type of " + std::to_string(field->size()) + " bytes; at most " +
                          std::to_string(kMaxReservationArgument) + " are accepted");
            }
            *field = core::text::to_valid_utf8(*field);
        }
        const std::uint64_t id = next_reservation_++;
        pending_reservations_->emplace(id, std::move(result));
        std::weak_ptr<PendingReservations> pending = pending_reservations_;
        backend_.reservation(*request, [pending, id](const core::Result<api::ReservationView>& done) {
            auto replies = pending.lock();
            if (!replies)
                return;  // the service is gone, and the caller's connection with it
            auto node = replies->extract(id);
            if (node.empty())
                return;
            try {
                if (done) {
                    api::ReservationView view = *done;
                    view.message = core::text::to_valid_utf8(view.message);
                    node.mapped().returnResults(api::encode_reservation(view));
                    return;
                }
                const ApiError error = done.error().code == core::ErrorCode::Conflict
                                           ? ApiError::ReservationConflict
                                           : api::api_error_from_core(done.error().code, ApiError::NoSuchMap);
                node.mapped().returnError(sdbus::Error(std::string(api::dbus_error_name(error)),
                                                       core::text::to_valid_utf8(done.error().message)));
            } catch (const sdbus::Error&) {
                // The caller or the bus went away meanwhile: nobody to answer.
            }
        });
    }
    static constexpr std::size_t kMaxReservationArgument = 64;

    void AddMap(const std::string& target) override {
        require_root("AddMap");
        if (target.empty() || target.size() > kMaxKnownWwidTarget) {
            raise(ApiError::InvalidArgument, "the WWID or disk is " + std::to_string(target.size()) +
                                                 " bytes long; 1 to " + std::to_string(kMaxKnownWwidTarget) +
                                                 " are accepted");
        }
        auto result = backend_.add_map(target);
        if (!result) {
            raise(api::api_error_from_core(result.error().code, ApiError::NoSuchMap),
                  core::text::to_valid_utf8(result.error().message));
        }
    }

    void SwitchGroup(const std::string& map, const uint32_t& group) override {
        require_root("SwitchGroup");
        auto name = checked_map_name(map);
        auto snapshot = backend_.snapshot();
        const api::MapView* view = snapshot.find_map(name);
        if (view == nullptr)
            raise(ApiError::NoSuchMap, "no map named " + name);
        if (group == 0 || group > view->groups.size()) {
            raise(ApiError::NoSuchGroup, name + " has " + std::to_string(view->groups.size()) +
                                             " path group(s); there is no group " + std::to_string(group));
        }
        auto result = backend_.switch_group(name, group);
        if (!result)
            raise(result.error(), ApiError::NoSuchMap);
    }

    void SetQueueing(const std::string& map, const std::string& control) override {
        require_root("SetQueueing");
        auto name = map.empty() ? std::string() : checked_map_name(map);
        auto parsed = core::parse_queueing_control(control);
        if (!parsed) {
            raise(ApiError::InvalidArgument, "queueing control must be disable, restore or force, not \"" +
                                                 core::text::to_valid_utf8(control) + "\"");
        }
        auto result = backend_.set_queueing(name, *parsed);
        if (!result)
            raise(result.error(), ApiError::NoSuchMap);
    }

    void ResizeMap(const std::string& map) override {
        require_root("ResizeMap");
        auto result = backend_.resize_map(checked_map_name(map));
        if (!result)
            raise(result.error(), ApiError::NoSuchMap);
    }

    std::vector<std::string> GetKnownWwids() override {
        auto wwids = backend_.known_wwids();
        for (auto& w : wwids)
            w = core::text::to_valid_utf8(w);
        return wwids;
    }

    void AddKnownWwid(const std::string& target) override {
        require_root("AddKnownWwid");
        edit_known_wwids(core::KnownWwidsEdit::Add, target);
    }

    void RemoveKnownWwid(const std::string& target) override {
        require_root("RemoveKnownWwid");
        edit_known_wwids(core::KnownWwidsEdit::Remove, target);
    }

    void ResetKnownWwids() override {
        require_root("ResetKnownWwids");
        edit_known_wwids(core::KnownWwidsEdit::Reset, {});
    }

    // The target's bytes come back quoted in the error message, which sd-bus wants short and UTF-8.
    void edit_known_wwids(core::KnownWwidsEdit edit, const std::string& target) {
        if (target.size() > kMaxKnownWwidTarget) {
            raise(ApiError::InvalidArgument, "the WWID or path is " + std::to_string(target.size()) +
                                                 " bytes long; at most " +
                                                 std::to_string(kMaxKnownWwidTarget) + " are accepted");
        }
        auto result = backend_.edit_known_wwids(core::AdminEditKnownWwids{edit, target});
        if (!result) {
            raise(api::api_error_from_core(result.error().code, ApiError::NotSupported),
                  core::text::to_valid_utf8(result.error().message));
        }
    }
    static constexpr std::size_t kMaxKnownWwidTarget = 256;

    void Reconfigure() override {
        require_root("Reconfigure");
        auto result = backend_.reconfigure(std::nullopt);
        if (!result)
            raise(result.error(), ApiError::Failed);
    }

    void LoadConfig(const std::string& text, const std::string& origin) override {
        require_root("LoadConfig");
        auto checked_origin = api::parse_config_text_arguments(text, origin);
        if (!checked_origin)
            raise(checked_origin.error(), ApiError::InvalidArgument);
        auto result = backend_.reconfigure(ConfigText{text, std::move(*checked_origin)});
        if (!result)
            raise(result.error(), ApiError::Failed);
    }

    std::string Version() override { return published_.manager.version; }
    std::string ConfigPath() override { return published_.manager.config_path; }
    uint32_t MapCount() override { return published_.manager.map_count; }
    uint32_t PathCount() override { return published_.manager.path_count; }
    uint32_t FailedPathCount() override { return published_.manager.failed_path_count; }
    uint32_t CheckerThreads() override { return published_.manager.checker_threads; }
    uint32_t HungChecks() override { return published_.manager.hung_checks; }
    uint32_t QueuedChecks() override { return published_.manager.queued_checks; }
    uint32_t HungCheckLimit() override { return published_.manager.hung_check_limit; }

    sdbus::IConnection& connection_;
    ServiceBackend& backend_;
    api::TopologyView published_;
    bool initialised_ = false;
    std::shared_ptr<const api::TopologyView> encoded_from_;
    api::TopologyReply encoded_;
    static constexpr std::size_t kSendersRemembered = 1024;
    std::unordered_map<std::string, uid_t> uid_of_sender_;
    std::unique_ptr<ReadScheduler> scheduler_;  // unprivileged reads, the service's and sd-bus's own
    using PendingRemovals = std::map<std::uint64_t, sdbus::Result<std::string>>;
    std::shared_ptr<PendingRemovals> pending_removals_ = std::make_shared<PendingRemovals>();
    std::uint64_t next_removal_ = 0;
    using PendingReservations = std::map<std::uint64_t, sdbus::Result<std::map<std::string, sdbus::Variant>>>;
    std::shared_ptr<PendingReservations> pending_reservations_ = std::make_shared<PendingReservations>();
    std::uint64_t next_reservation_ = 0;
    std::map<std::string, std::unique_ptr<MapObject>> maps_;
    std::map<std::string, std::unique_ptr<PathObject>> paths_;
};

DbusService::DbusService(sdbus::IConnection& connection, ServiceBackend& backend)
    : impl_(std::make_unique<Impl>(connection, backend)) {}

DbusService::~DbusService() = default;

void DbusService::claim_bus_name() {
    impl_->claim_bus_name();
}

void DbusService::on_topology_changed(const api::TopologyView& snapshot) {
    impl_->apply(snapshot);
}

void DbusService::on_path_state_changed(const std::string& map, const std::string& path,
                                        const std::string& old_state, const std::string& new_state,
                                        const std::string& reason) {
    impl_->path_state_changed(map, path, old_state, new_state, reason);
}

bool DbusService::process_turn() {
    return impl_->process_turn();
}

const api::TopologyView& DbusService::published() const {
    return impl_->published();
}

}  // namespace pathkeeper::dbus
