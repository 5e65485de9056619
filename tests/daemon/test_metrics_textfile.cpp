// MetricsTextfile and write_metrics_file: pathkeeper.prom written atomically on the dm worker into the
// configured directory (with the paths' block-layer I/O counters), only while the directory exists, after a
// change at most once a second and every metrics_interval; removed at a clean stop and when the option moves.
#include "daemon/metrics_textfile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace pathkeeper::daemon {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

class CapturingLogger final : public ports::Logger {
public:
    void log(core::LogLevel level, const ports::LogContext&, std::string_view message) override {
        lines.push_back(std::string(core::to_string(level)) + " " + std::string(message));
    }
    void set_min_level(core::LogLevel) override {}
    std::vector<std::string> lines;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << text;
}

std::vector<std::string> entries(const std::string& directory) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(directory)) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

api::PathView path(const char* devnode, const char* map, const char* state) {
    api::PathView p;
    p.devnode = devnode;
    p.map = map;
    p.checker_state = state;
    return p;
}

api::MetricsSample sample_of_two_paths() {
    auto topology = std::make_shared<api::TopologyView>();
    topology->manager.version = "9.9.9";
    api::MapView m;
    m.name = "mpatha";
    topology->maps = {m};
    topology->paths = {path("sdb", "mpatha", "up"), path("sdc", "mpatha", "down")};
    api::MetricsSample s;
    s.topology = topology;
    return s;
}

// The text without its timestamp line, which write_metrics_file fills in.
std::string without_timestamp(const std::string& text) {
    std::istringstream in(text);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with("pathkeeper_metrics_updated_timestamp_seconds ")) {
            out += line + "\n";
        }
    }
    return out;
}

class AMetricsTextfile : public ::testing::Test {
protected:
    AMetricsTextfile() : options_(core::resolve_global_options(core::Config{})) {
        directory_ = tmp_.path() + "/textfile";
        fs::create_directories(directory_);
        file_ = directory_ + "/pathkeeper.prom";
        options_.metrics_textfile_directory.value = directory_;
        options_.metrics_interval.value = milliseconds(15000);
    }

    // Polls, waits for the write (if one started) and returns whether one started.
    bool poll_at(MonotonicClock::duration since_t0) {
        const int before = samples_;
        textfile_.poll(t0_ + since_t0, options_, [this] {
            ++samples_;
            return sample_of_two_paths();
        });
        worker_.wait_idle();
        return samples_ > before;
    }

    TempDir tmp_;
    std::string directory_;
    std::string file_;
    core::ResolvedGlobalOptions options_;
    CapturingLogger logger_;
    DmWorker worker_{1};
    std::string block_stats_root_ = tmp_.path() + "/sys";
    MetricsTextfile textfile_{worker_, logger_, block_stats_root_, ""};
    MonotonicClock::time_point t0_ = MonotonicClock::now();
    int samples_ = 0;
};

TEST_F(AMetricsTextfile, WritesTheRenderedTextAndLeavesNoTemporaryFile) {
    EXPECT_TRUE(poll_at(seconds(0)));
    ASSERT_TRUE(fs::exists(file_));
    const std::string text = read_file(file_);
    EXPECT_EQ(without_timestamp(text), without_timestamp(api::render_metrics(sample_of_two_paths())));
    EXPECT_EQ(entries(directory_), std::vector<std::string>{"pathkeeper.prom"});
    // Readable by node_exporter, which need not run as root.
    struct stat st {};
    ASSERT_EQ(::stat(file_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644U);

    // The timestamp is the wall clock's at the write.
    const auto at = text.find("\npathkeeper_metrics_updated_timestamp_seconds ");
    ASSERT_NE(at, std::string::npos);
    const double written = std::stod(text.substr(at + 46));
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_NEAR(written, now, 60);
    EXPECT_TRUE(logger_.lines.empty()) << logger_.lines.front();
}

TEST_F(AMetricsTextfile, AddsThePathsBlockLayerCounters) {
    write_file(block_stats_root_ + "/block/sdb/stat",
               "1200 3 98304 5000 800 4 409600 3000 2 6100 8000 0 0 0 0 0 0\n");
    EXPECT_TRUE(poll_at(seconds(0)));
    const std::string text = read_file(file_);
    EXPECT_THAT(text, HasSubstr("\npathkeeper_path_read_bytes_total{map=\"mpatha\",path=\"sdb\"} " +
                                std::to_string(98304ULL * 512) + "\n"));
    EXPECT_THAT(text, HasSubstr("\npathkeeper_path_written_bytes_total{map=\"mpatha\",path=\"sdb\"} " +
                                std::to_string(409600ULL * 512) + "\n"));
    EXPECT_THAT(text, HasSubstr("\npathkeeper_path_read_requests_total{map=\"mpatha\",path=\"sdb\"} 1200\n"));
    EXPECT_THAT(text, HasSubstr("\npathkeeper_path_write_requests_total{map=\"mpatha\",path=\"sdb\"} 800\n"));
    EXPECT_THAT(text, HasSubstr("\npathkeeper_path_io_in_flight{map=\"mpatha\",path=\"sdb\"} 2\n"));
    // sdc has no stat file: no I/O samples, its other families still there.
    EXPECT_THAT(text, HasSubstr("\npathkeeper_path_failures_total{map=\"mpatha\",path=\"sdc\"} 0\n"));
    for (const char* family : {"read_requests_total", "write_requests_total", "read_bytes_total",
                               "written_bytes_total", "io_in_flight"}) {
        EXPECT_EQ(text.find(std::string("pathkeeper_path_") + family + "{map=\"mpatha\",path=\"sdc\"}"),
                  std::string::npos)
            << family;
    }
}

TEST_F(AMetricsTextfile, AMissingDirectoryIsToldOnceAtInfoAndNothingIsWritten) {
    fs::remove(directory_);
    EXPECT_TRUE(poll_at(seconds(0)));
    EXPECT_TRUE(poll_at(seconds(15)));
    EXPECT_TRUE(poll_at(seconds(30)));
    EXPECT_FALSE(fs::exists(directory_));
    ASSERT_EQ(logger_.lines.size(), 1U);
    EXPECT_THAT(logger_.lines[0], HasSubstr("info metrics: not written, no directory " + directory_));

    // node_exporter installed later: the next write goes there, and says so.
    fs::create_directories(directory_);
    EXPECT_TRUE(poll_at(seconds(45)));
    EXPECT_TRUE(fs::exists(file_));
    ASSERT_EQ(logger_.lines.size(), 2U);
    EXPECT_THAT(logger_.lines[1], HasSubstr("metrics: writing " + file_ + " again"));
}

TEST_F(AMetricsTextfile, AFailedWriteIsAWarningOnceAndLeavesNothing) {
    // The temporary file's name taken by a directory: creating it fails even for root.
    fs::create_directories(directory_ + "/.pathkeeper.prom.tmp");
    EXPECT_TRUE(poll_at(seconds(0)));
    EXPECT_TRUE(poll_at(seconds(15)));
    EXPECT_FALSE(fs::exists(file_));
    ASSERT_EQ(logger_.lines.size(), 1U);
    EXPECT_THAT(logger_.lines[0], HasSubstr("warning metrics: not written: cannot create " + directory_ +
                                            "/.pathkeeper.prom.tmp"));
}

TEST_F(AMetricsTextfile, StopRemovesTheFile) {
    EXPECT_TRUE(poll_at(seconds(0)));
    ASSERT_TRUE(fs::exists(file_));
    textfile_.stop();
    EXPECT_FALSE(fs::exists(file_));
    EXPECT_TRUE(entries(directory_).empty());
}

TEST_F(AMetricsTextfile, AWriteStillRunningAtStopPublishesNothing) {
    EXPECT_TRUE(poll_at(seconds(0)));
    ASSERT_TRUE(fs::exists(file_));
    // sdb's stat file a FIFO: the next write blocks reading it, before its rename, until the test writes.
    const std::string fifo = block_stats_root_ + "/block/sdb/stat";
    fs::create_directories(fs::path(fifo).parent_path());
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    textfile_.changed();
    textfile_.poll(t0_ + seconds(2), options_, [] { return sample_of_two_paths(); });
    textfile_.stop();
    EXPECT_FALSE(fs::exists(file_));
    // Opening for writing waits for the worker's read: the write is past stop() in every interleaving.
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const std::string line = "1 0 2 0 3 0 4 0 0 0 0\n";
    EXPECT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    ::close(fd);
    worker_.wait_idle();
    EXPECT_TRUE(entries(directory_).empty());
}

TEST_F(AMetricsTextfile, ADirectoryTurnedOffLosesItsFile) {
    EXPECT_TRUE(poll_at(seconds(0)));
    ASSERT_TRUE(fs::exists(file_));
    options_.metrics_textfile_directory.value = "off";
    EXPECT_FALSE(poll_at(seconds(1)));
    EXPECT_FALSE(fs::exists(file_));
    textfile_.changed();
    EXPECT_FALSE(poll_at(seconds(30)));
    EXPECT_TRUE(entries(directory_).empty());
}

TEST_F(AMetricsTextfile, AnotherDirectoryGetsTheFileAndTheOldOneLosesIt) {
    EXPECT_TRUE(poll_at(seconds(0)));
    const std::string other = tmp_.path() + "/other";
    fs::create_directories(other);
    options_.metrics_textfile_directory.value = other;
    textfile_.changed();
    EXPECT_TRUE(poll_at(seconds(1)));
    EXPECT_FALSE(fs::exists(file_));
    EXPECT_TRUE(fs::exists(other + "/pathkeeper.prom"));
    // A clean stop removes it where it is now.
    textfile_.stop();
    EXPECT_TRUE(entries(other).empty());
}

TEST_F(AMetricsTextfile, WritesAfterAChangeAtMostOnceASecondAndEveryInterval) {
    options_.metrics_interval.value = milliseconds(5000);
    EXPECT_TRUE(poll_at(seconds(0)));  // the first poll writes
    EXPECT_FALSE(poll_at(milliseconds(500)));
    textfile_.changed();
    EXPECT_FALSE(poll_at(milliseconds(800)));  // changed, but the last write is not a second old
    EXPECT_TRUE(poll_at(milliseconds(950)));   // the change, written at the next tick (ticks jitter a little)
    EXPECT_FALSE(poll_at(milliseconds(2000)));
    EXPECT_FALSE(poll_at(milliseconds(5800)));
    EXPECT_TRUE(poll_at(milliseconds(5950)));  // metrics_interval after the last write, without a change
    textfile_.changed();
    textfile_.changed();
    EXPECT_TRUE(poll_at(milliseconds(7000)));  // several changes, one write
    EXPECT_FALSE(poll_at(milliseconds(7800)));
}

TEST_F(AMetricsTextfile, OneWriteAtATime) {
    // A job ahead of the write on its queue holds it on the worker.
    std::mutex held;
    std::unique_lock hold(held);
    worker_.submit(MetricsTextfile::kQueue, [&held]() -> DmWorker::Continuation {
        const std::lock_guard wait(held);
        return [] {};
    });
    textfile_.poll(t0_, options_, [this] {
        ++samples_;
        return sample_of_two_paths();
    });
    textfile_.changed();
    textfile_.poll(t0_ + seconds(20), options_, [this] {
        ++samples_;
        return sample_of_two_paths();
    });
    EXPECT_EQ(samples_, 1);
    hold.unlock();
    worker_.wait_idle();
    EXPECT_TRUE(fs::exists(file_));
    EXPECT_TRUE(poll_at(seconds(21)));  // the change waited for the write in flight
    EXPECT_EQ(samples_, 2);
}

TEST(WriteMetricsFile, WithTheGateClosedPublishesNothing) {
    TempDir tmp;
    MetricsPublishGate gate;
    gate.closed = true;
    EXPECT_EQ(write_metrics_file(tmp.path(), "", sample_of_two_paths(), gate), "");
    EXPECT_TRUE(entries(tmp.path()).empty());
}

TEST(WriteMetricsFile, ReplacesTheFileAndSaysWhatWentWrong) {
    TempDir tmp;
    MetricsPublishGate gate;
    write_file(tmp.path() + "/pathkeeper.prom", "stale\n");
    EXPECT_EQ(write_metrics_file(tmp.path(), "", sample_of_two_paths(), gate), "");
    EXPECT_THAT(read_file(tmp.path() + "/pathkeeper.prom"),
                HasSubstr("pathkeeper_build_info{version=\"9.9.9\"} 1\n"));
    EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"pathkeeper.prom"});
    EXPECT_THAT(write_metrics_file(tmp.path() + "/missing", "", sample_of_two_paths(), gate),
                HasSubstr("cannot create " + tmp.path() + "/missing/.pathkeeper.prom.tmp: "));
}

}  // namespace
}  // namespace pathkeeper::daemon
