#include "os/logger.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace pathkeeper::os {
namespace {

int syslog_priority(core::LogLevel level) {
    switch (level) {
        case core::LogLevel::Debug:
            return LOG_DEBUG;
        case core::LogLevel::Info:
            return LOG_INFO;
        case core::LogLevel::Notice:
            return LOG_NOTICE;
        case core::LogLevel::Warning:
            return LOG_WARNING;
        case core::LogLevel::Error:
            return LOG_ERR;
    }
    return LOG_INFO;
}

// True when fd 2 is the journal stream systemd connected us to (JOURNAL_STREAM="dev:ino").
bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) {
        return false;
    }
    unsigned long long dev = 0;
    unsigned long long ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) {
        return false;
    }
    struct stat st {};
    return ::fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

}  // namespace

JournalLogger::JournalLogger(LoggerOptions options) : options_(std::move(options)) {
    if (options_.to_journal && options_.to_stderr && stderr_is_journal()) {
        options_.to_stderr = false;
    }
}

void JournalLogger::set_min_level(core::LogLevel level) {
    std::lock_guard lock(mutex_);
    min_level_ = level;
}

std::string JournalLogger::format_line(const ports::LogContext& context, std::string_view message) {
    std::string line;
    if (!context.map.empty()) {
        line += context.map + ": ";
    }
    if (!context.path.empty()) {
        line += context.path + ": ";
    }
    line += message;
    return line;
}

void JournalLogger::log(core::LogLevel level, const ports::LogContext& context, std::string_view message) {
    write(level, context, message, nullptr);
}

void JournalLogger::log_event(const ports::LogEvent& event) {
    write(event.level, event.context, event.message, &event);
}

void JournalLogger::write(core::LogLevel level, const ports::LogContext& context, std::string_view message,
                          const ports::LogEvent* event) {
    std::lock_guard lock(mutex_);
    if (level > min_level_) {  // core::LogLevel runs from Error down to Debug
        return;
    }
    const std::string line = format_line(context, message);
    if (options_.to_stderr) {
        std::fprintf(stderr, "%s[%s]: %s\n", options_.identifier.c_str(), core::to_string(level),
                     line.c_str());
        std::fflush(stderr);
    }
    if (options_.to_journal) {
        std::vector<std::string> fields{"MESSAGE=" + line,
                                        "PRIORITY=" + std::to_string(syslog_priority(level)),
                                        "SYSLOG_IDENTIFIER=" + options_.identifier};
        if (!context.map.empty()) {
            fields.push_back("MAP=" + context.map);
        }
        if (!context.path.empty()) {
            fields.push_back("PATH=" + context.path);
        }
        if (event != nullptr) {
            fields.push_back("MESSAGE_ID=" + event->message_id);
            for (const auto& [name, value] : event->fields) {
                if (!value.empty()) {
                    fields.push_back(name + "=" + value);
                }
            }
        }
        std::vector<iovec> iov;
        for (auto& field : fields) {
            iov.push_back({field.data(), field.size()});
        }
        sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
    }
}

}  // namespace pathkeeper::os
