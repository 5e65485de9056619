#include "api/dbus_codec.hpp"

#include <cstdint>

#include "api/wire_fields.hpp"

namespace pathkeeper::api {

namespace {

using core::ErrorCode;
using core::make_error;

// Every element of a list through one codec function (maps and paths, both directions).
template <typename In, typename Convert>
auto convert_all(const std::vector<In>& items, Convert convert) {
    std::vector<decltype(convert(items.front()))> out;
    out.reserve(items.size());
    for (const auto& item : items)
        out.push_back(convert(item));
    return out;
}

// Reads dict[key] into out when present. Returns false (and fills error) when the value has another type.
template <typename T>
bool read_field(const Dict& dict, const char* key, T& out, std::string& error) {
    auto it = dict.find(key);
    if (it == dict.end())
        return true;
    if (!it->second.containsValueOfType<T>()) {
        error = std::string("key ") + key + " has D-Bus type " + it->second.peekValueType() + ", expected " +
                sdbus::signature_of<T>::str();
        return false;
    }
    out = it->second.get<T>();
    return true;
}

core::Error malformed(const char* what, const std::string& detail) {
    return make_error(ErrorCode::InvalidArgument,
                      std::string("malformed ") + what + " from daemon: " + detail);
}

}  // namespace

Dict encode_manager(const ManagerView& m) {
    Dict out;
    visit_wire_keys(kManagerWireKeys, [&](const char* key, auto member) {
        out.emplace(key, sdbus::Variant(m.*member));
        return true;
    });
    return out;
}

GroupStruct encode_group(const GroupView& g) {
    return std::apply([&](auto... field) { return GroupStruct(g.*field...); }, kGroupWireFields);
}

MapStruct encode_map(const MapView& m) {
    std::vector<GroupStruct> groups;
    groups.reserve(m.groups.size());
    for (const auto& g : m.groups)
        groups.push_back(encode_group(g));
    Dict extra;
    if (m.suspended) {
        extra.emplace(kMapSuspendedKey, sdbus::Variant(true));
    }
    if (m.queueing_ends_at) {
        extra.emplace(kMapQueueingEndsAtKey, sdbus::Variant(*m.queueing_ends_at));
    }
    if (m.holder) {
        visit_wire_keys(kMapHolderKeys, [&](const char* key, auto member) {
            extra.emplace(key, sdbus::Variant(*m.holder.*member));
            return true;
        });
    }
    return std::apply(
        [&](auto... field) { return MapStruct(m.*field..., std::move(groups), std::move(extra)); },
        kMapWireFields);
}

PathStruct encode_path(const PathView& p) {
    Dict extra;
    if (!p.registration.empty()) {
        visit_wire_keys(kPathExtraKeys, [&](const char* key, auto member) {
            extra.emplace(key, sdbus::Variant(p.*member));
            return true;
        });
    }
    return std::apply([&](auto... field) { return PathStruct(p.*field..., std::move(extra)); },
                      kPathWireFields);
}

GroupView decode_group(const GroupStruct& s) {
    GroupView g;
    std::apply([&](auto... field) { std::tie(g.*field...) = s; }, kGroupWireFields);
    return g;
}

MapView decode_map(const MapStruct& s) {
    MapView m;
    std::vector<GroupStruct> groups;
    Dict extra;
    std::apply([&](auto... field) { std::tie(m.*field..., groups, extra) = s; }, kMapWireFields);
    std::string ignored;
    (void)read_field(extra, kMapSuspendedKey, m.suspended, ignored);
    if (std::int64_t ends_at = 0;
        extra.contains(kMapQueueingEndsAtKey) && read_field(extra, kMapQueueingEndsAtKey, ends_at, ignored)) {
        m.queueing_ends_at = ends_at;
    }
    if (extra.contains(std::get<0>(kMapHolderKeys).first)) {
        HolderView h;
        visit_wire_keys(kMapHolderKeys, [&](const char* key, auto member) {
            (void)read_field(extra, key, h.*member, ignored);
            return true;
        });
        m.holder = std::move(h);
    }
    m.groups.reserve(groups.size());
    for (const auto& g : groups)
        m.groups.push_back(decode_group(g));
    return m;
}

PathView decode_path(const PathStruct& s) {
    PathView p;
    Dict extra;
    std::apply([&](auto... field) { std::tie(p.*field..., extra) = s; }, kPathWireFields);
    std::string ignored;
    visit_wire_keys(kPathExtraKeys, [&](const char* key, auto member) {
        (void)read_field(extra, key, p.*member, ignored);
        return true;
    });
    return p;
}

std::vector<MapStruct> encode_maps(const std::vector<MapView>& maps) {
    return convert_all(maps, encode_map);
}

std::vector<MapView> decode_maps(const std::vector<MapStruct>& maps) {
    return convert_all(maps, decode_map);
}

TopologyReply encode_topology(const TopologyView& t) {
    return {encode_manager(t.manager), encode_maps(t.maps), convert_all(t.paths, encode_path)};
}

core::Result<ManagerView> decode_manager(const Dict& d) {
    ManagerView m;
    std::string e;
    if (!visit_wire_keys(kManagerWireKeys,
                         [&](const char* key, auto member) { return read_field(d, key, m.*member, e); })) {
        return malformed("manager", e);
    }
    return m;
}

core::Result<TopologyView> decode_topology(const TopologyReply& reply) {
    TopologyView t;
    auto manager = decode_manager(std::get<0>(reply));
    if (!manager)
        return manager.error();
    t.manager = std::move(*manager);
    t.maps = decode_maps(std::get<1>(reply));
    t.paths = convert_all(std::get<2>(reply), decode_path);
    return t;
}

Dict encode_reservation_options(const ReservationRequest& r) {
    Dict out;
    visit_wire_keys(kReservationOptionStringKeys, [&](const char* key, auto member) {
        if (!(r.*member).empty())
            out.emplace(key, sdbus::Variant(r.*member));
        return true;
    });
    if (r.aptpl)
        out.emplace(kReservationAptplKey, sdbus::Variant(true));
    return out;
}

core::Result<ReservationRequest> decode_reservation_options(std::string map, std::string command,
                                                            const Dict& options) {
    ReservationRequest r;
    r.map = std::move(map);
    r.command = std::move(command);
    std::string e;
    if (!visit_wire_keys(
            kReservationOptionStringKeys,
            [&](const char* key, auto member) { return read_field(options, key, r.*member, e); }) ||
        !read_field(options, kReservationAptplKey, r.aptpl, e)) {
        return make_error(ErrorCode::InvalidArgument, "reservation options: " + e);
    }
    return r;
}

Dict encode_reservation(const ReservationView& v) {
    Dict out{{"Map", sdbus::Variant(v.map)},
             {"Command", sdbus::Variant(v.command)},
             {"Key", sdbus::Variant(v.key)},
             {"Message", sdbus::Variant(v.message)}};
    if (v.has_status) {
        out.emplace("Generation", sdbus::Variant(v.generation));
        out.emplace("Keys", sdbus::Variant(v.keys));
        out.emplace("Registered", sdbus::Variant(v.registered));
        out.emplace("Holder", sdbus::Variant(v.holder));
        out.emplace("HolderType", sdbus::Variant(v.holder_type));
    }
    return out;
}

core::Result<ReservationView> decode_reservation(const Dict& d) {
    ReservationView v;
    std::string e;
    v.has_status = d.contains(kReservationStatusKey);
    if (!visit_wire_keys(kReservationKeys,
                         [&](const char* key, auto member) { return read_field(d, key, v.*member, e); })) {
        return malformed("reservation answer", e);
    }
    return v;
}

std::string escape_object_path_component(std::string_view text) {
    if (text.empty())
        return "_";
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        bool plain =
            (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9');
        if (plain) {
            out.push_back(c);
        } else {
            out.push_back('_');
            out.push_back(kHex[byte >> 4]);
            out.push_back(kHex[byte & 0xf]);
        }
    }
    return out;
}

core::Result<std::string> unescape_object_path_component(std::string_view text) {
    if (text == "_")
        return std::string();
    auto hex_value = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '_') {
            out.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size()) {
            return make_error(ErrorCode::InvalidArgument, "truncated escape in object path component");
        }
        int hi = hex_value(text[i + 1]);
        int lo = hex_value(text[i + 2]);
        if (hi < 0 || lo < 0)
            return make_error(ErrorCode::InvalidArgument, "bad escape in object path component");
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

std::string map_object_path(std::string_view map_name) {
    return std::string(kRootObjectPath) + "/maps/" + escape_object_path_component(map_name);
}

std::string path_object_path(std::string_view devnode) {
    return std::string(kRootObjectPath) + "/paths/" + escape_object_path_component(devnode);
}

}  // namespace pathkeeper::api
