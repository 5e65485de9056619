#include "os/udev_source.hpp"

#include <libudev.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "os/udev_filter.hpp"

namespace pathkeeper::os {
namespace {

std::string text_or_empty(const char* text) {
    return text ? text : "";
}

BlockDeviceFacts facts_of(udev_device* device) {
    return {text_or_empty(udev_device_get_sysname(device)), text_or_empty(udev_device_get_subsystem(device)),
            text_or_empty(udev_device_get_devtype(device)), text_or_empty(udev_device_get_devpath(device))};
}

UdevProperties properties_of(udev_device* device) {
    UdevProperties properties;
    for (udev_list_entry* entry = udev_device_get_properties_list_entry(device); entry != nullptr;
         entry = udev_list_entry_get_next(entry)) {
        properties[text_or_empty(udev_list_entry_get_name(entry))] =
            text_or_empty(udev_list_entry_get_value(entry));
    }
    return properties;
}

core::DevT devt_of(udev_device* device) {
    dev_t number = udev_device_get_devnum(device);
    return core::DevT{major(number), minor(number)};
}

std::size_t receive_buffer_of(int fd) {
    int size = 0;
    socklen_t length = sizeof(size);
    if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &length) < 0 || size < 0) {
        return 0;
    }
    return static_cast<std::size_t>(size);
}

// libudev asks with SO_RCVBUFFORCE, which needs CAP_NET_ADMIN; without it the kernel silently keeps its
// default. SO_RCVBUF then gets as much as net.core.rmem_max allows. Whatever was obtained is read back.
UdevReceiveBuffer set_receive_buffer(udev_monitor* monitor, std::size_t requested) {
    const int fd = udev_monitor_get_fd(monitor);
    const int size = static_cast<int>(std::min<std::size_t>(requested, 1U << 30));
    (void)udev_monitor_set_receive_buffer_size(monitor, size);
    if (receive_buffer_of(fd) < requested) {
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
    }
    if (receive_buffer_of(fd) < requested) {
        (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    }
    return UdevReceiveBuffer{requested, receive_buffer_of(fd)};
}

struct DeviceUnref {
    void operator()(udev_device* device) const { udev_device_unref(device); }
};
using DevicePtr = std::unique_ptr<udev_device, DeviceUnref>;

}  // namespace

LibUdevSource::LibUdevSource(std::filesystem::path sysfs_root, std::size_t receive_buffer_bytes)
    : sysfs_(std::move(sysfs_root)) {
    udev_ = udev_new();
    if (udev_ == nullptr) {
        throw std::runtime_error("udev_new failed");
    }
    monitor_ = udev_monitor_new_from_netlink(udev_, "udev");
    if (monitor_ == nullptr) {
        udev_unref(udev_);
        throw std::runtime_error("cannot open the udev netlink monitor");
    }
    udev_monitor_filter_add_match_subsystem_devtype(monitor_, "block", "disk");
    // scsi_device "change" uevents carry SDEV_UA=... whenever the SCSI midlayer sees a reportable unit
    // attention on any command, our TUR checks included (ASYMMETRIC_ACCESS_STATE_CHANGED,
    // CAPACITY_DATA_HAS_CHANGED, ...). They become a Change event of the disk, so an ALUA state change
    // regroups at once, not at the next check.
    udev_monitor_filter_add_match_subsystem_devtype(monitor_, "scsi", "scsi_device");
    // Path events come in bursts (a LUN scan, a session login); a larger buffer keeps them from being dropped
    // while the loop is busy. The daemon warns when it got less; events lost anyway are found by
    // take_lost_uevents().
    if (receive_buffer_bytes != 0) {
        receive_buffer_ = set_receive_buffer(monitor_, receive_buffer_bytes);
    }
    if (udev_monitor_enable_receiving(monitor_) < 0) {
        udev_monitor_unref(monitor_);
        udev_unref(udev_);
        throw std::runtime_error("cannot start the udev monitor");
    }
}

LibUdevSource::~LibUdevSource() {
    udev_monitor_unref(monitor_);
    udev_unref(udev_);
}

int LibUdevSource::fd() const {
    return udev_monitor_get_fd(monitor_);
}

std::optional<ports::DiscoveredDisk> LibUdevSource::describe(udev_device* device) {
    if (why_not_a_path(facts_of(device))) {
        return std::nullopt;
    }
    const std::string devnode = text_or_empty(udev_device_get_sysname(device));
    ports::DiscoveredDisk disk = sysfs_.describe_disk(devnode, properties_of(device));
    if (disk.devt == core::DevT{}) {
        disk.devt = devt_of(device);
    }
    if (disk.path) {
        std::lock_guard lock(property_names_mutex_);
        disk.path->udev_property_names = property_names_.intern(std::move(disk.path->udev_property_names));
    }
    return disk;
}

core::Result<std::vector<ports::DiscoveredDisk>> LibUdevSource::enumerate() {
    // A context of its own: libudev objects are not to be shared between threads, and a re-enumeration runs
    // on a worker while the loop receives from the monitor.
    std::unique_ptr<udev, decltype(&udev_unref)> context(udev_new(), &udev_unref);
    if (!context) {
        return core::Error{core::ErrorCode::Io, "udev_new failed"};
    }
    udev_enumerate* enumeration = udev_enumerate_new(context.get());
    if (enumeration == nullptr) {
        return core::Error{core::ErrorCode::Io, "udev_enumerate_new failed"};
    }
    udev_enumerate_add_match_subsystem(enumeration, "block");
    udev_enumerate_add_match_property(enumeration, "DEVTYPE", "disk");
    udev_enumerate_add_match_sysname(enumeration, "sd*");
    // A disk udev has not processed yet has no udev properties (no ID_SERIAL: its WWID would be guessed); its
    // add event reaches the monitor, opened before this scan, once udev has run its rules.
    udev_enumerate_add_match_is_initialized(enumeration);
    if (int rc = udev_enumerate_scan_devices(enumeration); rc < 0) {
        udev_enumerate_unref(enumeration);
        return core::Error{core::ErrorCode::Io, "udev enumerate failed: " + std::to_string(rc)};
    }
    std::vector<ports::DiscoveredDisk> disks;
    for (udev_list_entry* entry = udev_enumerate_get_list_entry(enumeration); entry != nullptr;
         entry = udev_list_entry_get_next(entry)) {
        DevicePtr device(udev_device_new_from_syspath(context.get(), udev_list_entry_get_name(entry)));
        if (!device) {
            continue;  // vanished since the scan
        }
        if (auto disk = describe(device.get())) {
            disks.push_back(std::move(*disk));
        }
    }
    udev_enumerate_unref(enumeration);
    return disks;
}

std::vector<ports::UdevEvent> LibUdevSource::receive(std::size_t max_events) {
    std::vector<ports::UdevEvent> events;
    // The monitor socket is non-blocking: receive_device returns null once the queue is drained. Messages
    // left in the socket keep it readable for the next round of the loop. ENOBUFS means the kernel dropped
    // messages for want of room: it is reported once, and the messages queued before the loss still follow.
    bool drained = false;
    for (std::size_t received = 0; received < max_events; ++received) {
        errno = 0;
        udev_device* raw = udev_monitor_receive_device(monitor_);
        if (raw == nullptr) {
            if (errno == ENOBUFS) {
                lost_uevents_ = true;
                continue;
            }
            drained = true;
            break;
        }
        DevicePtr device(raw);
        const std::string action = text_or_empty(udev_device_get_action(device.get()));
        if (text_or_empty(udev_device_get_subsystem(device.get())) == "scsi") {
            if (auto event = disk_event_from_scsi_device(device.get(), action)) {
                events.push_back(std::move(*event));
            }
            continue;
        }
        if (why_not_a_path(facts_of(device.get()))) {
            continue;
        }
        ports::UdevEvent event;
        event.disk.devnode = text_or_empty(udev_device_get_sysname(device.get()));
        if (action == "remove") {
            event.action = ports::UdevAction::Remove;
            event.disk.devt = devt_of(device.get());
        } else if (action == "add" || action == "change") {
            event.action = action == "add" ? ports::UdevAction::Add : ports::UdevAction::Change;
            event.disk = *describe(device.get());
        } else {
            continue;  // bind/unbind/move/online/offline say nothing new about a path
        }
        events.push_back(std::move(event));
    }
    if (drained && lost_uevents_) {
        lost_uevents_ = false;
        lost_uevents_ready_ = true;
    }
    return events;
}

bool LibUdevSource::take_lost_uevents() {
    return std::exchange(lost_uevents_ready_, false);
}

std::optional<ports::UdevEvent> LibUdevSource::disk_event_from_scsi_device(udev_device* scsi_device,
                                                                           const std::string& action) {
    const char* unit_attention = udev_device_get_property_value(scsi_device, "SDEV_UA");
    if (action != "change" || unit_attention == nullptr) {
        return std::nullopt;
    }
    // The disk is the block/sdX child of the scsi_device directory.
    std::error_code ec;
    const std::filesystem::path block_dir =
        std::filesystem::path(text_or_empty(udev_device_get_syspath(scsi_device))) / "block";
    for (const auto& entry : std::filesystem::directory_iterator(block_dir, ec)) {
        const std::string devnode = entry.path().filename().string();
        DevicePtr block(udev_device_new_from_subsystem_sysname(udev_, "block", devnode.c_str()));
        if (!block || udev_device_get_is_initialized(block.get()) <= 0) {
            // A LUN found by a rescan reports its unit attention before udev has run the rules of its disk:
            // described now it would lack ID_SERIAL and ID_WWN (a wrong WWID, blacklisted). Its own add
            // event follows with complete properties.
            continue;
        }
        auto disk = describe(block.get());  // the device just opened, not a second lookup by refresh()
        if (disk) {
            ports::UdevEvent event;
            event.action = ports::UdevAction::Change;
            event.disk = std::move(*disk);
            event.unit_attention = unit_attention;
            return event;
        }
    }
    return std::nullopt;
}

core::Result<ports::DiscoveredDisk> LibUdevSource::refresh(const std::string& devnode) {
    DevicePtr device(udev_device_new_from_subsystem_sysname(udev_, "block", devnode.c_str()));
    if (!device) {
        return core::Error{core::ErrorCode::NotFound, "no block device " + devnode};
    }
    auto disk = describe(device.get());
    if (!disk) {
        return core::Error{core::ErrorCode::InvalidArgument, devnode + " is not a SCSI disk"};
    }
    return std::move(*disk);
}

}  // namespace pathkeeper::os
