#pragma once
// SimHost: a simulated storage host behind pathkeeper's ports, so the real daemon (and pathctl over D-Bus)
// runs end to end in ordinary CI without a kernel, udev or disks.
//
// - udev(): coldplug lists the scenario's present paths; "add"/"remove"/"alua" commands queue uevents and
// make
//   fd() readable (an eventfd).
// - device_mapper(): keeps maps in memory and behaves like dm-multipath where the daemon can tell: a create
//   or reload referring to a device that is not plugged in fails as the kernel's ENXIO would; fail_path /
//   reinstate_path / switch_group / queue_if_no_path / fail_if_no_path change the status the way
//   drivers/md/dm-mpath.c does and raise a dm event; unknown messages or paths are EINVAL; an open map is not
//   removed; "udev-hold MAP" keeps udev's work on MAP's changes unfinished (udev_done() false, the
//   blocking calls wait) until "udev-release MAP". After every change it rewrites <dump_dir>/tables and
//   <dump_dir>/status ("NAME: TEXT" lines, sorted by name) and appends what it did to <dump_dir>/ops.log, so
//   tests can compare what the daemon did.
// - checker(): answers with each path's scenario state (after checker_delay); thread safe, it runs in the
//   daemon's worker pool. "checker-hang DEV" makes DEV's checks block (storage that does not answer) until
//   "checker-release DEV"; "suspend-hold MAP" makes a reload of MAP block in its suspend (a noflush suspend
//   waiting for a hung path's I/O) until "suspend-release MAP"; "resume-fail MAP N" makes the next N resumes
//   of MAP fail, a reload's leaving the map suspended.
// - sysfs(): ALUA states, SCSI state and iSCSI sessions from the scenario; recovery_tmo writes are recorded.
// - commands (timeline steps and lines from the control FIFO) change the host while the daemon runs.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ports/block_holders.hpp"
#include "ports/device_mapper.hpp"
#include "ports/path_checker.hpp"
#include "ports/persistent_reservations.hpp"
#include "ports/sysfs.hpp"
#include "ports/udev_source.hpp"
#include "sim/scenario.hpp"

namespace pathkeeper::sim {

class SimHost {
public:
    using Clock = std::chrono::steady_clock;

    // dump_dir empty: no dump files. Throws std::runtime_error if an eventfd cannot be created or a scenario
    // map cannot be loaded (e.g. its table names a devt no scenario path has).
    SimHost(Scenario scenario, std::string dump_dir);
    ~SimHost();
    SimHost(const SimHost&) = delete;
    SimHost& operator=(const SimHost&) = delete;

    ports::UdevSource& udev();
    ports::DeviceMapper& device_mapper();
    std::shared_ptr<ports::PathChecker> checker();
    ports::Sysfs& sysfs();
    // What holds each map (the `holder` command); nothing is found to hold a map open by name.
    ports::BlockHolders& holders();
    // SCSI-3 persistent reservations: each path is a nexus of the LU of its WWID (sim/pr_target.hpp).
    ports::PersistentReservations& reservations();

    // Timeline: steps are due `at` after start_timeline(now).
    void start_timeline(Clock::time_point now);
    std::optional<Clock::time_point> next_step_due() const;
    // Applies every step due at `now`; returns one log line per step ("sim: checker sdb down").
    std::vector<std::string> run_due_steps(Clock::time_point now);

    // Control FIFO (scenario control_fifo): -1 when none. read_control() applies every complete line.
    int control_fd() const { return control_fd_; }
    std::vector<std::string> read_control();

    core::Result<void> apply(const SimCommand& command);

    // For tests: the fake dm's state, in the dump files' format.
    std::string tables_text() const;
    std::string status_text() const;
    std::vector<std::string> operations() const;

    struct World;

private:
    std::shared_ptr<World> world_;
    std::unique_ptr<ports::UdevSource> udev_;
    std::unique_ptr<ports::DeviceMapper> dm_;
    std::shared_ptr<ports::PathChecker> checker_;
    std::unique_ptr<ports::Sysfs> sysfs_;
    std::unique_ptr<ports::BlockHolders> holders_;
    std::unique_ptr<ports::PersistentReservations> reservations_;
    std::vector<TimelineStep> timeline_;
    std::size_t next_step_ = 0;
    std::optional<Clock::time_point> timeline_start_;
    int control_fd_ = -1;
    std::string control_buffer_;
};

}  // namespace pathkeeper::sim
