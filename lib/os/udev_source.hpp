#pragma once
// Real UdevSource over libudev: a netlink monitor on block/disk events plus coldplug enumeration. Each
// candidate disk is described from its udev properties and sysfs (SysfsTree::describe_disk).

#include <memory>
#include <mutex>

#include "core/udev_properties.hpp"
#include "os/sysfs_tree.hpp"
#include "ports/udev_source.hpp"

struct udev;
struct udev_monitor;
struct udev_device;

namespace pathkeeper::os {

// The monitor socket's receive buffer: a burst of uevents larger than it while the loop is busy is lost.
struct UdevReceiveBuffer {
    std::size_t requested = 0;
    std::size_t obtained = 0;  // as getsockopt(SO_RCVBUF) reports it: the kernel doubles what it grants
    bool enough() const { return obtained >= requested; }
};

class LibUdevSource final : public ports::UdevSource {
public:
    // Throws std::runtime_error when udev cannot be reached at all (no netlink): the daemon cannot run then.
    // receive_buffer_bytes 0: the kernel's default (a tool that only enumerates).
    explicit LibUdevSource(std::filesystem::path sysfs_root = "/sys", std::size_t receive_buffer_bytes = 0);
    ~LibUdevSource() override;
    LibUdevSource(const LibUdevSource&) = delete;
    LibUdevSource& operator=(const LibUdevSource&) = delete;

    int fd() const override;
    core::Result<std::vector<ports::DiscoveredDisk>> enumerate() override;
    std::vector<ports::UdevEvent> receive(std::size_t max_events) override;
    core::Result<ports::DiscoveredDisk> refresh(const std::string& devnode) override;
    bool take_lost_uevents() override;

    const UdevReceiveBuffer& receive_buffer() const { return receive_buffer_; }

private:
    std::optional<ports::DiscoveredDisk> describe(udev_device* device);
    std::optional<ports::UdevEvent> disk_event_from_scsi_device(udev_device* scsi_device,
                                                                const std::string& action);

    SysfsTree sysfs_;
    core::UdevPropertyNamePool property_names_;  // every disk of one kind shares one set of names
    std::mutex property_names_mutex_;            // enumerate() may run on a worker while the loop receives
    udev* udev_ = nullptr;
    udev_monitor* monitor_ = nullptr;
    UdevReceiveBuffer receive_buffer_;
    bool lost_uevents_ = false;        // ENOBUFS seen; events queued before it are still being received
    bool lost_uevents_ready_ = false;  // ... and the socket was drained since: time to enumerate again
};

}  // namespace pathkeeper::os
