// pathkeeper-read-flood: an API read flood, as a local user could send it. Keeps CALLS calls of METHOD in
// flight on each of CONNECTIONS system bus connections (each answer, or refusal, is followed by a new call)
// until SECONDS have passed or SIGINT/SIGTERM, then prints what the daemon answered:
//   answered N refused N failed N
// and the first refusal's error name and message on a line of its own. METHOD is GetTopology (the Manager's
// method), GetManagedObjects, GetAll (the Manager's properties) or Get (its PathCount): the last three are
// answered by sd-bus itself. Used by daemon_integration.sh and the host-side benchmark.
//
//   pathkeeper-read-flood [--connections 8] [--calls 32] [--seconds 10] [--method GetTopology]

#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/errors.hpp"
#include "api/views.hpp"

namespace {

std::atomic<bool> stopping{false};
extern "C" void on_signal(int) {
    stopping = true;
}

struct Tally {
    std::atomic<unsigned long> answered{0};
    std::atomic<unsigned long> refused{0};  // Busy: the daemon's limit for unprivileged callers
    std::atomic<unsigned long> failed{0};
    std::mutex mutex;
    std::string first_refusal;
};

constexpr const char* kMethods[] = {"GetTopology", "GetManagedObjects", "GetAll", "Get"};

class Flooder {
public:
    Flooder(Tally& tally, std::string method)
        : tally_(tally),
          method_(std::move(method)),
          proxy_(sdbus::createProxy(sdbus::createSystemBusConnection(), pathkeeper::api::kBusName,
                                    pathkeeper::api::kRootObjectPath)) {}

    void send() {
        if (stopping) {
            return;
        }
        auto call = make_call();
        proxy_->callMethod(call, [this](sdbus::MethodReply&, const sdbus::Error* error) { answered(error); });
    }

private:
    sdbus::MethodCall make_call() {
        if (method_ == "GetManagedObjects") {
            return proxy_->createMethodCall("org.freedesktop.DBus.ObjectManager", method_);
        }
        if (method_ == "GetAll" || method_ == "Get") {
            auto call = proxy_->createMethodCall("org.freedesktop.DBus.Properties", method_);
            call << std::string(pathkeeper::api::kManagerInterface);
            if (method_ == "Get") {
                call << std::string("PathCount");
            }
            return call;
        }
        return proxy_->createMethodCall(pathkeeper::api::kManagerInterface, method_);
    }

    void answered(const sdbus::Error* error) {
        if (error == nullptr) {
            ++tally_.answered;
        } else if (error->getName() == pathkeeper::api::dbus_error_name(pathkeeper::api::ApiError::Busy)) {
            if (tally_.refused++ == 0) {
                std::lock_guard lock(tally_.mutex);
                tally_.first_refusal = error->getName() + ": " + error->getMessage();
            }
        } else {
            ++tally_.failed;
        }
        send();
    }

    Tally& tally_;
    std::string method_;
    std::unique_ptr<sdbus::IProxy> proxy_;
};

}  // namespace

int main(int argc, char** argv) {
    unsigned connections = 8;
    unsigned calls = 32;
    unsigned seconds = 10;
    std::string method = kMethods[0];
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        const auto value = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
        if (option == "--method" && std::find(std::begin(kMethods), std::end(kMethods),
                                              std::string_view(argv[i + 1])) != std::end(kMethods)) {
            method = argv[i + 1];
        } else if (option == "--connections") {
            connections = value;
        } else if (option == "--calls") {
            calls = value;
        } else if (option == "--seconds") {
            seconds = value;
        } else {
            std::cerr << "pathkeeper-read-flood: bad option or value '" << option << " " << argv[i + 1]
                      << "'\nusage: pathkeeper-read-flood [--connections N] [--calls N] [--seconds N] "
                         "[--method GetTopology|GetManagedObjects|GetAll|Get]\n";
            return 2;
        }
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    Tally tally;
    try {
        std::vector<std::unique_ptr<Flooder>> flooders;
        for (unsigned c = 0; c < connections; ++c) {
            flooders.push_back(std::make_unique<Flooder>(tally, method));
        }
        for (auto& flooder : flooders) {
            for (unsigned k = 0; k < calls; ++k) {
                flooder->send();
            }
        }
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        while (!stopping && std::chrono::steady_clock::now() < end) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        stopping = true;
        flooders.clear();
    } catch (const sdbus::Error& e) {
        std::cerr << "pathkeeper-read-flood: " << e.getName() << ": " << e.getMessage() << "\n";
        return 1;
    }
    std::cout << "answered " << tally.answered << " refused " << tally.refused << " failed " << tally.failed
              << "\n";
    if (!tally.first_refusal.empty()) {
        std::cout << tally.first_refusal << "\n";
    }
    return 0;
}
