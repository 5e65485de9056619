#pragma once
// Port: logging with map/path context. The real adaptor writes "mpatha: sdb: message" to stderr and sends
// MAP=/PATH= fields to the journal; tests capture lines in memory.

#include <string>
#include <string_view>

#include "core/config.hpp"

namespace pathkeeper::ports {

struct LogContext {
    std::string map;   // alias or name of the map, "" when none
    std::string path;  // devnode of the path, "" when none
};

class Logger {
public:
    virtual ~Logger() = default;
    virtual void log(core::LogLevel level, const LogContext& context, std::string_view message) = 0;
    virtual void set_min_level(core::LogLevel level) = 0;

    void info(std::string_view message) { log(core::LogLevel::Info, {}, message); }
    void warning(std::string_view message) { log(core::LogLevel::Warning, {}, message); }
    void error(std::string_view message) { log(core::LogLevel::Error, {}, message); }
};

}  // namespace pathkeeper::ports
