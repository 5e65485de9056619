#include "cli/dbus_client.hpp"

#include <api/pathkeeper1_proxy.h>
#include <poll.h>
#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <chrono>

#include "api/dbus_codec.hpp"

namespace pathkeeper::cli {

namespace {

using ManagerProxyBase = org::pathkeeper::PathKeeper1::Manager_proxy;

class ManagerProxy final : public sdbus::ProxyInterfaces<ManagerProxyBase, sdbus::Properties_proxy> {
public:
    ManagerProxy(sdbus::IConnection& connection, const WatchSink* sink)
        : ProxyInterfaces(connection, api::kBusName, api::kRootObjectPath), sink_(sink) {
        // Only a watching proxy subscribes to signals: adding the bus match costs a round trip.
        if (sink_ != nullptr)
            registerProxy();
    }
    ~ManagerProxy() { unregisterProxy(); }

private:
    void onPathStateChanged(const std::string& map, const std::string& path, const std::string& old_state,
                            const std::string& new_state, const std::string& reason) override {
        if (sink_ != nullptr && sink_->path_state_changed) {
            sink_->path_state_changed(api::PathStateEvent{map, path, old_state, new_state, reason});
        }
    }
    void onMapChanged(const std::string& map, const std::string& change) override {
        if (sink_ != nullptr && sink_->map_changed)
            sink_->map_changed(api::MapChangeEvent{map, change});
    }
    void onPropertiesChanged(const std::string&, const std::map<std::string, sdbus::Variant>&,
                             const std::vector<std::string>&) override {}

    const WatchSink* sink_;
};

ClientError error_from(const sdbus::Error& e) {
    ClientError error;
    error.name = e.getName();
    error.message = e.getMessage();
    error.kind =
        is_unreachable_error_name(error.name) ? ClientErrorKind::Unreachable : ClientErrorKind::Refused;
    return error;
}

ClientError malformed(const core::Error& e) {
    return ClientError{ClientErrorKind::Malformed, "", e.message};
}

template <typename F>
Done call(F&& f) {
    try {
        f();
        return done();
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

}  // namespace

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

Reply<std::unique_ptr<sdbus::IConnection>> connect_system_bus() {
    try {
        return sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        return ClientError{ClientErrorKind::Unreachable, e.getName(),
                           "cannot connect to the system bus: " + e.getMessage()};
    }
}

DbusClient::DbusClient(sdbus::IConnection& connection) : connection_(connection) {}
DbusClient::~DbusClient() = default;

Reply<api::TopologyView> DbusClient::topology() {
    try {
        ManagerProxy proxy(connection_, nullptr);
        auto topology = api::decode_topology(proxy.GetTopology());
        if (!topology)
            return malformed(topology.error());
        return std::move(*topology);
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

Reply<std::vector<api::MapView>> DbusClient::maps() {
    try {
        ManagerProxy proxy(connection_, nullptr);
        return api::decode_maps(proxy.GetMaps());
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

Reply<api::ManagerView> DbusClient::status() {
    try {
        ManagerProxy proxy(connection_, nullptr);
        // GetAll's keys are the Manager property names, which are also GetTopology's manager keys.
        auto manager = api::decode_manager(proxy.GetAll(api::kManagerInterface));
        if (!manager)
            return malformed(manager.error());
        return std::move(*manager);
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

Reply<std::string> DbusClient::config(bool explain) {
    try {
        ManagerProxy proxy(connection_, nullptr);
        return proxy.GetConfig(explain);
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

Reply<std::string> DbusClient::explain_config(const std::string& target) {
    try {
        ManagerProxy proxy(connection_, nullptr);
        return proxy.ExplainConfig(target);
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

Done DbusClient::fail_path(const std::string& devnode) {
    return call([&] { ManagerProxy(connection_, nullptr).FailPath(devnode); });
}

Done DbusClient::reinstate_path(const std::string& devnode) {
    return call([&] { ManagerProxy(connection_, nullptr).ReinstatePath(devnode); });
}

Done DbusClient::remove_path(const std::string& devnode) {
    return call([&] { ManagerProxy(connection_, nullptr).RemovePath(devnode); });
}

Done DbusClient::add_path(const std::string& devnode) {
    return call([&] { ManagerProxy(connection_, nullptr).AddPath(devnode); });
}

Reply<std::string> DbusClient::remove_map(const std::string& map, bool deferred) {
    try {
        ManagerProxy proxy(connection_, nullptr);
        return proxy.RemoveMap(map, deferred);
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

// A PR command through several paths may wait out a timeout on each of them (30 s by default): the call
// gets far longer than the bus's default 25 s before pathctl gives up on the answer.
Reply<api::ReservationView> DbusClient::reservation(const api::ReservationRequest& request) {
    try {
        auto proxy = sdbus::createProxy(connection_, api::kBusName, api::kRootObjectPath);
        api::Dict result;
        proxy->callMethod("Reservation")
            .onInterface(api::kManagerInterface)
            .withTimeout(std::chrono::minutes(5))
            .withArguments(request.map, request.command, api::encode_reservation_options(request))
            .storeResultsTo(result);
        auto view = api::decode_reservation(result);
        if (!view)
            return malformed(view.error());
        return std::move(*view);
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

Done DbusClient::add_map(const std::string& target) {
    return call([&] { ManagerProxy(connection_, nullptr).AddMap(target); });
}

Done DbusClient::switch_group(const std::string& map, unsigned group) {
    return call([&] { ManagerProxy(connection_, nullptr).SwitchGroup(map, group); });
}

Done DbusClient::set_queueing(const std::string& map, const std::string& control) {
    return call([&] { ManagerProxy(connection_, nullptr).SetQueueing(map, control); });
}

Done DbusClient::resize_map(const std::string& map) {
    return call([&] { ManagerProxy(connection_, nullptr).ResizeMap(map); });
}

Reply<std::vector<std::string>> DbusClient::known_wwids() {
    try {
        return ManagerProxy(connection_, nullptr).GetKnownWwids();
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

Done DbusClient::edit_known_wwids(const std::string& edit, const std::string& target) {
    return call([&] {
        ManagerProxy proxy(connection_, nullptr);
        if (edit == "add") {
            proxy.AddKnownWwid(target);
        } else if (edit == "remove") {
            proxy.RemoveKnownWwid(target);
        } else {
            proxy.ResetKnownWwids();
        }
    });
}

Done DbusClient::reconfigure(const std::optional<std::pair<std::string, std::string>>& text_and_origin) {
    return call([&] {
        ManagerProxy proxy(connection_, nullptr);
        if (text_and_origin) {
            proxy.LoadConfig(text_and_origin->first, text_and_origin->second);
        } else {
            proxy.Reconfigure();
        }
    });
}

Done DbusClient::watch(const WatchSink& sink, const std::function<bool()>& should_stop) {
    try {
        // Learn when the daemon goes away, so watch does not wait silently for ever.
        bool daemon_gone = false;
        auto bus_proxy = sdbus::createProxy(connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        bus_proxy->uponSignal("NameOwnerChanged")
            .onInterface("org.freedesktop.DBus")
            .call([&](const std::string& name, const std::string&, const std::string& new_owner) {
                if (name == api::kBusName && new_owner.empty())
                    daemon_gone = true;
            });
        bus_proxy->finishRegistration();
        ManagerProxy proxy(connection_, &sink);
        // The daemon must be there now; a watch on nothing would look like a quiet, healthy system.
        proxy.Get(api::kManagerInterface, "Version");

        while (!should_stop() && !daemon_gone) {
            while (connection_.processPendingRequest()) {
                if (should_stop() || daemon_gone)
                    break;
            }
            auto poll_data = connection_.getEventLoopPollData();
            int timeout_ms = 100;
            if (auto relative = poll_data.getRelativeTimeout()) {
                auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*relative).count();
                timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, 100));
            }
            pollfd fd{poll_data.fd, poll_data.events, 0};
            ::poll(&fd, 1, timeout_ms);  // EINTR (Ctrl-C) just ends the wait early
        }
        if (daemon_gone) {
            return ClientError{ClientErrorKind::Unreachable, "org.freedesktop.DBus.Error.NameHasNoOwner",
                               "pathkeeperd left the bus"};
        }
        return done();
    } catch (const sdbus::Error& e) {
        return error_from(e);
    }
}

}  // namespace pathkeeper::cli
