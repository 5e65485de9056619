#include "daemon/dbus/builtin_read_gate.hpp"

#include <systemd/sd-bus.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "api/views.hpp"

namespace pathkeeper::dbus {

namespace {

// The sd_bus_message under an sdbus-c++ message: the member is protected, and a pointer to it formed in a
// derived class may be applied to any message.
struct RawMessage : sdbus::Message {
    static sd_bus_message* of(const sdbus::Message& message) {
        return static_cast<sd_bus_message*>(message.*(&RawMessage::msg_));
    }
};

bool below_root(std::string_view path) {
    const std::string_view root = api::kRootObjectPath;
    return path.starts_with(root) && (path.size() == root.size() || path[root.size()] == '/');
}

std::optional<uid_t> sender_uid(sd_bus_message* message) {
    sd_bus_creds* creds = nullptr;
    if (sd_bus_query_sender_creds(message, SD_BUS_CREDS_UID | SD_BUS_CREDS_AUGMENT, &creds) < 0) {
        return std::nullopt;
    }
    uid_t uid = 0;
    const int got = sd_bus_creds_get_uid(creds, &uid);
    sd_bus_creds_unref(creds);
    if (got < 0) {
        return std::nullopt;
    }
    return uid;
}

int on_message(sd_bus_message* message, void* gate, sd_bus_error* error);

}  // namespace

BuiltinReadGate::BuiltinReadGate(sdbus::IObject& object, Check check) : check_(std::move(check)) {
    // A signal created, never sent: the one way to the connection's sd_bus.
    const sdbus::Signal probe = object.createSignal(api::kManagerInterface, "PathStateChanged");
    sd_bus* bus = sd_bus_message_get_bus(RawMessage::of(probe));
    if (bus == nullptr) {
        throw sdbus::Error("org.freedesktop.DBus.Error.Failed", "no sd-bus connection under the object");
    }
    if (const int added = sd_bus_add_filter(bus, &slot_, &on_message, this); added < 0) {
        throw sdbus::Error("org.freedesktop.DBus.Error.Failed",
                           "cannot filter the bus's messages: " + std::string(std::strerror(-added)));
    }
}

BuiltinReadGate::~BuiltinReadGate() {
    sd_bus_slot_unref(slot_);
}

bool BuiltinReadGate::is_builtin_read(std::string_view interface) {
    return interface == "org.freedesktop.DBus.Properties" ||
           interface == "org.freedesktop.DBus.ObjectManager" ||
           interface == "org.freedesktop.DBus.Introspectable";
}

namespace {

// Called by sd-bus (C): nothing may be thrown through it. An error set here becomes the call's reply, and
// sd-bus dispatches the call no further.
int on_message(sd_bus_message* message, void* gate, sd_bus_error* error) {
    if (sd_bus_message_is_method_call(message, nullptr, nullptr) <= 0) {
        return 0;
    }
    const char* interface = sd_bus_message_get_interface(message);
    const char* member = sd_bus_message_get_member(message);
    const char* path = sd_bus_message_get_path(message);
    if (interface == nullptr || member == nullptr || path == nullptr ||
        !BuiltinReadGate::is_builtin_read(interface) || !below_root(path)) {
        return 0;  // the service's own methods count themselves
    }
    try {
        const std::string_view name = interface;
        const std::string method = std::string(name.substr(name.rfind('.') + 1)) + "." + member;
        const char* sender = sd_bus_message_get_sender(message);
        const auto refusal = static_cast<const BuiltinReadGate*>(gate)->check()(
            sender == nullptr ? std::string() : std::string(sender),
            [message] { return sender_uid(message); }, method);
        if (!refusal) {
            return 0;
        }
        return sd_bus_error_set(error, refusal->getName().c_str(), refusal->getMessage().c_str());
    } catch (...) {
        return 0;  // let sd-bus answer rather than fail a read for want of memory
    }
}

}  // namespace

}  // namespace pathkeeper::dbus
