#pragma once
// Port: logging with map/path context. The real adaptor writes "mpatha: sdb: message" to stderr and sends
// MAP=/PATH= fields to the journal; tests capture lines in memory. A LogEvent is a line that is also a
// structured journal entry: a state change with a stable MESSAGE_ID and its own fields.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.hpp"

namespace pathkeeper::ports {

struct LogContext {
    std::string map;   // alias or name of the map, "" when none
    std::string path;  // devnode of the path, "" when none
};

struct LogEvent {
    core::LogLevel level = core::LogLevel::Notice;
    std::string message_id;  // 32 lowercase hex digits, as the journal's MESSAGE_ID
    LogContext context;
    std::vector<std::pair<std::string, std::string>>
        fields;  // e.g. {"WWID", "3600..."}; empty values left out
    std::string message;
};

class Logger {
public:
    virtual ~Logger() = default;
    virtual void log(core::LogLevel level, const LogContext& context, std::string_view message) = 0;
    // Sinks without structured fields keep the line only.
    virtual void log_event(const LogEvent& event) { log(event.level, event.context, event.message); }
    virtual void set_min_level(core::LogLevel level) = 0;

    void info(std::string_view message) { log(core::LogLevel::Info, {}, message); }
    void warning(std::string_view message) { log(core::LogLevel::Warning, {}, message); }
    void error(std::string_view message) { log(core::LogLevel::Error, {}, message); }
};

}  // namespace pathkeeper::ports
