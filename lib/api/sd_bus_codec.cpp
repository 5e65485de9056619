#include "api/sd_bus_codec.hpp"

#include <systemd/sd-bus.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <type_traits>

#include "api/wire_fields.hpp"

namespace pathkeeper::api {

namespace {

// The struct signatures of GetTopology's maps and paths, as the interface XML documents them.
constexpr const char* kGroupStruct = "usisas";
constexpr const char* kMapStruct = "sssssssstsssbua(usisas)a{sv}";
constexpr const char* kMapElement = "(sssssssstsssbua(usisas)a{sv})";
constexpr const char* kPathStruct = "ssssussssssssuistssssa{sv}";
constexpr const char* kPathElement = "(ssssussssssssuistssssa{sv})";

// The D-Bus signature of each field type the views use.
template <typename T>
struct WireType;
template <>
struct WireType<std::string> {
    static constexpr const char* kSignature = "s";
};
template <>
struct WireType<std::uint32_t> {
    static constexpr const char* kSignature = "u";
};
template <>
struct WireType<std::int32_t> {
    static constexpr const char* kSignature = "i";
};
template <>
struct WireType<std::uint64_t> {
    static constexpr const char* kSignature = "t";
};
template <>
struct WireType<std::int64_t> {
    static constexpr const char* kSignature = "x";
};
template <>
struct WireType<bool> {
    static constexpr const char* kSignature = "b";
};
template <>
struct WireType<std::vector<std::string>> {
    static constexpr const char* kSignature = "as";
};

// Reads values off one message; the first failure is kept (with what was being read) and every later read
// fails at once, so a decoder checks once at the end.
class Reader {
public:
    explicit Reader(sd_bus_message* message) : message_(message) {}

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }

    bool fail(const std::string& what) {
        if (error_.empty())
            error_ = what;
        return false;
    }
    bool check(int r, const char* what) {
        if (r > 0)
            return true;
        return fail(std::string(what) +
                    (r == 0 ? ": the message ends early" : ": " + std::string(std::strerror(-r))));
    }

    template <typename T>
    bool read(T& out) {
        if (!ok())
            return false;
        if constexpr (std::is_same_v<T, std::string>) {
            const char* text = nullptr;
            if (!check(sd_bus_message_read_basic(message_, 's', &text), "expected a string"))
                return false;
            out = text;
        } else if constexpr (std::is_same_v<T, bool>) {
            int value = 0;
            if (!check(sd_bus_message_read_basic(message_, 'b', &value), "expected a boolean"))
                return false;
            out = value != 0;
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            out.clear();
            if (!check(sd_bus_message_enter_container(message_, 'a', "s"), "expected a string array"))
                return false;
            while (at_end() == 0) {
                out.emplace_back();
                if (!read(out.back()))
                    return false;
            }
            return exit();
        } else {
            if (!check(sd_bus_message_read_basic(message_, WireType<T>::kSignature[0], &out),
                       "expected a number of type " + std::string(WireType<T>::kSignature)))
                return false;
        }
        return true;
    }
    bool check(int r, const std::string& what) { return check(r, what.c_str()); }

    bool skip(const char* signature) {
        return ok() && check(sd_bus_message_skip(message_, signature) >= 0 ? 1 : -EBADMSG, signature);
    }
    bool enter(char type, const char* contents) {
        return ok() &&
               check(sd_bus_message_enter_container(message_, type, contents), "unexpected wire type");
    }
    bool exit() {
        return ok() && check(sd_bus_message_exit_container(message_) >= 0 ? 1 : -EBADMSG, "container");
    }
    // 1 at the end of the current container, 0 before an element, -1 after a failure.
    int at_end() {
        if (!ok())
            return -1;
        int r = sd_bus_message_at_end(message_, 0);
        if (r < 0) {
            check(r, "array");
            return -1;
        }
        return r > 0 ? 1 : 0;
    }

    // Reads an a{sv}: for each entry, on_entry(key) reads the variant (true) or leaves it to be skipped
    // (false).
    template <typename OnEntry>
    bool read_dict(OnEntry&& on_entry) {
        if (!enter('a', "{sv}"))
            return false;
        while (at_end() == 0) {
            std::string key;
            if (!enter('e', "sv") || !read(key))
                return false;
            if (!on_entry(key) && ok() && !check(sd_bus_message_skip(message_, "v") >= 0 ? 1 : -EBADMSG, key))
                return false;
            if (!exit())
                return false;
        }
        return exit();
    }

    // Reads the current variant into out when it holds T; else fails naming key and both types, or, when
    // lenient, returns false and leaves the variant to be skipped.
    template <typename T>
    bool read_variant(const char* key, T& out, bool lenient = false) {
        if (!ok())
            return false;
        char type = 0;
        const char* contents = nullptr;
        if (!check(sd_bus_message_peek_type(message_, &type, &contents), key))
            return false;
        const char* expected = WireType<T>::kSignature;
        if (type != SD_BUS_TYPE_VARIANT || contents == nullptr || std::strcmp(contents, expected) != 0) {
            if (lenient)
                return false;
            return fail(std::string("key ") + key + " has D-Bus type " + (contents ? contents : "?") +
                        ", expected " + expected);
        }
        return enter('v', expected) && read(out) && exit();
    }

    // Reads the dictionary entries whose keys a key list names into target's members.
    // matched: the key was read (a lenient read leaves a wrong-typed value unmatched, to be skipped).
    template <typename Keys, typename Target>
    bool read_keyed(const std::string& key, const Keys& keys, Target& target, bool& matched,
                    bool lenient = false) {
        matched = false;
        visit_wire_keys(keys, [&](const char* name, auto member) {
            if (key != name)
                return true;
            matched = read_variant(name, target.*member, lenient);
            return false;
        });
        return ok();
    }

private:
    sd_bus_message* message_;
    std::string error_;
};

core::Error malformed(const char* what, const std::string& detail) {
    return core::make_error(core::ErrorCode::InvalidArgument,
                            std::string("malformed ") + what + " from daemon: " + detail);
}

template <typename View, typename Fields>
bool read_fields(Reader& in, View& view, const Fields& fields) {
    return std::apply([&](auto... field) { return (in.read(view.*field) && ...); }, fields);
}

bool read_manager_dict(Reader& in, ManagerView& manager) {
    return in.read_dict([&](const std::string& key) {
        bool matched = false;
        in.read_keyed(key, kManagerWireKeys, manager, matched);
        return matched;
    });
}

bool read_group(Reader& in, GroupView& group) {
    return in.enter('r', kGroupStruct) && read_fields(in, group, kGroupWireFields) && in.exit();
}

bool read_map(Reader& in, MapView& map) {
    if (!in.enter('r', kMapStruct) || !read_fields(in, map, kMapWireFields) || !in.enter('a', "(usisas)"))
        return false;
    while (in.at_end() == 0) {
        map.groups.emplace_back();
        if (!read_group(in, map.groups.back()))
            return false;
    }
    HolderView holder;
    bool has_holder = false;
    bool ok = in.exit() && in.read_dict([&](const std::string& key) {
        if (key == kMapSuspendedKey)
            return in.read_variant(kMapSuspendedKey, map.suspended, true);
        if (key == kMapQueueingEndsAtKey) {
            std::int64_t ends_at = 0;
            if (!in.read_variant(kMapQueueingEndsAtKey, ends_at, true))
                return false;
            map.queueing_ends_at = ends_at;
            return true;
        }
        bool matched = false;
        in.read_keyed(key, kMapHolderKeys, holder, matched, true);
        has_holder = has_holder || key == std::get<0>(kMapHolderKeys).first;
        return matched;
    });
    if (has_holder)
        map.holder = std::move(holder);
    return ok && in.exit();
}

bool read_path(Reader& in, PathView& path) {
    return in.enter('r', kPathStruct) && read_fields(in, path, kPathWireFields) &&
           in.read_dict([&](const std::string& key) {
               bool matched = false;
               in.read_keyed(key, kPathExtraKeys, path, matched, true);
               return matched;
           }) &&
           in.exit();
}

template <typename View, typename ReadOne>
bool read_array(Reader& in, const char* element, std::vector<View>& out, ReadOne read_one) {
    if (!in.enter('a', element))
        return false;
    while (in.at_end() == 0) {
        out.emplace_back();
        if (!read_one(in, out.back()))
            return false;
    }
    return in.exit();
}

}  // namespace

core::Result<ManagerView> read_manager(sd_bus_message* message) {
    Reader in(message);
    ManagerView manager;
    if (!read_manager_dict(in, manager))
        return malformed("manager", in.error());
    return manager;
}

core::Result<std::vector<MapView>> read_maps(sd_bus_message* message) {
    Reader in(message);
    std::vector<MapView> maps;
    if (!read_array(in, kMapElement, maps, read_map))
        return malformed("maps", in.error());
    return maps;
}

core::Result<TopologyView> read_topology(sd_bus_message* message) {
    Reader in(message);
    TopologyView topology;
    if (!read_manager_dict(in, topology.manager))
        return malformed("manager", in.error());
    if (!read_array(in, kMapElement, topology.maps, read_map))
        return malformed("maps", in.error());
    if (!read_array(in, kPathElement, topology.paths, read_path))
        return malformed("paths", in.error());
    return topology;
}

core::Result<std::vector<PathView>> read_paths(sd_bus_message* message) {
    Reader in(message);
    std::vector<PathView> paths;
    if (!read_array(in, kPathElement, paths, read_path))
        return malformed("paths", in.error());
    return paths;
}

core::Result<std::vector<PathView>> read_topology_paths(sd_bus_message* message) {
    Reader in(message);
    std::vector<PathView> paths;
    if (!in.skip((std::string("a{sv}a") + kMapElement).c_str()))
        return malformed("topology", in.error());
    if (!read_array(in, kPathElement, paths, read_path))
        return malformed("paths", in.error());
    return paths;
}

core::Result<ReservationView> read_reservation(sd_bus_message* message) {
    Reader in(message);
    ReservationView view;
    bool ok = in.read_dict([&](const std::string& key) {
        bool matched = false;
        in.read_keyed(key, kReservationKeys, view, matched);
        view.has_status = view.has_status || key == kReservationStatusKey;
        return matched;
    });
    if (!ok)
        return malformed("reservation answer", in.error());
    return view;
}

core::Result<PathStateEvent> read_path_state_event(sd_bus_message* message) {
    Reader in(message);
    PathStateEvent event;
    if (!(in.read(event.map) && in.read(event.path) && in.read(event.old_state) && in.read(event.new_state) &&
          in.read(event.reason)))
        return malformed("PathStateChanged signal", in.error());
    return event;
}

core::Result<MapChangeEvent> read_map_change_event(sd_bus_message* message) {
    Reader in(message);
    MapChangeEvent event;
    if (!(in.read(event.map) && in.read(event.change)))
        return malformed("MapChanged signal", in.error());
    return event;
}

int append_reservation_request(sd_bus_message* message, const ReservationRequest& request) {
    int r = sd_bus_message_append(message, "ss", request.map.c_str(), request.command.c_str());
    if (r >= 0)
        r = sd_bus_message_open_container(message, 'a', "{sv}");
    visit_wire_keys(kReservationOptionStringKeys, [&](const char* key, auto member) {
        if (r >= 0 && !(request.*member).empty())
            r = sd_bus_message_append(message, "{sv}", key, "s", (request.*member).c_str());
        return r >= 0;
    });
    if (r >= 0 && request.aptpl)
        r = sd_bus_message_append(message, "{sv}", kReservationAptplKey, "b", 1);
    if (r >= 0)
        r = sd_bus_message_close_container(message);
    return r < 0 ? r : 0;
}

}  // namespace pathkeeper::api
