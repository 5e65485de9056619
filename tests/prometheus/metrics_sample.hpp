#pragma once
// A fixed metrics sample: two maps (one with three paths down, ghost and up, one with none that queues), a
// path in no map, per-path counters and I/O for some paths only, checker durations on and between bucket
// bounds, and label values with the characters the text format escapes. The render tests assert on its text
// and promtool checks the same text.

#include <memory>

#include "api/metrics.hpp"

namespace pathkeeper::testing {

inline api::PathView metrics_path(const char* devnode, const char* map, const char* state) {
    api::PathView p;
    p.devnode = devnode;
    p.map = map;
    p.checker_state = state;
    p.wwid = "36001405aaaa";
    p.transport = "iscsi";
    p.portal = "10.77.1.1:3260";
    p.target_iqn = "iqn.2024-01.org.example:t1";
    p.hctl = "2:0:0:1";
    return p;
}

inline api::MetricsSample metrics_sample() {
    auto topology = std::make_shared<api::TopologyView>();
    topology->manager.version = "1.2.3";
    topology->manager.checker_threads = 4;
    topology->manager.hung_checks = 1;
    topology->manager.queued_checks = 2;

    api::MapView a;
    a.name = "mpatha";
    a.wwid = "36001405aaaa";
    a.dm_device = "dm-0";
    a.vendor = "AC\"ME";    // a quote
    a.product = "Disk\\2";  // a backslash
    a.no_path_retry = "queue";
    api::MapView b;
    b.name = "db\nlogs";  // a newline: an alias is whatever the configuration says
    b.wwid = "36001405bbbb";
    b.dm_device = "dm-1";
    b.vendor = "LIO-ORG";
    b.product = "TCMU device";
    b.no_path_retry = "5";
    b.queueing = true;
    b.queueing_ends_at = 1796640000;
    b.suspended = true;
    topology->maps = {a, b};

    topology->paths = {metrics_path("sdb", "mpatha", "down"), metrics_path("sdc", "mpatha", "ghost"),
                       metrics_path("sdd", "mpatha", "up"), metrics_path("sde", "", "pending")};
    topology->paths[3].wwid = "36001405eeee";
    topology->paths[3].transport = "sas";
    topology->paths[3].portal = "";
    topology->paths[3].target_iqn = "";

    api::MetricsSample sample;
    sample.topology = topology;
    sample.path_counters["sdb"] = {3, 2};
    sample.path_counters["sdd"] = {0, 1};
    sample.path_counters["sdx"] = {7, 7};  // a path that is gone: not shown
    sample.path_io["sdb"] = {1200, 800, 98304 * 512ULL, 409600 * 512ULL, 2};
    sample.path_io["sdd"] = {5, 6, 7, 8, 0};
    for (const double seconds : {0.004, 0.005, 0.3, 45.0}) {
        sample.check_duration.observe(seconds);
    }
    sample.config_reloads = {4, 1, false};
    sample.written_at_unix_seconds = 1765100000.5;
    return sample;
}

}  // namespace pathkeeper::testing
