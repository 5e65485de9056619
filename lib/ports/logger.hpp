#pragma once
// Port: logging with map/path context. The real adaptor writes "mpatha: sdb: message" to stderr and sends
// MAP=/PATH= fields to the journal; tests capture lines in memory.

#include <string>
#include <string_view>

namespace pathkeeper::ports {

enum class LogLevel { Debug, Info, Notice, Warning, Error };

struct LogContext {
    std::string map;   // alias or name of the map, "" when none
    std::string path;  // devnode of the path, "" when none
};

class Logger {
public:
    virtual ~Logger() = default;
    virtual void log(LogLevel level, const LogContext& context, std::string_view message) = 0;
    virtual void set_min_level(LogLevel level) = 0;

    void info(std::string_view message) { log(LogLevel::Info, {}, message); }
    void warning(std::string_view message) { log(LogLevel::Warning, {}, message); }
    void error(std::string_view message) { log(LogLevel::Error, {}, message); }
};

inline const char* to_string(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::Debug:
            return "debug";
        case LogLevel::Info:
            return "info";
        case LogLevel::Notice:
            return "notice";
        case LogLevel::Warning:
            return "warning";
        case LogLevel::Error:
            return "error";
    }
    return "unknown";
}

}  // namespace pathkeeper::ports
