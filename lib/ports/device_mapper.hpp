#pragma once
// Port: the kernel's device-mapper, as far as pathkeeper needs it (dm-multipath maps only).
// The real adaptor (lib/os/device_mapper.*) is the only code that talks libdevmapper; tests use fakes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dm_table.hpp"
#include "core/model.hpp"
#include "core/result.hpp"

namespace pathkeeper::ports {

// The dm uuid prefix that marks a map as a multipath map owned by a multipath daemon (ours or multipathd).
inline constexpr std::string_view kMultipathUuidPrefix = "mpath-";

// One live dm-multipath map as the kernel reports it.
struct DmMapInfo {
    std::string name;  // /dev/mapper/NAME
    std::string uuid;  // "mpath-<wwid>"
    core::DevT devt;   // 253:N
    int open_count = 0;
    bool suspended = false;
    std::uint64_t size_sectors = 0;  // 512-byte sectors, from the (single) multipath target's length
    std::uint32_t event_nr = 0;  // bumped by the kernel on every dm event (path failed, table loaded, ...)

    std::string table_text;                         // params of the live table, as DM_TABLE_STATUS gives them
    std::optional<core::DmMultipathTable> table;    // parsed; nullopt when table_error is set
    std::string table_error;                        // why the table text did not parse (or "no live table")
    std::string status_text;                        // params of DM_TABLE_STATUS (status, not table)
    std::optional<core::DmMultipathStatus> status;  // parsed; nullopt when status_error is set
    std::string status_error;

    // The WWID encoded in the uuid ("mpath-3600..." -> "3600..."), empty when the prefix is missing.
    std::string wwid() const {
        return uuid.starts_with(kMultipathUuidPrefix) ? uuid.substr(kMultipathUuidPrefix.size())
                                                      : std::string{};
    }
};

struct RemoveOptions {
    // Remove even when the map is open (open_count > 0). Off by default: a mounted or LVM-used map stays.
    bool even_when_open = false;
    // Ask the kernel to remove the map once its last opener closes it (DM_DEFERRED_REMOVE),
    // instead of failing with Conflict when it is open now.
    bool deferred = false;
};

class DeviceMapper {
public:
    virtual ~DeviceMapper() = default;

    // All maps whose dm uuid starts with "mpath-", with info, table and status filled in.
    virtual core::Result<std::vector<DmMapInfo>> list_multipath_maps() = 0;
    // One map by name. NotFound when no such map exists.
    virtual core::Result<DmMapInfo> get_map(const std::string& name) = 0;

    // Creates and resumes a map. Waits for udev (cookie sync) so /dev/mapper/NAME exists when this returns.
    // AlreadyExists when the name or uuid is taken.
    virtual core::Result<void> create_map(const std::string& name, const std::string& uuid,
                                          std::uint64_t size_sectors,
                                          const core::DmMultipathTable& table) = 0;
    // The same create in two halves, so that udev can work on many new maps at once: start_create_map runs
    // the ioctl and returns at once with a handle on udev's work; udev_done(handle) says, without blocking,
    // whether udev has finished with it (true also releases the handle). /dev/mapper/NAME exists once
    // udev_done returned true. Every handle must be polled until then. Adaptors without udev sync finish
    // in start_create_map (this default) and hand back a handle that is already done.
    struct UdevHandle {
        std::uint32_t cookie = 0;  // 0: nothing to wait for
    };
    virtual core::Result<UdevHandle> start_create_map(const std::string& name, const std::string& uuid,
                                                      std::uint64_t size_sectors,
                                                      const core::DmMultipathTable& table) {
        return finished(create_map(name, uuid, size_sectors, table));
    }
    virtual bool udev_done(const UdevHandle& handle) { return handle.cookie == 0; }
    // Reload, remove and rename end in udev's work on a change or remove uevent too; their start_ halves run
    // the ioctls and hand back the handle in the same way. A udev stuck on one map (blkid reading a map that
    // queues I/O) then holds up only that map's completion, not the fail_path and reinstate_path messages for
    // every other map queued behind it. The defaults run the blocking call.
    virtual core::Result<UdevHandle> start_reload_map(const std::string& name, std::uint64_t size_sectors,
                                                      const core::DmMultipathTable& table) {
        return finished(reload_map(name, size_sectors, table));
    }
    virtual core::Result<UdevHandle> start_remove_map(const std::string& name, const RemoveOptions& options) {
        return finished(remove_map(name, options));
    }
    virtual core::Result<UdevHandle> start_rename_map(const std::string& old_name,
                                                      const std::string& new_name) {
        return finished(rename_map(old_name, new_name));
    }
    // Loads an inactive table, suspends with noflush + skip_lockfs (a queueing map cannot block us),
    // resumes. If the load fails the live table is untouched; if the resume fails it is retried a few times
    // with backoff, and an error that says so means the map may be left suspended (see start_resume_map).
    virtual core::Result<void> reload_map(const std::string& name, std::uint64_t size_sectors,
                                          const core::DmMultipathTable& table) = 0;
    // Conflict when the map is open and options do not allow removing it. NotFound when absent.
    virtual core::Result<void> remove_map(const std::string& name, const RemoveOptions& options) = 0;
    // Renames a map (alias change). AlreadyExists when new_name is taken, NotFound when old_name is absent.
    virtual core::Result<void> rename_map(const std::string& old_name, const std::string& new_name) = 0;
    // Resumes a suspended map (the live table stays; a resume that found the map running is no error); the
    // handle is udev's work, as for the other start_ halves. Adaptors whose maps cannot be left suspended
    // keep this default.
    virtual core::Result<UdevHandle> start_resume_map(const std::string& /*name*/) { return UdevHandle{}; }
    // Sends a target message at sector 0: "fail_path 8:16", "reinstate_path 8:16", "switch_group 2",
    // "queue_if_no_path", "fail_if_no_path".
    virtual core::Result<void> send_message(const std::string& name, const std::string& message) = 0;

    // dm event following. event_fd() is a file descriptor the event loop polls for POLLIN (the adaptor's own
    // /dev/mapper/control, armed with DM_DEV_ARM_POLL); -1 when the kernel cannot do that (then poll
    // changed_maps() on a timer). When it is readable, call changed_maps(): it re-arms the fd and returns the
    // names of multipath maps whose event_nr advanced (or which appeared) since the previous call. The first
    // call returns every multipath map.
    virtual int event_fd() const = 0;
    virtual core::Result<std::vector<std::string>> changed_maps() = 0;

    // The status of any dm device's (first) target as "<target type> <params>" ("raid raid1 2 AA 2048/2048
    // idle 0 0 -"): what an LVM raid or mirror LV holding a map says of its legs. NotSupported by default.
    virtual core::Result<std::string> target_status(const std::string& name) {
        return core::Error(core::ErrorCode::NotSupported, "no dm status of " + name + " here");
    }

protected:
    // A blocking call's result as a start_ half's: udev was already waited for.
    static core::Result<UdevHandle> finished(const core::Result<void>& done) {
        if (!done) {
            return done.error();
        }
        return UdevHandle{};
    }
};

}  // namespace pathkeeper::ports
