// pathctl entry point: the only place that touches the process (signals, terminal, the system bus).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include "cli/app.hpp"
#include "cli/dbus_client.hpp"

namespace {

std::atomic<bool> interrupted{false};

extern "C" void on_interrupt(int) {
    interrupted = true;
}

bool colour_terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr &&
           (term == nullptr || std::string(term) != "dumb");
}

std::string local_time() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &tm);
    return text;
}

std::string utc_time_ms() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    std::tm tm{};
    gmtime_r(&now.tv_sec, &tm);
    char text[32];
    const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(text + n, sizeof text - n, ".%03ldZ", now.tv_nsec / 1000000);
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace pathkeeper::cli;
    struct sigaction action {};
    action.sa_handler = on_interrupt;  // no SA_RESTART: poll() returns at once on Ctrl-C
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    BusHandle connection;
    std::unique_ptr<DbusClient> client;
    Context ctx;
    ctx.out = &std::cout;
    ctx.err = &std::cerr;
    ctx.stdout_is_terminal = colour_terminal();
    ctx.should_stop = [] { return interrupted.load(); };
    ctx.timestamp = local_time;
    ctx.event_time = utc_time_ms;
    ctx.connect = [&]() -> Reply<Client*> {
        if (!client) {
            auto bus = connect_system_bus();
            if (!bus.ok())
                return bus.error();
            connection = std::move(bus.value());
            client = std::make_unique<DbusClient>(connection.get());
        }
        return static_cast<Client*>(client.get());
    };
    return run_pathctl(argc, argv, ctx);
}
