#pragma once
// Real Logger: "pathkeeperd[level]: mpatha: sdb: message" on stderr and/or a journal entry with MAP=/PATH=
// fields. When stderr already goes to the journal (systemd sets JOURNAL_STREAM), the stderr copy is dropped
// so every line is logged once.

#include <mutex>

#include "ports/logger.hpp"

namespace pathkeeper::os {

struct LoggerOptions {
    bool to_stderr = true;
    bool to_journal = true;
    std::string identifier = "pathkeeperd";
};

class JournalLogger final : public ports::Logger {
public:
    explicit JournalLogger(LoggerOptions options = {});
    void log(core::LogLevel level, const ports::LogContext& context, std::string_view message) override;
    // The same line on stderr; in the journal with MESSAGE_ID= and the event's fields too.
    void log_event(const ports::LogEvent& event) override;
    void set_min_level(core::LogLevel level) override;

    // "mpatha: sdb: message" (empty parts left out): the text both sinks carry.
    static std::string format_line(const ports::LogContext& context, std::string_view message);

private:
    void write(core::LogLevel level, const ports::LogContext& context, std::string_view message,
               const ports::LogEvent* event);

    LoggerOptions options_;
    std::mutex mutex_;
    core::LogLevel min_level_ = core::LogLevel::Info;
};

}  // namespace pathkeeper::os
