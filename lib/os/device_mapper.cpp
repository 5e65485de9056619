#include "os/device_mapper.hpp"

#include <fcntl.h>
#include <libdevmapper.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "os/errno_text.hpp"

namespace pathkeeper::os {
namespace {

constexpr const char* kTargetType = "multipath";
constexpr int kDmLogLevelMask = 0x7;  // libdevmapper ORs _LOG_STDERR/_LOG_ONCE into the level
constexpr int kDmLogErr = 3;

// libdevmapper reports the reason for a failure through its log callback, not through the return value; keep
// the last error line of this thread so a Result can carry it instead of it going to stderr.
thread_local std::string last_dm_error;

extern "C" void capture_dm_log(int level, const char* /*file*/, int /*line*/, int /*dm_errno_or_class*/,
                               const char* format, ...) {
    if ((level & kDmLogLevelMask) > kDmLogErr) {
        return;
    }
    char buffer[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    last_dm_error = buffer;
}

struct TaskDeleter {
    void operator()(dm_task* task) const { dm_task_destroy(task); }
};
using Task = std::unique_ptr<dm_task, TaskDeleter>;

core::Result<Task> make_task(int type, const std::string& name) {
    Task task(dm_task_create(type));
    if (!task) {
        return core::Error{core::ErrorCode::Internal, "dm_task_create failed (out of memory?)"};
    }
    if (!name.empty() && !dm_task_set_name(task.get(), name.c_str())) {
        return core::Error{core::ErrorCode::InvalidArgument, "bad dm device name '" + name + "'"};
    }
    return task;
}

core::Error task_error(dm_task* task, const std::string& what) {
    int err = dm_task_get_errno(task);
    std::string detail = last_dm_error.empty() ? std::string{} : " (" + last_dm_error + ")";
    last_dm_error.clear();
    if (err != 0) {
        core::Error error = errno_error(what, err);
        error.message += detail;
        return error;
    }
    return core::Error{core::ErrorCode::Io, what + " failed" + detail};
}

core::Result<void> run(dm_task* task, const std::string& what) {
    last_dm_error.clear();
    if (!dm_task_run(task)) {
        return task_error(task, what);
    }
    return {};
}

// Runs a task that changes /dev/mapper (create, resume, remove, rename) and, when udev sync is on, hands back
// the cookie udev completes once it has processed the uevent. The cookie must be waited on whether or not
// the ioctl succeeded: on failure libdevmapper has already completed it, and the wait releases the semaphore,
// so a failed task returns its error with nothing left to wait for.
core::Result<ports::DeviceMapper::UdevHandle> start_with_cookie(dm_task* task, const std::string& what,
                                                                bool udev_sync, std::uint16_t flags) {
    std::uint32_t cookie = 0;
    if (udev_sync) {
        // udev's dm rules own /dev/mapper (see start_create_map): no library-made nodes behind their back.
        if (!dm_task_set_cookie(task, &cookie, flags | DM_UDEV_DISABLE_LIBRARY_FALLBACK)) {
            return core::Error{core::ErrorCode::Io, what + ": cannot set udev cookie"};
        }
    }
    last_dm_error.clear();
    if (dm_task_run(task) == 0) {
        core::Error error = task_error(task, what);
        if (udev_sync) {
            dm_udev_wait(cookie);
        }
        return error;
    }
    return ports::DeviceMapper::UdevHandle{cookie};
}

core::Result<void> wait_for_udev(const core::Result<ports::DeviceMapper::UdevHandle>& started) {
    if (!started) {
        return started.error();
    }
    if (started->cookie != 0) {
        dm_udev_wait(started->cookie);
    }
    return {};
}

bool udev_dm_rules_installed() {
    for (const char* dir : {"/usr/lib/udev/rules.d", "/lib/udev/rules.d", "/etc/udev/rules.d"}) {
        std::error_code ec;
        if (std::filesystem::exists(std::string(dir) + "/95-dm-notify.rules", ec)) {
            return true;
        }
    }
    return false;
}

struct Target {
    std::uint64_t length = 0;
    std::string type;
    std::string params;
    int count = 0;
};

Target single_target(dm_task* task) {
    Target target;
    void* next = nullptr;
    do {
        std::uint64_t start = 0;
        std::uint64_t length = 0;
        char* type = nullptr;
        char* params = nullptr;
        next = dm_get_next_target(task, next, &start, &length, &type, &params);
        if (type == nullptr) {
            break;  // no table
        }
        if (++target.count == 1) {
            target.length = length;
            target.type = type;
            target.params = params ? params : "";
        }
    } while (next != nullptr);
    return target;
}

// The live table's status line(s): the first target's, and how many there are.
core::Result<Target> status_target(const std::string& name) {
    auto task = make_task(DM_DEVICE_STATUS, name);
    if (!task) {
        return task.error();
    }
    if (auto ran = run(task->get(), "read status of " + name); !ran) {
        return ran.error();
    }
    return single_target(task->get());
}

std::uint32_t* event_nr_after_name(dm_names* names) {
    // DM_DEVICE_LIST (dm ioctl >= 4.37) stores the device's event counter after the name's NUL, 8-byte
    // aligned.
    auto address = reinterpret_cast<std::uintptr_t>(names->name + std::strlen(names->name) + 1);
    address = (address + 7) & ~static_cast<std::uintptr_t>(7);
    return reinterpret_cast<std::uint32_t*>(address);
}

}  // namespace

LibDeviceMapper::LibDeviceMapper(DeviceMapperOptions options) : options_(options) {
    static std::once_flag log_once;
    std::call_once(log_once, [] { dm_log_with_errno_init(capture_dm_log); });
    if (options_.udev_sync && !udev_dm_rules_installed()) {
        options_.udev_sync = false;
    }
    dm_udev_set_sync_support(options_.udev_sync ? 1 : 0);
    if (options_.open_event_fd) {
        control_fd_ = ::open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
        if (control_fd_ >= 0 && !arm_poll()) {
            ::close(control_fd_);  // kernel too old for DM_DEV_ARM_POLL: the caller polls changed_maps()
            control_fd_ = -1;
        }
    }
}

LibDeviceMapper::~LibDeviceMapper() {
    if (control_fd_ >= 0) {
        ::close(control_fd_);
    }
    dm_lib_release();
}

std::string LibDeviceMapper::driver_version() const {
    std::lock_guard lock(mutex_);
    auto task = make_task(DM_DEVICE_VERSION, "");
    if (!task || !dm_task_run(task->get())) {
        return "unknown";
    }
    char version[64] = {};
    if (!dm_task_get_driver_version(task->get(), version, sizeof version)) {
        return "unknown";
    }
    return version;
}

core::Result<void> LibDeviceMapper::arm_poll() {
    if (control_fd_ < 0) {
        return core::Error{core::ErrorCode::NotSupported, "no dm control fd"};
    }
    dm_ioctl request{};
    request.version[0] = DM_VERSION_MAJOR;
    request.version[1] = 37;  // DM_DEV_ARM_POLL appeared in 4.37
    request.version[2] = 0;
    request.data_size = sizeof request;
    request.data_start = sizeof request;
    if (::ioctl(control_fd_, DM_DEV_ARM_POLL, &request) < 0) {
        return errno_error("DM_DEV_ARM_POLL", errno);
    }
    return {};
}

core::Result<ports::DmMapInfo> LibDeviceMapper::get_map(const std::string& name) {
    std::lock_guard lock(mutex_);
    ports::DmMapInfo map;
    map.name = name;
    {
        auto task = make_task(DM_DEVICE_TABLE, name);
        if (!task) {
            return task.error();
        }
        if (auto ran = run(task->get(), "read table of " + name); !ran) {
            return ran.error();
        }
        dm_info info{};
        if (!dm_task_get_info(task->get(), &info) || !info.exists) {
            return core::Error{core::ErrorCode::NotFound, "no dm device named " + name};
        }
        const char* uuid = dm_task_get_uuid(task->get());
        map.uuid = uuid ? uuid : "";
        map.devt = core::DevT{info.major, info.minor};
        map.open_count = info.open_count;
        map.suspended = info.suspended != 0;
        map.event_nr = info.event_nr;
        Target target = single_target(task->get());
        if (target.count == 0) {
            map.table_error = "no live table";
        } else if (target.count > 1 || target.type != kTargetType) {
            map.table_error = "not a single multipath target (" + std::to_string(target.count) +
                              " targets, first '" + target.type + "')";
        } else {
            map.size_sectors = target.length;
            map.table_text = target.params;
            if (auto parsed = core::parse_table(target.params)) {
                map.table = std::move(*parsed);
            } else {
                map.table_error = parsed.error().message;
            }
        }
    }
    {
        auto status = status_target(name);
        if (!status) {
            return status.error();
        }
        const Target& target = *status;
        if (target.count == 1 && target.type == kTargetType) {
            map.status_text = target.params;
            if (auto parsed = core::parse_status(target.params)) {
                map.status = std::move(*parsed);
            } else {
                map.status_error = parsed.error().message;
            }
        } else {
            map.status_error = "no multipath status";
        }
    }
    return map;
}

core::Result<std::string> LibDeviceMapper::target_status(const std::string& name) {
    std::lock_guard lock(mutex_);  // holder reads run on the dm worker beside other maps' jobs
    auto status = status_target(name);
    if (!status) {
        return status.error();
    }
    const Target& target = *status;
    if (target.count == 0) {
        return core::Error(core::ErrorCode::NotFound, name + " has no live table");
    }
    return target.type + " " + target.params;
}

core::Result<std::string> LibDeviceMapper::uuid_of(const std::string& name, std::uint64_t dev) {
    // Keyed by name and device number, so a map removed and re-created under the same name is looked up
    // again.
    if (auto it = uuid_cache_.find(name); it != uuid_cache_.end() && it->second.first == dev) {
        return it->second.second;
    }
    auto task = make_task(DM_DEVICE_INFO, name);
    if (!task) {
        return task.error();
    }
    if (auto ran = run(task->get(), "info " + name); !ran) {
        return ran.error();
    }
    dm_info info{};
    if (!dm_task_get_info(task->get(), &info) || !info.exists) {
        return core::Error{core::ErrorCode::NotFound, "no dm device named " + name};
    }
    const char* uuid = dm_task_get_uuid(task->get());
    std::string text = uuid ? uuid : "";
    uuid_cache_[name] = {dev, text};
    return text;
}

core::Result<std::vector<ports::DmMapInfo>> LibDeviceMapper::list_multipath_maps() {
    std::lock_guard lock(mutex_);
    auto task = make_task(DM_DEVICE_LIST, "");
    if (!task) {
        return task.error();
    }
    if (auto ran = run(task->get(), "list dm devices"); !ran) {
        return ran.error();
    }
    std::vector<std::string> names;
    dm_names* entry = dm_task_get_names(task->get());
    if (entry != nullptr && entry->dev != 0) {
        for (;;) {
            names.emplace_back(entry->name);
            if (entry->next == 0) {
                break;
            }
            entry = reinterpret_cast<dm_names*>(reinterpret_cast<char*>(entry) + entry->next);
        }
    }
    std::vector<ports::DmMapInfo> maps;
    for (const auto& name : names) {
        auto map = get_map(name);
        if (!map) {
            if (map.error().code == core::ErrorCode::NotFound) {
                continue;  // removed while we were listing
            }
            return map.error();
        }
        if (map->uuid.starts_with(ports::kMultipathUuidPrefix)) {
            maps.push_back(std::move(*map));
        }
    }
    return maps;
}

core::Result<void> LibDeviceMapper::create_map(const std::string& name, const std::string& uuid,
                                               std::uint64_t size_sectors,
                                               const core::DmMultipathTable& table) {
    return wait_for_udev(start_create_map(name, uuid, size_sectors, table));
}

core::Result<ports::DeviceMapper::UdevHandle> LibDeviceMapper::start_create_map(
    const std::string& name, const std::string& uuid, std::uint64_t size_sectors,
    const core::DmMultipathTable& table) {
    std::lock_guard lock(mutex_);
    auto task = make_task(DM_DEVICE_CREATE, name);
    if (!task) {
        return task.error();
    }
    if (!dm_task_set_uuid(task->get(), uuid.c_str())) {
        return core::Error{core::ErrorCode::InvalidArgument, "bad dm uuid '" + uuid + "'"};
    }
    const std::string params = core::format_table(table);
    if (!dm_task_add_target(task->get(), 0, size_sectors, kTargetType, params.c_str())) {
        return core::Error{core::ErrorCode::Internal, "cannot add target to create task"};
    }
    std::uint32_t cookie = 0;
    // udev's dm rules create /dev/mapper/NAME; libdevmapper must not make a node of its own meanwhile. Its
    // fallback runs at the next dm_lib_release() (below), long before udev is done with the new device under
    // load, and would leave a plain device node where the rules want their symlink (the rules are known to be
    // installed when udev_sync is on).
    if (options_.udev_sync && !dm_task_set_cookie(task->get(), &cookie, DM_UDEV_DISABLE_LIBRARY_FALLBACK)) {
        return core::Error{core::ErrorCode::Io, "create map " + name + ": cannot set udev cookie"};
    }
    last_dm_error.clear();
    const bool ok = dm_task_run(task->get()) != 0;
    core::Error error;
    if (!ok) {
        error = task_error(task->get(), "create map " + name);
    }
    dm_lib_release();
    if (!ok) {
        if (options_.udev_sync) {
            dm_udev_wait(cookie);  // already completed by libdevmapper on failure: releases the semaphore
        }
        return error;
    }
    uuid_cache_.erase(name);
    // Followed from now on, so that changed_maps() reports it when it goes (removed outside the daemon) even
    // if it never raised an event before.
    last_event_nr_.try_emplace(name, 0);
    return UdevHandle{cookie};
}

bool LibDeviceMapper::udev_done(const UdevHandle& handle) {
    std::lock_guard lock(mutex_);
    if (handle.cookie == 0) {
        return true;
    }
    int ready = 0;
    if (dm_udev_wait_immediate(handle.cookie, &ready) == 0) {
        return true;  // the semaphore is gone or unusable: nothing left to wait for
    }
    return ready != 0;
}

core::Result<void> LibDeviceMapper::reload_map(const std::string& name, std::uint64_t size_sectors,
                                               const core::DmMultipathTable& table) {
    return wait_for_udev(start_reload_map(name, size_sectors, table));
}

core::Result<ports::DeviceMapper::UdevHandle> LibDeviceMapper::start_reload_map(
    const std::string& name, std::uint64_t size_sectors, const core::DmMultipathTable& table) {
    {
        std::lock_guard lock(mutex_);
        auto task = make_task(DM_DEVICE_RELOAD, name);
        if (!task) {
            return task.error();
        }
        const std::string params = core::format_table(table);
        if (!dm_task_add_target(task->get(), 0, size_sectors, kTargetType, params.c_str())) {
            return core::Error{core::ErrorCode::Internal, "cannot add target to reload task"};
        }
        if (auto ran = run(task->get(), "load table into " + name); !ran) {
            return ran.error();  // the live table is untouched
        }
    }
    // A flushing suspend would wait for queued I/O, which on a map with no usable path (queue_if_no_path)
    // never completes: suspend without flushing, and without freezing a file system on top. Even so it waits
    // for the I/O in flight on the map's paths, for as long as a hung path holds it: outside the lock, so
    // the other maps' operations go on meanwhile.
    if (auto suspended = suspend_noflush(name); !suspended) {
        std::lock_guard lock(mutex_);
        if (auto clear = make_task(DM_DEVICE_CLEAR, name)) {
            (void)run(clear->get(), "clear inactive table of " + name);
        }
        return suspended.error();
    }
    core::Result<UdevHandle> resumed = core::Error{core::ErrorCode::Internal, "not attempted"};
    auto backoff = kResumeBackoff;
    for (int attempt = 0; attempt < kResumeAttempts && !resumed; ++attempt) {
        if (attempt > 0) {
            std::this_thread::sleep_for(backoff);
            backoff *= 2;
        }
        std::lock_guard lock(mutex_);
        resumed = start_resume(name);
    }
    std::lock_guard lock(mutex_);
    dm_lib_release();
    if (!resumed) {
        return core::Error{resumed.error().code, resumed.error().message + " (" +
                                                     std::to_string(kResumeAttempts) +
                                                     " attempts; the map is left suspended)"};
    }
    return resumed;
}

core::Result<ports::DeviceMapper::UdevHandle> LibDeviceMapper::start_resume(const std::string& name) {
    auto task = make_task(DM_DEVICE_RESUME, name);
    if (!task) {
        return task.error();
    }
    dm_task_no_flush(task->get());
    dm_task_skip_lockfs(task->get());
    // DM_SUBSYSTEM_UDEV_FLAG0 marks the change uevent as a reload, as multipath-tools does, so udev rules
    // can tell a table swap from a new map.
    return start_with_cookie(task->get(), "resume " + name, options_.udev_sync, DM_SUBSYSTEM_UDEV_FLAG0);
}

core::Result<ports::DeviceMapper::UdevHandle> LibDeviceMapper::start_resume_map(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto resumed = start_resume(name);
    dm_lib_release();
    return resumed;
}

core::Result<void> LibDeviceMapper::suspend_noflush(const std::string& name) {
    // A raw ioctl on a control fd of its own: libdevmapper keeps one process-wide control fd and other state
    // that is not safe to use from two threads at once, and this is the one call that may block for long.
    if (name.size() >= DM_NAME_LEN) {
        return core::Error{core::ErrorCode::InvalidArgument, "bad dm device name '" + name + "'"};
    }
    const int fd = ::open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return errno_error("suspend " + name + ": open /dev/mapper/control", errno);
    }
    dm_ioctl request{};
    request.version[0] = DM_VERSION_MAJOR;
    request.data_size = sizeof request;
    request.data_start = sizeof request;
    request.flags = DM_SUSPEND_FLAG | DM_NOFLUSH_FLAG | DM_SKIP_LOCKFS_FLAG;
    std::memcpy(request.name, name.c_str(), name.size() + 1);
    const int rc = ::ioctl(fd, DM_DEV_SUSPEND, &request);
    const int error = errno;
    ::close(fd);
    if (rc < 0) {
        return errno_error("suspend " + name, error);
    }
    return {};
}

core::Result<void> LibDeviceMapper::remove_map(const std::string& name, const ports::RemoveOptions& options) {
    return wait_for_udev(start_remove_map(name, options));
}

core::Result<ports::DeviceMapper::UdevHandle> LibDeviceMapper::start_remove_map(
    const std::string& name, const ports::RemoveOptions& options) {
    std::lock_guard lock(mutex_);
    auto map = get_map(name);
    if (!map) {
        return map.error();
    }
    if (map->open_count > 0 && !options.even_when_open && !options.deferred) {
        return core::Error{core::ErrorCode::Conflict,
                           name + " is open (" + std::to_string(map->open_count) + " openers); not removed"};
    }
    auto task = make_task(DM_DEVICE_REMOVE, name);
    if (!task) {
        return task.error();
    }
    if (options.deferred) {
        dm_task_deferred_remove(task->get());
    } else {
        dm_task_retry_remove(task->get());  // rides out a transient open by udev's blkid
    }
    auto started = start_with_cookie(task->get(), "remove map " + name, options_.udev_sync, 0);
    dm_lib_release();
    if (started) {
        uuid_cache_.erase(name);
        last_event_nr_.erase(name);
    }
    return started;
}

core::Result<void> LibDeviceMapper::rename_map(const std::string& old_name, const std::string& new_name) {
    return wait_for_udev(start_rename_map(old_name, new_name));
}

core::Result<ports::DeviceMapper::UdevHandle> LibDeviceMapper::start_rename_map(const std::string& old_name,
                                                                                const std::string& new_name) {
    std::lock_guard lock(mutex_);
    auto task = make_task(DM_DEVICE_RENAME, old_name);
    if (!task) {
        return task.error();
    }
    if (!dm_task_set_newname(task->get(), new_name.c_str())) {
        return core::Error{core::ErrorCode::InvalidArgument, "bad dm device name '" + new_name + "'"};
    }
    auto started =
        start_with_cookie(task->get(), "rename map " + old_name + " to " + new_name, options_.udev_sync, 0);
    dm_lib_release();
    if (!started) {
        return started.error();
    }
    uuid_cache_.erase(old_name);
    if (auto it = last_event_nr_.find(old_name); it != last_event_nr_.end()) {
        last_event_nr_[new_name] = it->second;
        last_event_nr_.erase(it);
    }
    return started;
}

core::Result<void> LibDeviceMapper::send_message(const std::string& name, const std::string& message) {
    std::lock_guard lock(mutex_);
    auto task = make_task(DM_DEVICE_TARGET_MSG, name);
    if (!task) {
        return task.error();
    }
    if (!dm_task_set_sector(task->get(), 0) || !dm_task_set_message(task->get(), message.c_str())) {
        return core::Error{core::ErrorCode::InvalidArgument, "bad dm message '" + message + "'"};
    }
    return run(task->get(), "message '" + message + "' to " + name);
}

core::Result<std::vector<std::string>> LibDeviceMapper::changed_maps() {
    std::lock_guard lock(mutex_);
    if (control_fd_ >= 0) {
        if (auto armed = arm_poll(); !armed) {
            return armed.error();
        }
    }
    auto task = make_task(DM_DEVICE_LIST, "");
    if (!task) {
        return task.error();
    }
    if (auto ran = run(task->get(), "list dm devices"); !ran) {
        return ran.error();
    }
    std::vector<std::string> changed;
    std::set<std::string> present;
    dm_names* entry = dm_task_get_names(task->get());
    if (entry != nullptr && entry->dev != 0) {
        for (;;) {
            const std::string name = entry->name;
            present.insert(name);
            const std::uint32_t event_nr = *event_nr_after_name(entry);
            auto uuid = uuid_of(name, entry->dev);
            if (uuid && uuid->starts_with(ports::kMultipathUuidPrefix)) {
                auto [it, inserted] = last_event_nr_.try_emplace(name, event_nr);
                if (inserted || it->second != event_nr) {
                    it->second = event_nr;
                    changed.push_back(name);
                }
            }
            if (entry->next == 0) {
                break;
            }
            entry = reinterpret_cast<dm_names*>(reinterpret_cast<char*>(entry) + entry->next);
        }
    }
    for (auto it = last_event_nr_.begin(); it != last_event_nr_.end();) {
        if (!present.contains(it->first)) {
            changed.push_back(it->first);  // gone: the caller's get_map() will say NotFound
            it = last_event_nr_.erase(it);
        } else {
            ++it;
        }
    }
    for (auto it = uuid_cache_.begin(); it != uuid_cache_.end();) {
        it = present.contains(it->first) ? std::next(it) : uuid_cache_.erase(it);
    }
    return changed;
}

}  // namespace pathkeeper::os
