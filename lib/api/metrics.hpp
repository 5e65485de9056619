#pragma once
// The daemon's state in the Prometheus text exposition format (version 0.0.4), as node_exporter's textfile
// collector reads it: HELP and TYPE for every family, no sample timestamps. The family names and labels are
// an interface of their own (alert rules and dashboards use them); docs/monitoring.md lists them.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/views.hpp"

namespace pathkeeper::api {

// A histogram with fixed upper bounds; counts are per bucket, the last one above every bound (+Inf).
class Histogram {
public:
    explicit Histogram(std::vector<double> upper_bounds);
    void observe(double value);

    const std::vector<double>& upper_bounds() const noexcept { return bounds_; }
    const std::vector<std::uint64_t>& bucket_counts() const noexcept { return counts_; }
    double sum() const noexcept { return sum_; }
    std::uint64_t count() const noexcept { return count_; }

private:
    std::vector<double> bounds_;
    std::vector<std::uint64_t> counts_;
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

// Seconds: a TUR answers in milliseconds, a hung target only at the checker timeout (30 s by default).
std::vector<double> check_duration_buckets();

// What the daemon counted about a path since it started.
struct PathCounters {
    std::uint64_t failures = 0;    // usable -> down or shaky
    std::uint64_t reinstates = 0;  // down or shaky -> usable
    bool operator==(const PathCounters&) const = default;
};

// A path's block-layer I/O counters (its stat file).
struct PathIo {
    std::uint64_t read_requests = 0;
    std::uint64_t write_requests = 0;
    std::uint64_t read_bytes = 0;
    std::uint64_t written_bytes = 0;
    std::uint64_t in_flight = 0;
    bool operator==(const PathIo&) const = default;
};

struct ConfigReloads {
    std::uint64_t applied = 0;
    std::uint64_t rejected = 0;
    bool last_successful = true;
};

struct MetricsSample {
    std::shared_ptr<const TopologyView> topology;                    // never null
    std::map<std::string, PathCounters, std::less<>> path_counters;  // by devnode
    std::map<std::string, PathIo, std::less<>> path_io;              // by devnode; absent: no stat file
    Histogram check_duration{check_duration_buckets()};
    ConfigReloads config_reloads;
    double written_at_unix_seconds = 0;
};

std::string render_metrics(const MetricsSample& sample);

// A label value as the text format writes it between double quotes.
std::string escape_label_value(std::string_view value);

}  // namespace pathkeeper::api
