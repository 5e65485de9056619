#include "daemon/metrics_textfile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "os/block_stats.hpp"

namespace pathkeeper::daemon {

namespace {

constexpr std::chrono::seconds kMinimumGap{1};
// poll() runs at the loop's once-a-second housekeeping, whose ticks jitter by milliseconds: without slack a
// tick that comes a little early would push a write that is due by a whole second.
constexpr std::chrono::milliseconds kTickSlack{100};

std::string file_in(const std::string& directory) {
    return directory + "/" + MetricsTextfile::kFileName;
}

std::string errno_text(const std::string& what, int error) {
    return what + ": " + std::strerror(error);
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

std::string write_metrics_file(const std::string& directory, const std::string& block_stats_root,
                               api::MetricsSample sample, MetricsPublishGate& gate) {
    if (!block_stats_root.empty()) {
        for (const api::PathView& p : sample.topology->paths) {
            if (const auto stats = os::read_block_stats(block_stats_root, p.devnode)) {
                sample.path_io[p.devnode] =
                    api::PathIo{stats->reads, stats->writes, stats->sectors_read * 512,
                                stats->sectors_written * 512, stats->in_flight};
            }
        }
    }
    sample.written_at_unix_seconds =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string text = api::render_metrics(sample);

    // node_exporter reads *.prom only: the temporary name must not end so.
    const std::string temporary = directory + "/." + MetricsTextfile::kFileName + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return errno_text("cannot create " + temporary, errno);
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            ::close(fd);
            ::unlink(temporary.c_str());
            return errno_text("cannot write " + temporary, error);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return errno_text("cannot write " + temporary, error);
    }
    const std::lock_guard lock(gate.mutex);
    if (gate.closed) {
        ::unlink(temporary.c_str());
        return {};
    }
    if (::rename(temporary.c_str(), file_in(directory).c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary.c_str());
        return errno_text("cannot replace " + file_in(directory), error);
    }
    return {};
}

void MetricsTextfile::poll(MonotonicClock::time_point now, const core::ResolvedGlobalOptions& options,
                           const std::function<api::MetricsSample()>& sample) {
    if (in_flight_) {
        return;
    }
    const std::string& configured = options.metrics_textfile_directory.value;
    const bool off = configured == "off" || configured.empty();
    const std::string directory = files_root_ + configured;
    if (!written_directory_.empty() && (off || directory != written_directory_)) {
        remove_file();  // the option changed: no stale file is left where node_exporter still reads it
    }
    if (off) {
        return;
    }
    const bool due = !last_start_ || now - *last_start_ + kTickSlack >= options.metrics_interval.value;
    const bool allowed = !last_start_ || now - *last_start_ + kTickSlack >= kMinimumGap;
    if (!(due || (changed_ && allowed))) {
        return;
    }
    changed_ = false;
    last_start_ = now;
    in_flight_ = true;
    in_flight_directory_ = directory;
    worker_.submit(kQueue, [this, directory, root = block_stats_root_, gate = gate_, s = sample()]() mutable {
        Outcome outcome{directory, {}, !is_directory(directory)};
        if (!outcome.no_directory) {
            outcome.problem = write_metrics_file(directory, root, std::move(s), *gate);
        }
        return [this, outcome = std::move(outcome)] { finished(outcome); };
    });
}

void MetricsTextfile::finished(const Outcome& outcome) {
    in_flight_ = false;
    // A missing directory leaves `problem` empty (nothing was tried): it must be told apart before a write.
    if (outcome.no_directory) {
        // The default directory exists only where node_exporter is installed: its absence is no fault.
        const std::string problem = "no directory " + outcome.directory;
        if (problem != last_problem_) {
            logger_.log(core::LogLevel::Info, {},
                        "metrics: not written, " + problem + " (prometheus-node-exporter not installed?)");
        }
        last_problem_ = problem;
    } else if (outcome.problem.empty()) {
        written_directory_ = outcome.directory;
        if (!last_problem_.empty()) {
            logger_.log(core::LogLevel::Notice, {},
                        "metrics: writing " + file_in(outcome.directory) + " again");
        }
        last_problem_.clear();
    } else {
        if (outcome.problem != last_problem_) {
            logger_.log(core::LogLevel::Warning, {}, "metrics: not written: " + outcome.problem);
        }
        last_problem_ = outcome.problem;
    }
}

void MetricsTextfile::stop() {
    {
        const std::lock_guard lock(gate_->mutex);
        gate_->closed = true;
    }
    // A write that was running may have published before the gate closed, unseen by finished().
    if (in_flight_ && written_directory_.empty()) {
        written_directory_ = in_flight_directory_;
    }
    remove_file();
}

void MetricsTextfile::remove_file() {
    if (written_directory_.empty()) {
        return;
    }
    const std::string path = file_in(written_directory_);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        logger_.log(core::LogLevel::Warning, {}, errno_text("metrics: cannot remove " + path, errno));
    }
    written_directory_.clear();
}

}  // namespace pathkeeper::daemon
