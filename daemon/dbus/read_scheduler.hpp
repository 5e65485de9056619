#pragma once
// ReadScheduler: unprivileged callers' reads wait their turn instead of standing in root's way. An sd-bus
// filter on the connection sees every incoming message before sd-bus dispatches it. A read from a uid other
// than 0 (the service's read methods, and the reads sd-bus answers by itself: Properties.Get/GetAll,
// ObjectManager.GetManagedObjects, Introspect of the published objects) is held, which costs a reference;
// at the end of each turn, each user's share of its held reads is put back on sd-bus's read queue and
// answered first thing in the next turn. So a read flood drains from the socket into the held queues at
// once, and root's call behind it is reached in the same turn, after at most one share of reads per user.
// Beyond kHeldPerUser held reads a user's further ones are refused with Busy.
//
// sdbus-c++ 1.2 neither exposes the sd_bus nor lets a match stop dispatch (an exception thrown from a match
// callback unwinds through sd-bus and drops the connection), hence the filter, installed on the sd_bus a
// message of the object's connection belongs to.

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include <sdbus-c++/sdbus-c++.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "daemon/dbus/call_quota.hpp"

namespace pathkeeper::dbus {

class ReadScheduler {
public:
    // The sender's uid, asked of the bus (nullopt when its credentials cannot be had).
    using UidOf = std::function<std::optional<uid_t>()>;
    // The caller's uid for a sender name; ask() queries the bus when the answer is not known yet.
    using CallerUid = std::function<std::optional<uid_t>(const std::string& sender, const UidOf& ask)>;

    static constexpr unsigned kHeldPerUser = 1024;

    // Throws sdbus::Error when the filter cannot be installed.
    ReadScheduler(sdbus::IObject& object, CallerUid caller_uid);
    ~ReadScheduler();
    ReadScheduler(const ReadScheduler&) = delete;
    ReadScheduler& operator=(const ReadScheduler&) = delete;

    // A new share for every user: lets each one's held reads through, up to CallQuota's share, to be answered
    // in the next turn. True when any were.
    bool release_turn();

    // Calls to the objects below the root the scheduler counts as reads: interface and member of a method
    // call, e.g. "org.pathkeeper.PathKeeper1.Manager", "GetTopology".
    static bool is_read(std::string_view interface, std::string_view member);
    // What a read counts for in a user's share: GetManagedObjects, the whole tree built afresh for each call,
    // takes a whole share.
    static unsigned cost_of(std::string_view member);

    // The filter's decision for one incoming message (called by sd-bus; public for the C callback).
    int on_message(sd_bus_message* message, sd_bus_error* error);

private:
    struct Held {
        sd_bus_message* message;  // a reference of ours
        unsigned cost;
    };

    CallerUid caller_uid_;
    sd_bus* bus_ = nullptr;
    sd_bus_slot* slot_ = nullptr;
    CallQuota quota_;
    std::map<uid_t, std::deque<Held>> held_;
    // Put back on the read queue and to be let through when seen again; each holds a reference of ours so the
    // address cannot come back for another message.
    std::unordered_set<sd_bus_message*> released_;
};

}  // namespace pathkeeper::dbus
