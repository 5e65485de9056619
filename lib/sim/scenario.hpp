#pragma once
// A simulation scenario: the disks a fake host has, the dm maps already loaded when the daemon starts, how
// the fake checkers answer, and a timeline of things that happen later (a checker turns down, a disk is
// unplugged, the kernel fails a path on I/O error). Written in YAML so a storage admin can read a test.
//
//   paths:                      # same keys as `pathctl plan --paths`, plus a few
//     - dev: sdb                # required
//       devt: "8:16"            # required
//       wwid: "36001405..."     # required
//       vendor: LIO-ORG
//       product: disk1
//       revision: "4.0"
//       serial: "..."
//       state: up               # what the checker reports: up | down | ghost (default up)
//       alua_state: active/optimized
//       tpgs: true
//       priority: 50
//       array_priority: 6       # what an array prioritizer (rdac, emc, ...) measures with each check
//       size_sectors: 2097152
//       transport: iscsi        # iscsi | fc | sas | other | unknown
//       hctl: "2:0:0:1"
//       node_name: "iqn...,10.0.0.1:3260"
//       target_iqn: "iqn..."    # iSCSI only
//       portal: "10.0.0.1:3260"
//       session_id: 1
//       present: true           # false: known to the scenario but plugged in later ("add sdX")
//   maps:                       # dm maps present before the daemon starts (adoption)
//     - name: mpatha
//       wwid: "36001405..."     # uuid becomes mpath-<wwid>
//       size_sectors: 2097152
//       table: "0 0 1 1 service-time 0 2 1 8:16 1 8:32 1"
//       open_count: 1
//       failed: [sdb]           # paths dm already has failed
//   checker_delay: 20ms         # how long each fake check takes
//   reenumerate_delay: 4s       # how long each enumeration after the first takes; it returns the disks
//                               # present when it began (a scan stalled in sysfs or udev's database)
//   udev_held: [MAP]            # maps whose udev work never finishes until "udev-release MAP"
//   timeline:
//     - at: 2s                  # after daemon start
//       do: checker sdb down    # see SimCommand
//   control_fifo: /tmp/x.fifo   # optional: commands (one per line) read while running
//   dump_dir: /tmp/sim          # where the fake dm writes tables/status/ops; default <state-dir>/sim

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace pathkeeper::sim {

struct SimPath {
    core::PathInfo info;
    core::PathState checker_state = core::PathState::Up;
    std::optional<int> array_priority;  // reported with a check that asks for a measured priority
    bool present = true;
};

struct SimMap {
    std::string name;
    std::string wwid;
    std::uint64_t size_sectors = 0;
    std::string table;
    int open_count = 0;
    std::vector<std::string> failed;  // devnodes
};

// One thing that happens to the simulated host.
//   checker DEV up|down|ghost   the fake checker's answer for DEV from now on
//   alua DEV STATE [quiet]      the path's ALUA access state (sysfs spelling), sends a udev change event;
//                               quiet: no event, as for the paths whose access_state the kernel's alua
//                               handler updates from REPORT TARGET PORT GROUPS sent down another path
//   add DEV [lost]              plug a scenario path in (udev add)
//   remove DEV [lost]           unplug it (udev remove; dm keeps failing I/O on it, as the kernel does)
//   change DEV [lost]           a udev change event of DEV, its facts unchanged (`udevadm trigger`)
//                               lost: the uevent is dropped as by an overflowing monitor socket (ENOBUFS),
//                               which the udev source reports once the uevents queued before are read
//   dm-remove MAP               the map is removed behind the daemon's back (`dmsetup remove`)
//   kernel-fail DEV             dm fails DEV in every map using it (I/O error), raising a dm event
//   open MAP N                  set a map's open count (mounted / held by LVM)
//   udev-hold MAP               udev stops finishing its work on MAP's changes (as when its blkid hangs
//                               reading a map that queues I/O): creates, reloads, removes and renames of
//                               MAP complete only after
//   udev-release MAP            which finishes that work
//   holder MAP DEV LEVEL LEGS   an md array DEV of LEVEL (raid1, raid5, ...) holds MAP; LEGS are its members'
//                               states, MAP's own first, in dm-raid's health chars (A in sync, a syncing,
//                               D failed): "holder mpatha md0 raid1 AA"
//   holder MAP none             nothing holds MAP any more
struct SimCommand {
    enum class Kind {
        Checker,
        Alua,
        Add,
        Remove,
        Change,
        KernelFail,
        Open,
        UdevHold,
        UdevRelease,
        DmRemove,
        CheckerHang,
        CheckerRelease,
        SuspendHold,
        SuspendRelease,
        ResumeFail,
        Holder
    };
    Kind kind = Kind::Checker;
    std::string target;  // devnode or map name
    std::string argument;
    bool quiet = false;  // alua: change the state without a uevent
    bool lost = false;   // add, remove, change: the uevent is lost
};
core::Result<SimCommand> parse_sim_command(std::string_view text);

struct TimelineStep {
    std::chrono::milliseconds at{0};
    SimCommand command;
    std::string text;  // as written, for logs
};

struct Scenario {
    std::vector<SimPath> paths;
    std::vector<SimMap> maps;
    std::chrono::milliseconds checker_delay{0};
    std::chrono::milliseconds reenumerate_delay{0};
    // Maps whose udev work does not finish from the start (as "udev-hold MAP" at time 0, but already for
    // the daemon's start-up, before the timeline runs).
    std::vector<std::string> udev_held;
    std::vector<TimelineStep> timeline;  // sorted by `at`
    std::string control_fifo;
    std::string dump_dir;
};

// Never throws. Errors are InvalidArgument "NAME:line:col: problem". Input above 1 MiB is refused.
core::Result<Scenario> parse_scenario(std::string_view yaml_text, std::string_view name);
core::Result<Scenario> load_scenario_file(const std::string& path);

}  // namespace pathkeeper::sim
