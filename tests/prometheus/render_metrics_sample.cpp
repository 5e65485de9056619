// Writes the Prometheus text of the fixed metrics sample (or, with "empty", of a daemon that knows no map and
// no path) to standard output, for promtool to check.
#include <iostream>
#include <memory>
#include <string_view>

#include "api/metrics.hpp"
#include "metrics_sample.hpp"

int main(int argc, char** argv) {
    auto sample = pathkeeper::testing::metrics_sample();
    if (argc > 1 && std::string_view(argv[1]) == "empty") {
        sample.topology = std::make_shared<pathkeeper::api::TopologyView>();
        sample.path_counters.clear();
        sample.path_io.clear();
    }
    std::cout << pathkeeper::api::render_metrics(sample);
    return std::cout.good() ? 0 : 1;
}
