#include "api/json.hpp"

namespace pathkeeper::api {

namespace {

nlohmann::json string_or_null(const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

// A 1-based index where 0 means "none" (a path's group, a map's active group).
nlohmann::json index_or_null(std::uint32_t index) {
    return index == 0 ? nlohmann::json(nullptr) : nlohmann::json(index);
}

// The per-map and per-path objects are filled key by key: nlohmann's initializer-list form builds a
// two-element array per key and then converts it, most of `show maps --json`'s cost (figures in
// docs/design-decisions.md). Keys come out sorted either way (nlohmann::json keeps them in a std::map).
class Object {
public:
    template <typename T>
    Object& add(const char* key, T&& value) {
        object_.emplace(key, std::forward<T>(value));
        return *this;
    }
    nlohmann::json take() { return nlohmann::json(std::move(object_)); }

private:
    nlohmann::json::object_t object_;
};

nlohmann::json holder_to_json(const std::optional<HolderView>& h) {
    if (!h) {
        return nullptr;
    }
    return Object()
        .add("device", h->device)
        .add("kind", h->kind)
        .add("redundant", h->redundant)
        .add("verdict", string_or_null(h->verdict))
        .add("reason", string_or_null(h->reason))
        .take();
}

}  // namespace

nlohmann::json path_to_json(const PathView& p) {
    nlohmann::json iscsi = nullptr;
    if (!p.target_iqn.empty() || !p.portal.empty() || !p.session_state.empty()) {
        iscsi = Object()
                    .add("target_iqn", p.target_iqn)
                    .add("portal", p.portal)
                    .add("session_state", p.session_state)
                    .take();
    }
    return Object()
        .add("devnode", p.devnode)
        .add("devt", p.devt)
        .add("wwid", p.wwid)
        .add("map", string_or_null(p.map))
        .add("group", index_or_null(p.group))
        .add("hctl", string_or_null(p.hctl))
        .add("vendor", p.vendor)
        .add("product", p.product)
        .add("revision", p.revision)
        .add("serial", p.serial)
        .add("transport", p.transport)
        .add("checker_state", p.checker_state)
        .add("dm_state", p.dm_state)
        .add("fail_count", p.fail_count)
        .add("priority", p.priority)
        .add("alua_state", p.alua_state)
        .add("size_sectors", p.size_sectors)
        .add("node_name", p.node_name)
        .add("iscsi", std::move(iscsi))
        .add("registration", string_or_null(p.registration))
        .add("registration_detail", string_or_null(p.registration_detail))
        .take();
}

nlohmann::json group_to_json(const GroupView& g) {
    return Object()
        .add("index", g.index)
        .add("selector", g.selector)
        .add("priority", g.priority)
        .add("state", g.state)
        .add("paths", g.paths)
        .take();
}

nlohmann::json map_to_json(const MapView& m) {
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& g : m.groups)
        groups.push_back(group_to_json(g));
    return Object()
        .add("name", m.name)
        .add("wwid", m.wwid)
        .add("dm_uuid", m.dm_uuid)
        .add("dm_device", string_or_null(m.dm_device))
        .add("dm_devt", string_or_null(m.dm_devt))
        .add("vendor", m.vendor)
        .add("product", m.product)
        .add("revision", m.revision)
        .add("size_sectors", m.size_sectors)
        .add("features", m.features)
        .add("hardware_handler", m.hardware_handler)
        .add("no_path_retry", m.no_path_retry)
        .add("queueing", m.queueing)
        .add("queueing_ends_at", m.queueing_ends_at ? nlohmann::json(*m.queueing_ends_at) : nlohmann::json())
        .add("active_group", index_or_null(m.active_group))
        .add("groups", std::move(groups))
        .add("suspended", m.suspended)
        .add("holder", holder_to_json(m.holder))
        .take();
}

nlohmann::json manager_to_json(const ManagerView& d) {
    return {{"version", d.version},
            {"config_path", d.config_path},
            {"map_count", d.map_count},
            {"path_count", d.path_count},
            {"failed_path_count", d.failed_path_count},
            {"checker_threads", d.checker_threads},
            {"hung_checks", d.hung_checks},
            {"queued_checks", d.queued_checks},
            {"hung_check_limit", d.hung_check_limit}};
}

namespace {

// The lists are moved into the documents: copying them was a visible share of `pathctl show maps --json`.
nlohmann::json map_list(const std::vector<MapView>& maps) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : maps)
        list.push_back(map_to_json(m));
    return list;
}

nlohmann::json path_list(const std::vector<PathView>& paths) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : paths)
        list.push_back(path_to_json(p));
    return list;
}

}  // namespace

nlohmann::json maps_document(const std::vector<MapView>& maps) {
    return {{"schema_version", kJsonSchemaVersion}, {"maps", map_list(maps)}};
}

nlohmann::json paths_document(const std::vector<PathView>& paths) {
    return {{"schema_version", kJsonSchemaVersion}, {"paths", path_list(paths)}};
}

nlohmann::json topology_document(const TopologyView& t) {
    return {{"schema_version", kJsonSchemaVersion},
            {"daemon", manager_to_json(t.manager)},
            {"maps", map_list(t.maps)},
            {"paths", path_list(t.paths)}};
}

nlohmann::json status_document(const ManagerView& manager) {
    return {{"schema_version", kJsonSchemaVersion}, {"daemon", manager_to_json(manager)}};
}

nlohmann::json known_wwids_document(const std::vector<std::string>& wwids) {
    return {{"schema_version", kJsonSchemaVersion}, {"known_wwids", wwids}};
}

nlohmann::json path_state_event_to_json(const PathStateEvent& e) {
    return {{"schema_version", kJsonSchemaVersion},
            {"event", "path_state_changed"},
            {"map", string_or_null(e.map)},
            {"path", e.path},
            {"old_state", e.old_state},
            {"new_state", e.new_state},
            {"reason", e.reason}};
}

nlohmann::json map_change_event_to_json(const MapChangeEvent& e) {
    return {{"schema_version", kJsonSchemaVersion},
            {"event", "map_changed"},
            {"map", e.map},
            {"change", e.change}};
}

nlohmann::json reservation_document(const ReservationView& v, const std::vector<PathView>& paths) {
    nlohmann::json doc{{"schema_version", kJsonSchemaVersion},
                       {"map", v.map},
                       {"command", v.command},
                       {"key", string_or_null(v.key)},
                       {"message", v.message}};
    if (!v.has_status) {
        return doc;
    }
    doc["generation"] = v.generation;
    doc["keys"] = v.keys;
    doc["registered"] = v.registered;
    doc["reservation"] = v.holder.empty() ? nlohmann::json(nullptr)
                                          : nlohmann::json{{"holder", v.holder}, {"type", v.holder_type}};
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : paths) {
        list.push_back({{"devnode", p.devnode},
                        {"dm_state", p.dm_state},
                        {"registration", string_or_null(p.registration)},
                        {"registration_detail", string_or_null(p.registration_detail)}});
    }
    doc["paths"] = std::move(list);
    return doc;
}

std::string dump_json(const nlohmann::json& document, int indent) {
    return document.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace pathkeeper::api
