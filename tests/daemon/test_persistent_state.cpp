#include "daemon/persistent_state.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace pathkeeper::daemon {
namespace {

class MemoryFiles final : public ports::StateFiles {
public:
    std::map<std::string, std::string> files;
    core::Result<std::string> read(const std::string& path) override {
        auto it = files.find(path);
        if (it == files.end()) {
            return core::Error{core::ErrorCode::NotFound, path + " missing"};
        }
        return it->second;
    }
    core::Result<void> write_atomic(const std::string& path, std::string_view content) override {
        files[path] = std::string(content);
        return {};
    }
};

class RecordingLogger final : public ports::Logger {
public:
    std::vector<std::string> lines;
    void log(core::LogLevel, const ports::LogContext&, std::string_view message) override {
        lines.emplace_back(message);
    }
    void set_min_level(core::LogLevel) override {}
};

TEST(TheKnownWwidsFile, KeepsValidWwidsAndLogsEachRefusedLineWithFileAndLine) {
    MemoryFiles files;
    files.files["/state/wwids"] = "/36001405aa/\n/3600 a0b8/\n/3600\x01x/\n/36001405bb/\n";
    files.files["/state/bindings"] = "mpatha 36001405aa\nmpathb 3600/a0b8\n";
    RecordingLogger logger;
    auto state = load_persistent_state(core::Config{}, "/state", files, logger);
    EXPECT_EQ(state.known_wwids, (core::KnownWwids{"36001405aa", "36001405bb"}));
    EXPECT_EQ(state.bindings.size(), 1U);
    auto logged = [&](const std::string& text) {
        for (const auto& line : logger.lines) {
            if (line.find(text) != std::string::npos) {
                return true;
            }
        }
        return false;
    };
    EXPECT_TRUE(logged("/state/wwids:2: line ignored: WWID '3600 a0b8' contains whitespace"));
    EXPECT_TRUE(logged("/state/wwids:3: line ignored: control characters in line"));
    EXPECT_TRUE(logged("/state/bindings:2: line ignored: WWID '3600/a0b8' contains '/'"));
}

TEST(TheReservationKeysFile, IsInTheStateDirectoryUnlessTheConfigNamesOne) {
    MemoryFiles files;
    RecordingLogger logger;
    EXPECT_EQ(load_persistent_state(core::Config{}, "/state", files, logger).reservation_keys_path,
              "/state/prkeys");
    core::Config config;
    config.defaults.global.reservation_keys_file = "/etc/multipath/prkeys";
    EXPECT_EQ(load_persistent_state(config, "/state", files, logger).reservation_keys_path,
              "/etc/multipath/prkeys");
}

}  // namespace
}  // namespace pathkeeper::daemon
