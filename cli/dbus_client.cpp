#include "cli/dbus_client.hpp"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "api/sd_bus_codec.hpp"

namespace pathkeeper::cli {

namespace {

// A PR command through several paths may wait out a timeout on each of them (30 s by default): the call
// gets far longer than the bus's default 25 s before pathctl gives up on the answer.
constexpr std::uint64_t kReservationTimeoutUsec = 5ULL * 60 * 1000 * 1000;

struct MessageUnref {
    void operator()(sd_bus_message* message) const { sd_bus_message_unref(message); }
};
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;

// An sd_bus_error that frees itself.
struct BusError {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    BusError() = default;
    BusError(const BusError&) = delete;
    BusError& operator=(const BusError&) = delete;
    ~BusError() { sd_bus_error_free(&error); }
};

// A failed call: the daemon's (or the bus's) error name and message; sd-bus names a local failure
// (timeout, lost connection) after its errno.
ClientError error_from(const sd_bus_error& e, int r) {
    ClientError error;
    if (sd_bus_error_is_set(&e)) {
        error.name = e.name;
        error.message = e.message != nullptr ? e.message : "";
    } else {
        error.name = "org.freedesktop.DBus.Error.Disconnected";
        error.message = std::strerror(-r);
    }
    // System.Error.* names are sd-bus's own for an errno of this process: the daemon never sends them.
    error.kind = is_unreachable_error_name(error.name) || error.name.starts_with("System.Error.")
                     ? ClientErrorKind::Unreachable
                     : ClientErrorKind::Refused;
    return error;
}

ClientError local_failure(int r, const char* what) {
    return ClientError{ClientErrorKind::Unreachable, "org.freedesktop.DBus.Error.Failed",
                       std::string(what) + ": " + std::strerror(-r)};
}

ClientError malformed(const core::Error& e) {
    return ClientError{ClientErrorKind::Malformed, "", e.message};
}

// One method call on the daemon's root object: append fills the arguments (a negative errno fails it).
template <typename Append>
Reply<MessagePtr> call(sd_bus* bus, const char* interface, const char* member, std::uint64_t timeout_usec,
                       Append&& append) {
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus, &raw, api::kBusName, api::kRootObjectPath, interface, member);
    MessagePtr request(raw);
    if (r < 0)
        return local_failure(r, member);
    r = append(request.get());
    if (r < 0)
        return local_failure(r, member);
    BusError error;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call(bus, request.get(), timeout_usec, &error.error, &reply);
    if (r < 0)
        return error_from(error.error, r);
    return MessagePtr(reply);
}

Reply<MessagePtr> call_manager(sd_bus* bus, const char* member) {
    return call(bus, api::kManagerInterface, member, 0, [](sd_bus_message*) { return 0; });
}

template <typename... Args>
Reply<MessagePtr> call_manager(sd_bus* bus, const char* member, const char* types, Args... args) {
    return call(bus, api::kManagerInterface, member, 0,
                [&](sd_bus_message* m) { return sd_bus_message_append(m, types, args...); });
}

Done done_from(Reply<MessagePtr> reply) {
    if (!reply.ok())
        return reply.error();
    return done();
}

// Decodes a reply with read(message) -> core::Result<T>.
template <typename T>
Reply<T> decode(Reply<MessagePtr> reply, core::Result<T> (*read)(sd_bus_message*)) {
    if (!reply.ok())
        return reply.error();
    auto value = read(reply.value().get());
    if (!value)
        return malformed(value.error());
    return std::move(*value);
}

core::Result<std::string> read_string(sd_bus_message* message) {
    const char* text = nullptr;
    int r = sd_bus_message_read_basic(message, 's', &text);
    if (r <= 0) {
        return core::make_error(core::ErrorCode::InvalidArgument,
                                "malformed answer from daemon: expected a string");
    }
    return std::string(text);
}

core::Result<std::vector<std::string>> read_strings(sd_bus_message* message) {
    char** list = nullptr;
    int r = sd_bus_message_read_strv(message, &list);
    if (r < 0) {
        return core::make_error(core::ErrorCode::InvalidArgument,
                                "malformed answer from daemon: expected a string array");
    }
    std::vector<std::string> out;
    for (char** item = list; item != nullptr && *item != nullptr; ++item) {
        out.emplace_back(*item);
        std::free(*item);
    }
    std::free(list);
    return out;
}

struct WatchState {
    const WatchSink* sink = nullptr;
    bool daemon_gone = false;
};

int on_path_state_changed(sd_bus_message* message, void* userdata, sd_bus_error*) {
    auto* state = static_cast<WatchState*>(userdata);
    if (auto event = api::read_path_state_event(message); event && state->sink->path_state_changed)
        state->sink->path_state_changed(*event);
    return 0;
}

int on_map_changed(sd_bus_message* message, void* userdata, sd_bus_error*) {
    auto* state = static_cast<WatchState*>(userdata);
    if (auto event = api::read_map_change_event(message); event && state->sink->map_changed)
        state->sink->map_changed(*event);
    return 0;
}

int on_name_owner_changed(sd_bus_message* message, void* userdata, sd_bus_error*) {
    const char* name = nullptr;
    const char* old_owner = nullptr;
    const char* new_owner = nullptr;
    if (sd_bus_message_read(message, "sss", &name, &old_owner, &new_owner) >= 0 &&
        std::strcmp(name, api::kBusName) == 0 && new_owner[0] == '\0') {
        static_cast<WatchState*>(userdata)->daemon_gone = true;
    }
    return 0;
}

struct SlotUnref {
    void operator()(sd_bus_slot* slot) const { sd_bus_slot_unref(slot); }
};
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotUnref>;

}  // namespace

void BusCloser::operator()(sd_bus* bus) const {
    sd_bus_flush_close_unref(bus);
}

bool is_unreachable_error_name(const std::string& name) {
    static const char* const kNames[] = {
        "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
        "org.freedesktop.DBus.Error.NoReply",        "org.freedesktop.DBus.Error.Disconnected",
        "org.freedesktop.DBus.Error.NoServer",       "org.freedesktop.DBus.Error.FileNotFound",
        "org.freedesktop.DBus.Error.Timeout",        "org.freedesktop.DBus.Error.TimedOut",
        "org.freedesktop.DBus.Error.UnknownObject",
    };
    return std::any_of(std::begin(kNames), std::end(kNames), [&](const char* n) { return name == n; });
}

Reply<BusHandle> connect_system_bus() {
    sd_bus* bus = nullptr;
    int r = sd_bus_open_system(&bus);
    if (r < 0) {
        BusError error;
        sd_bus_error_set_errno(&error.error, r);
        return ClientError{ClientErrorKind::Unreachable, error.error.name,
                           std::string("cannot connect to the system bus: ") + std::strerror(-r)};
    }
    return BusHandle(bus);
}

DbusClient::DbusClient(sd_bus* bus) : bus_(bus) {}
DbusClient::~DbusClient() = default;

Reply<api::TopologyView> DbusClient::topology() {
    return decode(call_manager(bus_, "GetTopology"), api::read_topology);
}

Reply<std::vector<api::MapView>> DbusClient::maps() {
    return decode(call_manager(bus_, "GetMaps"), api::read_maps);
}

Reply<std::vector<api::PathView>> DbusClient::paths() {
    auto reply = call_manager(bus_, "GetPaths");
    // A daemon older than GetPaths (still running during a package upgrade): its topology has the paths.
    if (!reply.ok() && reply.error().name == "org.freedesktop.DBus.Error.UnknownMethod")
        return decode(call_manager(bus_, "GetTopology"), api::read_topology_paths);
    return decode(std::move(reply), api::read_paths);
}

Reply<api::ManagerView> DbusClient::status() {
    // GetAll's keys are the Manager property names, which are also GetTopology's manager keys.
    auto reply = call(bus_, "org.freedesktop.DBus.Properties", "GetAll", 0, [](sd_bus_message* m) {
        return sd_bus_message_append(m, "s", api::kManagerInterface);
    });
    return decode(std::move(reply), api::read_manager);
}

Reply<std::string> DbusClient::config(bool explain) {
    return decode(call_manager(bus_, "GetConfig", "b", static_cast<int>(explain)), read_string);
}

Reply<std::string> DbusClient::explain_config(const std::string& target) {
    return decode(call_manager(bus_, "ExplainConfig", "s", target.c_str()), read_string);
}

Done DbusClient::fail_path(const std::string& devnode) {
    return done_from(call_manager(bus_, "FailPath", "s", devnode.c_str()));
}

Done DbusClient::reinstate_path(const std::string& devnode) {
    return done_from(call_manager(bus_, "ReinstatePath", "s", devnode.c_str()));
}

Done DbusClient::remove_path(const std::string& devnode) {
    return done_from(call_manager(bus_, "RemovePath", "s", devnode.c_str()));
}

Done DbusClient::add_path(const std::string& devnode) {
    return done_from(call_manager(bus_, "AddPath", "s", devnode.c_str()));
}

Reply<std::string> DbusClient::remove_map(const std::string& map, bool deferred) {
    return decode(call_manager(bus_, "RemoveMap", "sb", map.c_str(), static_cast<int>(deferred)),
                  read_string);
}

Reply<api::ReservationView> DbusClient::reservation(const api::ReservationRequest& request) {
    auto reply = call(bus_, api::kManagerInterface, "Reservation", kReservationTimeoutUsec,
                      [&](sd_bus_message* m) { return api::append_reservation_request(m, request); });
    return decode(std::move(reply), api::read_reservation);
}

Done DbusClient::add_map(const std::string& target) {
    return done_from(call_manager(bus_, "AddMap", "s", target.c_str()));
}

Done DbusClient::switch_group(const std::string& map, unsigned group) {
    return done_from(call_manager(bus_, "SwitchGroup", "su", map.c_str(), static_cast<std::uint32_t>(group)));
}

Done DbusClient::set_queueing(const std::string& map, const std::string& control) {
    return done_from(call_manager(bus_, "SetQueueing", "ss", map.c_str(), control.c_str()));
}

Done DbusClient::resize_map(const std::string& map) {
    return done_from(call_manager(bus_, "ResizeMap", "s", map.c_str()));
}

Reply<std::vector<std::string>> DbusClient::known_wwids() {
    return decode(call_manager(bus_, "GetKnownWwids"), read_strings);
}

Done DbusClient::edit_known_wwids(const std::string& edit, const std::string& target) {
    if (edit == "add")
        return done_from(call_manager(bus_, "AddKnownWwid", "s", target.c_str()));
    if (edit == "remove")
        return done_from(call_manager(bus_, "RemoveKnownWwid", "s", target.c_str()));
    return done_from(call_manager(bus_, "ResetKnownWwids"));
}

Done DbusClient::reconfigure(const std::optional<std::pair<std::string, std::string>>& text_and_origin) {
    if (text_and_origin) {
        return done_from(call_manager(bus_, "LoadConfig", "ss", text_and_origin->first.c_str(),
                                      text_and_origin->second.c_str()));
    }
    return done_from(call_manager(bus_, "Reconfigure"));
}

Done DbusClient::watch(const WatchSink& sink, const std::function<bool()>& should_stop) {
    WatchState state{&sink, false};
    sd_bus_slot* raw = nullptr;
    // Learn when the daemon goes away, so watch does not wait silently for ever.
    int r = sd_bus_match_signal(bus_, &raw, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed, &state);
    SlotPtr owner_slot(raw);
    if (r < 0)
        return local_failure(r, "watching the daemon's bus name");
    r = sd_bus_match_signal(bus_, &raw, api::kBusName, api::kRootObjectPath, api::kManagerInterface,
                            "PathStateChanged", on_path_state_changed, &state);
    SlotPtr path_slot(raw);
    if (r < 0)
        return local_failure(r, "subscribing to PathStateChanged");
    r = sd_bus_match_signal(bus_, &raw, api::kBusName, api::kRootObjectPath, api::kManagerInterface,
                            "MapChanged", on_map_changed, &state);
    SlotPtr map_slot(raw);
    if (r < 0)
        return local_failure(r, "subscribing to MapChanged");

    // The daemon must be there now; a watch on nothing would look like a quiet, healthy system.
    auto version = call(bus_, "org.freedesktop.DBus.Properties", "Get", 0, [](sd_bus_message* m) {
        return sd_bus_message_append(m, "ss", api::kManagerInterface, "Version");
    });
    if (!version.ok())
        return version.error();

    while (!should_stop() && !state.daemon_gone) {
        while ((r = sd_bus_process(bus_, nullptr)) > 0) {
            if (should_stop() || state.daemon_gone)
                break;
        }
        if (r < 0) {
            BusError error;
            return error_from(error.error, r);
        }
        if (should_stop() || state.daemon_gone)
            break;
        r = sd_bus_wait(bus_, 100 * 1000);  // -EINTR (Ctrl-C) just ends the wait early
        if (r < 0 && r != -EINTR) {
            BusError error;
            return error_from(error.error, r);
        }
    }
    if (state.daemon_gone) {
        return ClientError{ClientErrorKind::Unreachable, "org.freedesktop.DBus.Error.NameHasNoOwner",
                           "pathkeeperd left the bus"};
    }
    return done();
}

}  // namespace pathkeeper::cli
