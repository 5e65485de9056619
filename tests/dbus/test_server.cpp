// pathkeeper-dbus-test-server: hosts the real DbusService over FakeBackend on the system bus
// (DBUS_SYSTEM_BUS_ADDRESS), driven exactly as pathkeeperd drives it: poll() on getEventLoopPollData() and
// process_turn(), no sdbus thread. Used by dbus_integration.sh until the daemon's simulated back end
// takes its place.
//
//   pathkeeper-dbus-test-server [--config FILE] [--paths N] [--ready FILE]
// SIGUSR1 unplugs path sde, SIGUSR2 plugs it back (objects removed and added on the bus).

#include <poll.h>
#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "daemon/dbus/dbus_service.hpp"
#include "fake_backend.hpp"
#include "fixtures.hpp"

namespace {

std::atomic<bool> stopping{false};
std::atomic<int> plug_request{0};  // SIGUSR1: unplug sde, SIGUSR2: plug it back
extern "C" void on_signal(int signal_number) {
    if (signal_number == SIGUSR1) {
        plug_request = 1;
    } else if (signal_number == SIGUSR2) {
        plug_request = 2;
    } else {
        stopping = true;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path = "/etc/pathkeeper/pathkeeper.yaml";
    std::string ready_file;
    unsigned path_count = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--config") {
            config_path = argv[i + 1];
        } else if (flag == "--paths") {
            path_count = static_cast<unsigned>(std::stoul(argv[i + 1]));
        } else if (flag == "--ready") {
            ready_file = argv[i + 1];
        } else {
            std::cerr << "usage: " << argv[0] << " [--config FILE] [--paths N] [--ready FILE]\n";
            return 2;
        }
    }
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGUSR1, &action, nullptr);
    sigaction(SIGUSR2, &action, nullptr);

    auto topology = path_count > 0 ? pathkeeper::testing::large_topology(path_count)
                                   : pathkeeper::testing::sample_topology();
    topology.manager.config_path = config_path;
    std::ostringstream config_text;
    if (std::ifstream in(config_path); in)
        config_text << in.rdbuf();

    try {
        auto connection = sdbus::createSystemBusConnection();
        pathkeeper::testing::FakeBackend backend(topology, config_text.str());
        // As the daemon refuses a map that is open, naming who holds it.
        backend.busy_maps()["mpathb"] = "mounted on /srv/data";
        pathkeeper::dbus::DbusService service(*connection, backend);
        backend.attach(&service);
        service.claim_bus_name();
        if (!ready_file.empty())
            std::ofstream(ready_file) << "ready\n";

        while (!stopping) {
            if (int request = plug_request.exchange(0); request == 1) {
                backend.unplug("sde");
            } else if (request == 2) {
                backend.replug();
            }
            while (service.process_turn()) {
            }
            auto poll_data = connection->getEventLoopPollData();
            int timeout_ms = 500;
            if (auto relative = poll_data.getRelativeTimeout()) {
                auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*relative).count();
                timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, 500));
            }
            pollfd fd{poll_data.fd, poll_data.events, 0};
            ::poll(&fd, 1, timeout_ms);
        }
        backend.attach(nullptr);
    } catch (const sdbus::Error& e) {
        std::cerr << "pathkeeper-dbus-test-server: " << e.getName() << ": " << e.getMessage() << "\n";
        return 1;
    }
    return 0;
}
