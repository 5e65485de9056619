#pragma once
// BuiltinReadGate: puts the reads sd-bus answers by itself under the service's read quota. Properties.Get/
// GetAll, ObjectManager.GetManagedObjects and Introspect of the published objects never reach the service's
// methods: sd-bus builds their replies from the objects' getters (GetManagedObjects at 512 paths is as large
// as GetTopology). An sd-bus filter on the connection sees every incoming message before sd-bus dispatches
// it to its objects; a call the check refuses is answered with the check's error there and goes no further.
//
// sdbus-c++ 1.2 neither exposes the sd_bus nor lets a match stop dispatch (an exception thrown from a match
// callback unwinds through sd-bus and drops the connection), hence the filter, installed on the sd_bus a
// message of the object's connection belongs to. No round trip to the bus: a filter is local.

#include <sys/types.h>

#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

struct sd_bus_slot;

namespace pathkeeper::dbus {

class BuiltinReadGate {
public:
    // The caller's uid, asked of the bus (nullopt when its credentials cannot be had).
    using UidOf = std::function<std::optional<uid_t>()>;
    // check(sender, uid_of, "Interface.Member") for every built-in read below the root object: the error to
    // refuse it with, nullopt to let sd-bus answer.
    using Check = std::function<std::optional<sdbus::Error>(const std::string& sender, const UidOf& uid_of,
                                                            const std::string& method)>;

    // Throws sdbus::Error when the filter cannot be installed.
    BuiltinReadGate(sdbus::IObject& object, Check check);
    ~BuiltinReadGate();
    BuiltinReadGate(const BuiltinReadGate&) = delete;
    BuiltinReadGate& operator=(const BuiltinReadGate&) = delete;

    // The interfaces whose calls sd-bus answers itself.
    static bool is_builtin_read(std::string_view interface);
    // What the filter asks of each of them.
    const Check& check() const { return check_; }

private:
    Check check_;
    sd_bus_slot* slot_ = nullptr;
};

}  // namespace pathkeeper::dbus
