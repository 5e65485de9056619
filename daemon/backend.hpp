#pragma once
// Backend: the set of port implementations the daemon runs on. `real` is the Linux adaptors (lib/os);
// `sim` is the simulated host (lib/sim) with the same worker pool, so everything above the ports is
// exactly the code that runs in production.

#include <memory>
#include <string>

#include "core/result.hpp"
#include "daemon/event_loop.hpp"
#include "ports/block_holders.hpp"
#include "ports/device_mapper.hpp"
#include "ports/local_links.hpp"
#include "ports/logger.hpp"
#include "ports/persistent_reservations.hpp"
#include "ports/state_files.hpp"
#include "ports/sysfs.hpp"
#include "ports/udev_source.hpp"
#include "ports/worker_pool.hpp"

namespace pathkeeper::daemon {

struct Backend {
    virtual ~Backend() = default;
    ports::UdevSource* udev = nullptr;
    ports::DeviceMapper* dm = nullptr;
    ports::Sysfs* sysfs = nullptr;
    ports::StateFiles* files = nullptr;
    ports::WorkerPool* pool = nullptr;
    // Who holds a map open (pathctl remove-map), and what holds it for its queueing; null where the back end
    // cannot tell. The simulated host names no opener (its dm refuses to remove an open map, without names).
    ports::BlockHolders* holders = nullptr;
    // SCSI-3 persistent reservation commands through a path (the simulated host has a target of its own);
    // null: registration syncs answer "unsupported".
    ports::PersistentReservations* reservations = nullptr;
    // The host's network links and their TCP connections, for local-link failover; null where there are none
    // (the simulated host), or the watch could not be opened.
    ports::LinkWatch* links = nullptr;
    ports::TcpConnections* tcp_connections = nullptr;
    std::string description;  // for the startup log line
    // Where the paths' block-layer I/O counters are (<root>/block/<dev>/stat); "" where there are none.
    std::string block_stats_root;
    // Prefixed to the paths of files the daemon shares with other programs (the metrics file): "" on a real
    // host; a simulated host has a directory of its own, so tests and benchmarks never touch the real ones.
    std::string files_root;

    // Registers the back end's own sources beside the ports' fds and starts them, once the daemon is ready
    // (the simulated host: its timeline and control FIFO, whose commands it logs). Events they cause reach
    // the daemon through the ports. The real back end has none.
    virtual core::Result<void> start_own_sources(EventLoop& loop, ports::Logger& logger) {
        (void)loop;
        (void)logger;
        return {};
    }
    // At start and on every reload: discovery reads each disk's WWID from the udev property the
    // configuration names (uid_attrs, uid_attribute). The simulated host's disks carry their WWID directly.
    virtual void configure_discovery(const core::Config& config) { (void)config; }
};

// Linux: libudev monitor + enumerate, libdevmapper with udev sync, /sys, tur/directio checkers in a pool.
// udev_buffer_bytes: the monitor socket's receive buffer asked for (a warning is logged when less is
// granted).
core::Result<std::unique_ptr<Backend>> make_real_backend(std::size_t udev_buffer_bytes);
// The simulated host of scenario_path; the fake dm dumps its state into <state_dir>/sim unless the scenario
// names a dump_dir.
core::Result<std::unique_ptr<Backend>> make_sim_backend(const std::string& scenario_path,
                                                        const std::string& state_dir);

}  // namespace pathkeeper::daemon
