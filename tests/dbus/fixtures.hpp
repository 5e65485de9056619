#pragma once
// A small, realistic topology shared by the CLI tests and the D-Bus test server: an ALUA array reached over
// two iSCSI portals (mpatha, two groups), an active/active LUN with one dead path (mpathb), and a local disk
// in no map (sda).

#include "api/views.hpp"

namespace pathkeeper::testing {

api::TopologyView sample_topology();
// n paths in n/2 two-path maps, for the 512-path benchmark.
api::TopologyView large_topology(unsigned path_count);

}  // namespace pathkeeper::testing
