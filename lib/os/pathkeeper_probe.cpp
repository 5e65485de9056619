// pathkeeper-os-probe: exercises the real adaptors on a live machine (the VM), outside the daemon.
//   pathkeeper-os-probe paths                 coldplug discovery: every SCSI disk, its WWID or skip reason
//   pathkeeper-os-probe maps                  dm-multipath maps with table and status
//   pathkeeper-os-probe check tur|directio sdX [timeout_ms]
//   pathkeeper-os-probe sessions              iSCSI sessions
//   pathkeeper-os-probe watch [seconds]       udev events and dm events as they arrive
//   pathkeeper-os-probe message MAP TEXT      send a dm message (e.g. "fail_path 8:16")

#include <poll.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "os/checkers.hpp"
#include "os/device_mapper.hpp"
#include "os/sysfs_tree.hpp"
#include "os/udev_source.hpp"

using namespace pathkeeper;

namespace {

void print_disk(const ports::DiscoveredDisk& disk) {
    if (!disk.path) {
        std::printf("%-6s %-8s %s\n", disk.devnode.c_str(), disk.devt.to_string().c_str(),
                    disk.skip_reason.c_str());
        return;
    }
    const auto& p = *disk.path;
    std::printf(
        "%-6s %-8s wwid=%s vendor='%s' product='%s' rev='%s' transport=%s hctl=%s size=%llu tpgs=%d alua=%s",
        p.devnode.c_str(), p.devt.to_string().c_str(), p.wwid.c_str(), p.vendor.c_str(), p.product.c_str(),
        p.revision.c_str(), core::to_string(p.transport), p.hctl ? p.hctl->to_string().c_str() : "-",
        static_cast<unsigned long long>(p.size_sectors), p.tpgs ? 1 : 0, core::to_string(p.alua_state));
    if (p.iscsi) {
        std::printf(" session=%u target=%s portal=%s state=%s", p.iscsi->session_id,
                    p.iscsi->target_iqn.c_str(), p.iscsi->portal.c_str(), p.iscsi->session_state.c_str());
    }
    std::printf("\n");
}

int usage() {
    std::fprintf(
        stderr,
        "usage: pathkeeper-os-probe paths | maps | sessions | check tur|directio DEV [timeout_ms] |\n"
        "       watch [seconds] | message MAP TEXT\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        return usage();
    }
    const std::string command = argv[1];
    try {
        if (command == "paths") {
            os::LibUdevSource udev;
            auto disks = udev.enumerate();
            if (!disks) {
                std::fprintf(stderr, "%s\n", disks.error().message.c_str());
                return 1;
            }
            for (const auto& disk : *disks) {
                print_disk(disk);
            }
            return 0;
        }
        if (command == "maps") {
            os::LibDeviceMapper dm;
            std::printf("dm driver %s, event fd %d\n", dm.driver_version().c_str(), dm.event_fd());
            auto maps = dm.list_multipath_maps();
            if (!maps) {
                std::fprintf(stderr, "%s\n", maps.error().message.c_str());
                return 1;
            }
            for (const auto& map : *maps) {
                std::printf(
                    "%s uuid=%s dev=%s open=%d suspended=%d size=%llu event_nr=%u\n  table: %s%s\n"
                    "  status: %s%s\n",
                    map.name.c_str(), map.uuid.c_str(), map.devt.to_string().c_str(), map.open_count,
                    map.suspended ? 1 : 0, static_cast<unsigned long long>(map.size_sectors), map.event_nr,
                    map.table_text.c_str(), map.table ? "" : (" [" + map.table_error + "]").c_str(),
                    map.status_text.c_str(), map.status ? "" : (" [" + map.status_error + "]").c_str());
            }
            return 0;
        }
        if (command == "sessions") {
            os::SysfsTree sysfs;
            auto sessions = sysfs.iscsi_sessions();
            if (!sessions) {
                std::fprintf(stderr, "%s\n", sessions.error().message.c_str());
                return 1;
            }
            for (const auto& s : *sessions) {
                std::printf("session%u %s %s %s recovery_tmo=%s replacement_timeout=%s\n", s.session_id,
                            s.state.c_str(), s.target_iqn.c_str(), s.portal.c_str(),
                            s.recovery_tmo_s ? std::to_string(*s.recovery_tmo_s).c_str() : "-",
                            s.replacement_timeout_s ? std::to_string(*s.replacement_timeout_s).c_str() : "-");
            }
            return 0;
        }
        if (command == "check" && argc >= 4) {
            ports::CheckRequest request;
            request.kind =
                std::string(argv[2]) == "directio" ? core::CheckerKind::Directio : core::CheckerKind::Tur;
            request.devnode = argv[3];
            if (argc >= 5) {
                request.timeout = std::chrono::milliseconds(std::atol(argv[4]));
            }
            os::DispatchingChecker checker;
            const auto start = std::chrono::steady_clock::now();
            auto outcome = checker.check(request);
            const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start);
            std::printf("%s: %s: %s (%lld ms)\n", request.devnode.c_str(), core::to_string(outcome.state),
                        outcome.message.c_str(), static_cast<long long>(took.count()));
            return outcome.state == core::PathState::Down ? 1 : 0;
        }
        if (command == "message" && argc >= 4) {
            os::LibDeviceMapper dm;
            auto sent = dm.send_message(argv[2], argv[3]);
            if (!sent) {
                std::fprintf(stderr, "%s\n", sent.error().message.c_str());
                return 1;
            }
            return 0;
        }
        if (command == "watch") {
            const int seconds = argc >= 3 ? std::atoi(argv[2]) : 60;
            os::LibUdevSource udev;
            os::LibDeviceMapper dm;
            (void)dm.changed_maps();  // baseline
            const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
            while (std::chrono::steady_clock::now() < end) {
                pollfd fds[2] = {{udev.fd(), POLLIN, 0}, {dm.event_fd(), POLLIN, 0}};
                if (::poll(fds, dm.event_fd() >= 0 ? 2 : 1, 1000) <= 0) {
                    continue;
                }
                if (fds[0].revents & POLLIN) {
                    for (const auto& event : udev.receive(64)) {
                        std::printf("udev %s: ", ports::to_string(event.action));
                        print_disk(event.disk);
                    }
                }
                if (fds[1].revents & POLLIN) {
                    auto changed = dm.changed_maps();
                    if (!changed) {
                        std::printf("dm event: %s\n", changed.error().message.c_str());
                    } else {
                        for (const auto& name : *changed) {
                            std::printf("dm event: %s\n", name.c_str());
                        }
                    }
                }
                std::fflush(stdout);
            }
            return 0;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return usage();
}
