#pragma once
// Real DeviceMapper port over libdevmapper's dm_task API. Safe to call from several threads: libdevmapper
// and the adaptor's caches are used under one lock, and the only call that can block for long (a reload's
// noflush suspend, which waits for the I/O in flight on the map's paths) runs outside it.
//
// dm events: the adaptor opens its own /dev/mapper/control and arms it with DM_DEV_ARM_POLL (kernel dm ioctl
// >= 4.37, Linux 4.13). The kernel makes that fd readable whenever any dm device raises an event (a path
// failed on I/O error, a table was loaded, ...). changed_maps() re-arms first, then lists devices with their
// event counters (DM_DEVICE_LIST reports event_nr after each name), so an event racing with the listing is
// never lost: it either shows in this listing or makes the fd readable again.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ports/device_mapper.hpp"

namespace pathkeeper::os {

struct DeviceMapperOptions {
    // Wait for udev (cookie) after create/rename/remove/resume so /dev/mapper nodes are in place on return.
    // Turned off automatically when udev's dm rules (95-dm-notify.rules) are not installed, since nobody
    // would complete the cookie; libdevmapper then creates the nodes itself.
    bool udev_sync = true;
    bool open_event_fd = true;
};

class LibDeviceMapper final : public ports::DeviceMapper {
public:
    explicit LibDeviceMapper(DeviceMapperOptions options = {});
    ~LibDeviceMapper() override;
    LibDeviceMapper(const LibDeviceMapper&) = delete;
    LibDeviceMapper& operator=(const LibDeviceMapper&) = delete;

    core::Result<std::vector<ports::DmMapInfo>> list_multipath_maps() override;
    core::Result<ports::DmMapInfo> get_map(const std::string& name) override;
    core::Result<void> create_map(const std::string& name, const std::string& uuid,
                                  std::uint64_t size_sectors, const core::DmMultipathTable& table) override;
    core::Result<UdevHandle> start_create_map(const std::string& name, const std::string& uuid,
                                              std::uint64_t size_sectors,
                                              const core::DmMultipathTable& table) override;
    bool udev_done(const UdevHandle& handle) override;
    core::Result<void> reload_map(const std::string& name, std::uint64_t size_sectors,
                                  const core::DmMultipathTable& table) override;
    core::Result<UdevHandle> start_reload_map(const std::string& name, std::uint64_t size_sectors,
                                              const core::DmMultipathTable& table) override;
    core::Result<void> remove_map(const std::string& name, const ports::RemoveOptions& options) override;
    core::Result<UdevHandle> start_remove_map(const std::string& name,
                                              const ports::RemoveOptions& options) override;
    core::Result<void> rename_map(const std::string& old_name, const std::string& new_name) override;
    core::Result<UdevHandle> start_rename_map(const std::string& old_name,
                                              const std::string& new_name) override;
    core::Result<UdevHandle> start_resume_map(const std::string& name) override;
    core::Result<void> send_message(const std::string& name, const std::string& message) override;
    int event_fd() const override { return control_fd_; }
    core::Result<std::vector<std::string>> changed_maps() override;
    core::Result<std::string> target_status(const std::string& name) override;

    // "4.48.0": the kernel's dm ioctl interface version, for logs and the probe tool.
    std::string driver_version() const;

    // A reload whose resume fails tries again this many times in all, waiting kResumeBackoff, doubling.
    static constexpr int kResumeAttempts = 4;
    static constexpr std::chrono::milliseconds kResumeBackoff{50};

private:
    core::Result<void> arm_poll();
    core::Result<UdevHandle> start_resume(const std::string& name);  // under mutex_
    static core::Result<void> suspend_noflush(const std::string& name);
    core::Result<std::string> uuid_of(const std::string& name, std::uint64_t dev);

    // libdevmapper's process-wide state and the caches below: one call at a time (recursive: listing reads
    // each map).
    mutable std::recursive_mutex mutex_;
    DeviceMapperOptions options_;
    int control_fd_ = -1;
    std::map<std::string, std::uint32_t> last_event_nr_;                       // multipath maps only, by name
    std::map<std::string, std::pair<std::uint64_t, std::string>> uuid_cache_;  // name -> (dev, uuid)
};

}  // namespace pathkeeper::os
