#pragma once
// DbusClient: Client over plain sd-bus (libsystemd's C API) with a caller-owned bus, so pathctl loads no C++
// D-Bus library. No thread: method calls block on the reply (sd-bus's 25 s default timeout), and watch()
// drives the bus with sd_bus_process() + sd_bus_wait().

#include <memory>

#include "cli/client.hpp"

struct sd_bus;

namespace pathkeeper::cli {

struct BusCloser {
    void operator()(sd_bus* bus) const;
};
using BusHandle = std::unique_ptr<sd_bus, BusCloser>;

class DbusClient final : public Client {
public:
    explicit DbusClient(sd_bus* bus);
    ~DbusClient() override;

    Reply<api::TopologyView> topology() override;
    Reply<std::vector<api::MapView>> maps() override;
    Reply<std::vector<api::PathView>> paths() override;
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
    sd_bus* bus_;
};

// Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured). Unreachable error when there is no bus.
Reply<BusHandle> connect_system_bus();

// True for D-Bus error names that mean "nobody is there" rather than "the daemon said no".
bool is_unreachable_error_name(const std::string& name);

}  // namespace pathkeeper::cli
