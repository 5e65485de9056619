#pragma once
// DbusClient: Client over sdbus-c++ 1.2.0 with a caller-owned connection. No thread: method calls block on
// the reply (25 s default timeout), and watch() drives the connection with poll() + processPendingRequest().

#include <memory>

#include "cli/client.hpp"

namespace sdbus {
class IConnection;
}

namespace pathkeeper::cli {

class DbusClient final : public Client {
public:
    explicit DbusClient(sdbus::IConnection& connection);
    ~DbusClient() override;

    Reply<api::TopologyView> topology() override;
    Reply<std::vector<api::MapView>> maps() override;
    Reply<api::ManagerView> status() override;
    Reply<std::string> config(bool explain) override;
    Reply<std::string> explain_config(const std::string& target) override;
    Done fail_path(const std::string& devnode) override;
    Done reinstate_path(const std::string& devnode) override;
    Done switch_group(const std::string& map, unsigned group) override;
    Done set_queueing(const std::string& map, const std::string& control) override;
    Done resize_map(const std::string& map) override;
    Done remove_path(const std::string& devnode) override;
    Done add_path(const std::string& devnode) override;
    Reply<std::string> remove_map(const std::string& map, bool deferred) override;
    Done add_map(const std::string& target) override;
    Reply<api::ReservationView> reservation(const api::ReservationRequest& request) override;
    Reply<std::vector<std::string>> known_wwids() override;
    Done edit_known_wwids(const std::string& edit, const std::string& target) override;
    Done reconfigure(const std::optional<std::pair<std::string, std::string>>& text_and_origin) override;
    Done watch(const WatchSink& sink, const std::function<bool()>& should_stop) override;

private:
    sdbus::IConnection& connection_;
};

// Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured). Unreachable error when there is no bus.
Reply<std::unique_ptr<sdbus::IConnection>> connect_system_bus();

// True for D-Bus error names that mean "nobody is there" rather than "the daemon said no".
bool is_unreachable_error_name(const std::string& name);

}  // namespace pathkeeper::cli
