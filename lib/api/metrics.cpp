#include "api/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <system_error>

namespace pathkeeper::api {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {
    std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
    sum_ += value;
    ++count_;
}

std::vector<double> check_duration_buckets() {
    return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

namespace {

constexpr std::array<std::string_view, 5> kPathStates{"up", "down", "ghost", "pending", "shaky"};

std::string number(double value) {
    std::array<char, 32> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return error == std::errc{} ? std::string(buffer.data(), end) : std::string("NaN");
}

std::string number(std::uint64_t value) {
    return std::to_string(value);
}

// Writes one family at a time: HELP and TYPE first, then its samples.
class Exposition {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }

    using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

    void sample(std::string_view name, Labels labels, const std::string& value) {
        out_ += name;
        if (labels.size() > 0) {
            out_ += '{';
            bool first = true;
            for (const auto& [key, text] : labels) {
                if (!first) {
                    out_ += ',';
                }
                first = false;
                out_ += key;
                out_ += "=\"";
                out_ += escape_label_value(text);
                out_ += '"';
            }
            out_ += '}';
        }
        out_ += ' ';
        out_ += value;
        out_ += '\n';
    }

    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

bool counts_as_usable(const std::string& checker_state) {
    return checker_state == "up" || checker_state == "ghost";
}

void render_daemon(const MetricsSample& s, Exposition& e) {
    const ManagerView& m = s.topology->manager;
    e.family("pathkeeper_build_info", "gauge", "pathkeeperd's version; always 1.");
    e.sample("pathkeeper_build_info", {{"version", m.version}}, "1");
    e.family("pathkeeper_metrics_updated_timestamp_seconds", "gauge",
             "Unix time at which pathkeeperd wrote these metrics.");
    e.sample("pathkeeper_metrics_updated_timestamp_seconds", {}, number(s.written_at_unix_seconds));
    e.family("pathkeeper_config_reloads_total", "counter",
             "Configuration reloads (SIGHUP, pathctl reconfigure) since the daemon started, by outcome.");
    e.sample("pathkeeper_config_reloads_total", {{"result", "applied"}}, number(s.config_reloads.applied));
    e.sample("pathkeeper_config_reloads_total", {{"result", "rejected"}}, number(s.config_reloads.rejected));
    e.family("pathkeeper_config_last_reload_successful", "gauge",
             "1 unless the last configuration reload was rejected (the previous configuration stays).");
    e.sample("pathkeeper_config_last_reload_successful", {}, s.config_reloads.last_successful ? "1" : "0");
    e.family("pathkeeper_checker_threads", "gauge", "Threads of the path checker pool.");
    e.sample("pathkeeper_checker_threads", {}, number(std::uint64_t{m.checker_threads}));
    e.family("pathkeeper_checks_hung", "gauge",
             "Path checks holding a checker thread past the slow threshold.");
    e.sample("pathkeeper_checks_hung", {}, number(std::uint64_t{m.hung_checks}));
    e.family("pathkeeper_checks_queued", "gauge", "Path checks waiting for a checker thread.");
    e.sample("pathkeeper_checks_queued", {}, number(std::uint64_t{m.queued_checks}));

    const Histogram& h = s.check_duration;
    e.family("pathkeeper_check_duration_seconds", "histogram",
             "Time from a path check's start to its result, in seconds.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.upper_bounds().size(); ++i) {
        cumulative += h.bucket_counts()[i];
        e.sample("pathkeeper_check_duration_seconds_bucket", {{"le", number(h.upper_bounds()[i])}},
                 number(cumulative));
    }
    e.sample("pathkeeper_check_duration_seconds_bucket", {{"le", "+Inf"}}, number(h.count()));
    e.sample("pathkeeper_check_duration_seconds_sum", {}, number(h.sum()));
    e.sample("pathkeeper_check_duration_seconds_count", {}, number(h.count()));
}

void render_maps(const MetricsSample& s, Exposition& e) {
    const auto& maps = s.topology->maps;
    const auto& paths = s.topology->paths;
    e.family("pathkeeper_map_info", "gauge", "A multipath map and what it is; always 1.");
    for (const MapView& m : maps) {
        e.sample("pathkeeper_map_info",
                 {{"map", m.name},
                  {"wwid", m.wwid},
                  {"dm_device", m.dm_device},
                  {"vendor", m.vendor},
                  {"product", m.product},
                  {"no_path_retry", m.no_path_retry}},
                 "1");
    }
    e.family("pathkeeper_map_paths", "gauge", "Paths of the map.");
    for (const MapView& m : maps) {
        const auto n =
            std::count_if(paths.begin(), paths.end(), [&](const PathView& p) { return p.map == m.name; });
        e.sample("pathkeeper_map_paths", {{"map", m.name}}, number(static_cast<std::uint64_t>(n)));
    }
    e.family("pathkeeper_map_usable_paths", "gauge",
             "Paths of the map that can carry I/O now (checker state up or ghost).");
    for (const MapView& m : maps) {
        const auto n = std::count_if(paths.begin(), paths.end(), [&](const PathView& p) {
            return p.map == m.name && counts_as_usable(p.checker_state);
        });
        e.sample("pathkeeper_map_usable_paths", {{"map", m.name}}, number(static_cast<std::uint64_t>(n)));
    }
    e.family("pathkeeper_map_queueing", "gauge", "1 while the map holds I/O because no path can carry it.");
    for (const MapView& m : maps) {
        e.sample("pathkeeper_map_queueing", {{"map", m.name}}, m.queueing ? "1" : "0");
    }
    e.family("pathkeeper_map_queueing_ends_timestamp_seconds", "gauge",
             "While no_path_retry counts down with no path left: the Unix time at which queued I/O fails.");
    for (const MapView& m : maps) {
        if (m.queueing_ends_at) {
            e.sample("pathkeeper_map_queueing_ends_timestamp_seconds", {{"map", m.name}},
                     std::to_string(*m.queueing_ends_at));
        }
    }
    e.family("pathkeeper_map_suspended", "gauge",
             "1 while a reload left the map suspended, until the daemon's retried resume succeeds.");
    for (const MapView& m : maps) {
        e.sample("pathkeeper_map_suspended", {{"map", m.name}}, m.suspended ? "1" : "0");
    }
}

void render_paths(const MetricsSample& s, Exposition& e) {
    const auto& paths = s.topology->paths;
    e.family("pathkeeper_path_info", "gauge", "A path and where it leads; always 1.");
    for (const PathView& p : paths) {
        e.sample("pathkeeper_path_info",
                 {{"map", p.map},
                  {"path", p.devnode},
                  {"wwid", p.wwid},
                  {"transport", p.transport},
                  {"portal", p.portal},
                  {"target", p.target_iqn},
                  {"hctl", p.hctl}},
                 "1");
    }
    e.family("pathkeeper_path_state", "gauge",
             "1 for the path checker's current state of the path (shaky: flap-damped), 0 for the others.");
    for (const PathView& p : paths) {
        for (const std::string_view state : kPathStates) {
            e.sample("pathkeeper_path_state", {{"map", p.map}, {"path", p.devnode}, {"state", state}},
                     p.checker_state == state ? "1" : "0");
        }
    }
    const auto counters = [&](std::string_view name, std::string_view help,
                              std::uint64_t PathCounters::*field) {
        e.family(name, "counter", help);
        for (const PathView& p : paths) {
            const auto it = s.path_counters.find(p.devnode);
            const std::uint64_t value = it == s.path_counters.end() ? 0 : it->second.*field;
            e.sample(name, {{"map", p.map}, {"path", p.devnode}}, number(value));
        }
    };
    counters("pathkeeper_path_failures_total", "Times the path became unusable since the daemon started.",
             &PathCounters::failures);
    counters("pathkeeper_path_reinstates_total",
             "Times the path became usable again since the daemon started.", &PathCounters::reinstates);

    const auto io = [&](std::string_view name, std::string_view type, std::string_view help,
                        std::uint64_t PathIo::*field) {
        e.family(name, type, help);
        for (const PathView& p : paths) {
            if (const auto it = s.path_io.find(p.devnode); it != s.path_io.end()) {
                e.sample(name, {{"map", p.map}, {"path", p.devnode}}, number(it->second.*field));
            }
        }
    };
    io("pathkeeper_path_read_requests_total", "counter", "Read requests the path's block device completed.",
       &PathIo::read_requests);
    io("pathkeeper_path_write_requests_total", "counter", "Write requests the path's block device completed.",
       &PathIo::write_requests);
    io("pathkeeper_path_read_bytes_total", "counter", "Bytes read through the path's block device.",
       &PathIo::read_bytes);
    io("pathkeeper_path_written_bytes_total", "counter", "Bytes written through the path's block device.",
       &PathIo::written_bytes);
    io("pathkeeper_path_io_in_flight", "gauge",
       "Requests issued to the path's block device, not yet completed.", &PathIo::in_flight);
}

}  // namespace

std::string render_metrics(const MetricsSample& sample) {
    Exposition e;
    render_daemon(sample, e);
    render_maps(sample, e);
    render_paths(sample, e);
    return e.take();
}

}  // namespace pathkeeper::api
