#include "daemon/dbus/read_scheduler.hpp"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "api/errors.hpp"
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

// Called by sd-bus (C): nothing may be thrown through it.
int filter(sd_bus_message* message, void* scheduler, sd_bus_error* error) {
    try {
        return static_cast<ReadScheduler*>(scheduler)->on_message(message, error);
    } catch (...) {
        return 0;  // let sd-bus answer rather than fail a read for want of memory
    }
}

// How a refusal names the call: "GetTopology" for the service's own, "Properties.GetAll" for a standard one.
std::string method_name(std::string_view interface, std::string_view member) {
    if (interface == api::kManagerInterface) {
        return std::string(member);
    }
    return std::string(interface.substr(interface.rfind('.') + 1)) + "." + std::string(member);
}

}  // namespace

ReadScheduler::ReadScheduler(sdbus::IObject& object, CallerUid caller_uid)
    : caller_uid_(std::move(caller_uid)) {
    // A signal created, never sent: the one way to the connection's sd_bus.
    const sdbus::Signal probe = object.createSignal(api::kManagerInterface, "PathStateChanged");
    bus_ = sd_bus_message_get_bus(RawMessage::of(probe));
    if (bus_ == nullptr) {
        throw sdbus::Error("org.freedesktop.DBus.Error.Failed", "no sd-bus connection under the object");
    }
    if (const int added = sd_bus_add_filter(bus_, &slot_, &filter, this); added < 0) {
        throw sdbus::Error("org.freedesktop.DBus.Error.Failed",
                           "cannot filter the bus's messages: " + std::string(std::strerror(-added)));
    }
}

ReadScheduler::~ReadScheduler() {
    sd_bus_slot_unref(slot_);
    for (auto& [uid, queue] : held_) {
        for (const Held& held : queue) {
            sd_bus_message_unref(held.message);
        }
    }
    for (sd_bus_message* message : released_) {
        sd_bus_message_unref(message);
    }
}

bool ReadScheduler::is_read(std::string_view interface, std::string_view member) {
    if (interface == "org.freedesktop.DBus.Properties" || interface == "org.freedesktop.DBus.ObjectManager" ||
        interface == "org.freedesktop.DBus.Introspectable") {
        return true;
    }
    static constexpr std::array<std::string_view, 6> kManagerReads = {
        "GetTopology", "GetMaps", "GetPaths", "GetConfig", "ExplainConfig", "GetKnownWwids"};
    return interface == api::kManagerInterface &&
           std::find(kManagerReads.begin(), kManagerReads.end(), member) != kManagerReads.end();
}

unsigned ReadScheduler::cost_of(std::string_view member) {
    return member == "GetManagedObjects" ? CallQuota::kReadsPerTurn : 1;
}

int ReadScheduler::on_message(sd_bus_message* message, sd_bus_error* error) {
    if (sd_bus_message_is_method_call(message, nullptr, nullptr) <= 0) {
        return 0;
    }
    if (auto it = released_.find(message); it != released_.end()) {
        released_.erase(it);
        sd_bus_message_unref(message);  // sd-bus's read queue holds its own reference while it dispatches
        return 0;
    }
    const char* interface = sd_bus_message_get_interface(message);
    const char* member = sd_bus_message_get_member(message);
    const char* path = sd_bus_message_get_path(message);
    if (interface == nullptr || member == nullptr || path == nullptr || !below_root(path) ||
        !is_read(interface, member)) {
        return 0;  // mutations check the caller themselves
    }
    const char* sender = sd_bus_message_get_sender(message);
    const std::optional<uid_t> caller = caller_uid_(sender == nullptr ? std::string() : std::string(sender),
                                                    [message] { return sender_uid(message); });
    if (caller == uid_t{0}) {
        return 0;
    }
    const uid_t uid = caller.value_or(static_cast<uid_t>(-1));  // an unknown caller counts as unprivileged
    auto& queue = held_[uid];
    if (queue.size() >= kHeldPerUser) {
        const std::string text = method_name(interface, member) + " refused: uid " + std::to_string(uid) +
                                 " already has " + std::to_string(kHeldPerUser) +
                                 " reads waiting (the limit for callers other than root); retry";
        return sd_bus_error_set(error, std::string(api::dbus_error_name(api::ApiError::Busy)).c_str(),
                                text.c_str());
    }
    queue.push_back(Held{sd_bus_message_ref(message), cost_of(member)});
    return 1;  // handled: sd-bus dispatches it no further until release_turn() puts it back
}

bool ReadScheduler::release_turn() {
    quota_.new_turn();
    bool released = false;
    for (auto it = held_.begin(); it != held_.end();) {
        auto& [uid, queue] = *it;
        while (!queue.empty() && quota_.admit(uid, queue.front().cost)) {
            sd_bus_message* message = queue.front().message;
            queue.pop_front();
            if (sd_bus_enqueue_for_read(bus_, message) < 0) {
                sd_bus_message_unref(message);  // the connection is closing: nobody to answer
                continue;
            }
            released_.insert(message);  // our reference moves with it
            released = true;
        }
        it = queue.empty() ? held_.erase(it) : std::next(it);
    }
    return released;
}

}  // namespace pathkeeper::dbus
