#pragma once
// Real UdevSource over libudev: a netlink monitor on block/disk events plus coldplug enumeration. Each
// candidate disk is described from its udev properties and sysfs (SysfsTree::describe_disk).

#include <memory>

#include "core/udev_properties.hpp"
#include "os/sysfs_tree.hpp"
#include "ports/udev_source.hpp"

struct udev;
struct udev_monitor;
struct udev_device;

namespace pathkeeper::os {

class LibUdevSource final : public ports::UdevSource {
public:
    // Throws std::runtime_error when udev cannot be reached at all (no netlink): the daemon cannot run then.
    explicit LibUdevSource(std::filesystem::path sysfs_root = "/sys");
    ~LibUdevSource() override;
    LibUdevSource(const LibUdevSource&) = delete;
    LibUdevSource& operator=(const LibUdevSource&) = delete;

    int fd() const override;
    core::Result<std::vector<ports::DiscoveredDisk>> enumerate() override;
    std::vector<ports::UdevEvent> receive(std::size_t max_events) override;
    core::Result<ports::DiscoveredDisk> refresh(const std::string& devnode) override;

private:
    std::optional<ports::DiscoveredDisk> describe(udev_device* device);
    std::optional<ports::UdevEvent> disk_event_from_scsi_device(udev_device* scsi_device,
                                                                const std::string& action);

    SysfsTree sysfs_;
    core::UdevPropertyNamePool property_names_;  // every disk of one kind shares one set of names
    udev* udev_ = nullptr;
    udev_monitor* monitor_ = nullptr;
};

}  // namespace pathkeeper::os
