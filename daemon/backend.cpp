#include "daemon/backend.hpp"

#include <sys/epoll.h>

#include <exception>
#include <filesystem>

#include "core/uid_attrs.hpp"
#include "os/block_holders.hpp"
#include "os/checkers.hpp"
#include "os/device_mapper.hpp"
#include "os/netlink_links.hpp"
#include "os/scsi_persistent_reservations.hpp"
#include "os/sock_diag.hpp"
#include "os/state_files.hpp"
#include "os/sysfs_tree.hpp"
#include "os/udev_source.hpp"
#include "os/worker_pool.hpp"
#include "sim/sim_host.hpp"

namespace pathkeeper::daemon {

namespace {

struct RealBackend final : Backend {
    std::unique_ptr<os::LibUdevSource> udev_source;
    std::unique_ptr<os::LibDeviceMapper> device_mapper;
    os::SysfsTree sysfs_tree;
    os::BlockHolderScan holder_scan;
    os::AtomicStateFiles state_files;
    os::SgIoPersistentReservations sg_reservations;
    std::unique_ptr<os::ThreadWorkerPool> worker_pool;
    std::unique_ptr<os::NetlinkLinkWatch> link_watch;
    std::string link_watch_error;
    os::SockDiagTcpConnections sock_diag;

    void configure_discovery(const core::Config& config) override {
        sysfs_tree.set_wwid_property_rule([config](const std::string& devnode,
                                                   const core::PathInfo& inquiry) {
            return core::wwid_property_of(config, devnode, inquiry.vendor, inquiry.product, inquiry.revision);
        });
    }

    core::Result<void> start_own_sources(EventLoop&, ports::Logger& logger) override {
        if (!link_watch_error.empty()) {
            logger.log(core::LogLevel::Warning, {},
                       "local-link failover is not available (" + link_watch_error +
                           "): a pulled cable fails over at the noop timeout");
        }
        const os::UdevReceiveBuffer& buffer = udev_source->receive_buffer();
        const std::string sizes = "asked for " + std::to_string(buffer.requested) +
                                  " bytes, the kernel granted " + std::to_string(buffer.obtained);
        if (buffer.enough()) {
            logger.log(core::LogLevel::Debug, {}, "udev monitor receive buffer: " + sizes);
        } else {
            logger.log(core::LogLevel::Warning, {},
                       "udev monitor receive buffer smaller than asked (" + sizes +
                           "; raising it needs CAP_NET_ADMIN or net.core.rmem_max): a burst of uevents may "
                           "overflow it, and is then repaired by enumerating the disks again");
        }
        return {};
    }
};

struct SimBackend final : Backend {
    std::unique_ptr<sim::SimHost> host;
    os::AtomicStateFiles state_files;
    std::unique_ptr<os::ThreadWorkerPool> worker_pool;
    DeadlineTimer timeline_timer;
    ports::Logger* logger = nullptr;

    core::Result<void> start_own_sources(EventLoop& loop, ports::Logger& log) override {
        logger = &log;
        if (auto added = loop.add(
                timeline_timer.fd(), EPOLLIN, [this](std::uint32_t) { run_commands(); }, "sim timeline");
            !added) {
            return added;
        }
        if (host->control_fd() >= 0) {
            if (auto added = loop.add(
                    host->control_fd(), EPOLLIN, [this](std::uint32_t) { run_commands(); },
                    "sim control FIFO");
                !added) {
                return added;
            }
        }
        host->start_timeline(MonotonicClock::now());
        timeline_timer.arm(host->next_step_due());
        return {};
    }

    // The timeline steps that are due and the control FIFO's complete lines.
    void run_commands() {
        timeline_timer.acknowledge();
        auto lines = host->run_due_steps(MonotonicClock::now());
        for (auto& line : host->read_control()) {
            lines.push_back(std::move(line));
        }
        for (const auto& line : lines) {
            logger->log(core::LogLevel::Info, {}, line);
        }
        timeline_timer.arm(host->next_step_due());
    }
};

}  // namespace

core::Result<std::unique_ptr<Backend>> make_real_backend(std::size_t udev_buffer_bytes) {
    auto backend = std::make_unique<RealBackend>();
    try {
        backend->udev_source = std::make_unique<os::LibUdevSource>("/sys", udev_buffer_bytes);
    } catch (const std::exception& e) {
        return core::make_error(core::ErrorCode::Io, std::string("udev: ") + e.what());
    }
    backend->device_mapper = std::make_unique<os::LibDeviceMapper>();
    backend->worker_pool = std::make_unique<os::ThreadWorkerPool>(std::make_shared<os::DispatchingChecker>(),
                                                                  os::WorkerPoolOptions{});
    backend->udev = backend->udev_source.get();
    backend->dm = backend->device_mapper.get();
    backend->sysfs = &backend->sysfs_tree;
    backend->block_stats_root = "/sys";
    backend->holder_scan.read_dm_status_with(
        [dm = backend->device_mapper.get()](const std::string& name) -> std::optional<std::string> {
            auto status = dm->target_status(name);
            return status ? std::optional<std::string>(*status) : std::nullopt;
        });
    backend->holders = &backend->holder_scan;
    backend->reservations = &backend->sg_reservations;
    try {
        backend->link_watch = std::make_unique<os::NetlinkLinkWatch>();
        backend->links = backend->link_watch.get();
        backend->tcp_connections = &backend->sock_diag;
        if (auto loaded = backend->sock_diag.load_kernel_support(); !loaded) {
            backend->link_watch_error = "sock_diag: " + loaded.error().message;
        }
    } catch (const std::exception& e) {
        backend->link_watch_error = e.what();
    }
    backend->files = &backend->state_files;
    backend->pool = backend->worker_pool.get();
    backend->description =
        "real (libudev, libdevmapper " + backend->device_mapper->driver_version() + ", /sys)";
    return std::unique_ptr<Backend>(std::move(backend));
}

core::Result<std::unique_ptr<Backend>> make_sim_backend(const std::string& scenario_path,
                                                        const std::string& state_dir) {
    auto scenario = sim::load_scenario_file(scenario_path);
    if (!scenario) {
        return scenario.error();
    }
    auto backend = std::make_unique<SimBackend>();
    try {
        backend->host = std::make_unique<sim::SimHost>(std::move(*scenario),
                                                       (std::filesystem::path(state_dir) / "sim").string());
    } catch (const std::exception& e) {
        return core::make_error(core::ErrorCode::InvalidArgument, scenario_path + ": " + e.what());
    }
    backend->worker_pool =
        std::make_unique<os::ThreadWorkerPool>(backend->host->checker(), os::WorkerPoolOptions{});
    backend->udev = &backend->host->udev();
    backend->reservations = &backend->host->reservations();
    backend->dm = &backend->host->device_mapper();
    backend->sysfs = &backend->host->sysfs();
    backend->holders = &backend->host->holders();
    backend->files = &backend->state_files;
    backend->pool = backend->worker_pool.get();
    backend->description = "sim (scenario " + scenario_path + ")";
    backend->files_root = (std::filesystem::path(state_dir) / "sim-root").string();
    return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace pathkeeper::daemon
