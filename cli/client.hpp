#pragma once
// Client: what pathctl needs from pathkeeperd. DbusClient talks to the daemon over a caller-owned sdbus
// connection; tests use a fake. Every call returns a Reply: the value, or a ClientError saying whether the
// daemon was unreachable (exit 3) or refused (exit 1, with the D-Bus error name from api/errors.hpp).

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "api/errors.hpp"
#include "api/views.hpp"

namespace pathkeeper::cli {

enum class ClientErrorKind {
    Unreachable,  // no bus, or nobody owns org.pathkeeper.PathKeeper1, or it did not answer
    Refused,      // the daemon answered with an error
    Malformed,    // the daemon's answer could not be decoded
};

struct ClientError {
    ClientErrorKind kind = ClientErrorKind::Refused;
    std::string name;  // D-Bus error name, e.g. "org.pathkeeper.PathKeeper1.Error.NoSuchPath"
    std::string message;
};

template <typename T>
class Reply {
public:
    Reply(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
    Reply(ClientError error) : error_(std::move(error)) {}  // NOLINT
    bool ok() const { return value_.has_value(); }
    T& value() { return *value_; }
    const T& value() const { return *value_; }
    const ClientError& error() const { return error_; }

private:
    std::optional<T> value_;
    ClientError error_;
};

using Done = Reply<std::monostate>;
inline Done done() {
    return Done(std::monostate{});
}

struct WatchSink {
    std::function<void(const api::PathStateEvent&)> path_state_changed;
    std::function<void(const api::MapChangeEvent&)> map_changed;
};

class Client {
public:
    virtual ~Client() = default;

    virtual Reply<api::TopologyView> topology() = 0;
    // The maps alone (GetMaps): as topology().maps, without the cost of every path.
    virtual Reply<std::vector<api::MapView>> maps() = 0;
    // The paths alone (GetPaths): as topology().paths, without the cost of every map.
    virtual Reply<std::vector<api::PathView>> paths() = 0;
    virtual Reply<api::ManagerView> status() = 0;
    virtual Reply<std::string> config(bool explain) = 0;
    // Each per-map option of one map, WWID or path with its origin (ExplainConfig).
    virtual Reply<std::string> explain_config(const std::string& target) = 0;
    virtual Done fail_path(const std::string& devnode) = 0;
    virtual Done reinstate_path(const std::string& devnode) = 0;
    virtual Done remove_path(const std::string& devnode) = 0;
    virtual Done add_path(const std::string& devnode) = 0;
    // Answers once device-mapper has tried: "removed" or "deferred" (map is a name or a WWID).
    virtual Reply<std::string> remove_map(const std::string& map, bool deferred) = 0;
    // A persistent reservation command (pathctl reservation); answers once the storage did.
    virtual Reply<api::ReservationView> reservation(const api::ReservationRequest& request) = 0;
    // target: a WWID or a disk of it.
    virtual Done add_map(const std::string& target) = 0;
    virtual Done switch_group(const std::string& map, unsigned group) = 0;
    // map "" is every map; control is "disable", "restore" or "force".
    virtual Done set_queueing(const std::string& map, const std::string& control) = 0;
    virtual Done resize_map(const std::string& map) = 0;
    // The known-WWIDs list; edit is "add" or "remove" with a WWID or path as target, or "reset" (target "").
    virtual Reply<std::vector<std::string>> known_wwids() = 0;
    virtual Done edit_known_wwids(const std::string& edit, const std::string& target) = 0;
    // text == nullopt: the daemon re-reads its configured file; else it applies text (origin names it).
    virtual Done reconfigure(const std::optional<std::pair<std::string, std::string>>& text_and_origin) = 0;
    // Delivers signals to sink until should_stop() returns true (polled at least every 100 ms) or the daemon
    // goes away (Unreachable).
    virtual Done watch(const WatchSink& sink, const std::function<bool()>& should_stop) = 0;
};

}  // namespace pathkeeper::cli
