#pragma once
// pathctl's command line: CLI11 app assembly and dispatch, independent of where the Client comes from, so
// tests run every subcommand against a fake and compare its output byte for byte.
//
// Exit codes: 0 ok, 1 the operation failed (including AccessDenied), 2 usage error, 3 daemon not reachable.

#include <functional>
#include <ostream>
#include <string>

#include "cli/client.hpp"
#include "cli/format.hpp"

namespace pathkeeper::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

struct Context {
    // Connects lazily: `plan` and `--help` never touch the bus. The Client stays owned by the caller.
    std::function<Reply<Client*>()> connect;
    std::ostream* out = nullptr;
    std::ostream* err = nullptr;
    bool stdout_is_terminal = false;
    Style style;                             // resolved from --color and stdout_is_terminal
    std::function<bool()> should_stop;       // watch ends when this returns true (Ctrl-C)
    std::function<std::string()> timestamp;  // watch line prefix, e.g. "12:00:01"
    // watch --json "time": when pathctl received the event, RFC 3339 in UTC with milliseconds.
    std::function<std::string()> event_time;
};

int run_pathctl(int argc, const char* const* argv, Context& ctx);

// Prints what went wrong (and for an unreachable daemon, how to start it); returns the exit code.
int report_error(const ClientError& error, Context& ctx);

}  // namespace pathkeeper::cli
