#include "cli/mpathpersist/map_paths.hpp"

#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "core/dm_table.hpp"

namespace pathkeeper::mpathpersist {
namespace {

using core::Error;
using core::ErrorCode;

std::string errno_text(int error) {
    return std::strerror(error);
}

std::optional<std::string> read_attribute(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

struct Slave {
    std::string devnode;
    std::string initiator;
};

// The SCSI host in the device's sysfs path (.../host3/session1/target3:0:0/3:0:0:1/block/sdc): paths through
// the same host share an initiator port, which a registration with ALL_TG_PT covers at once.
std::string scsi_host_of(const std::filesystem::path& slave) {
    std::error_code ec;
    const auto real = std::filesystem::canonical(slave, ec);
    if (ec) {
        return {};
    }
    std::string host;
    for (const auto& part : real) {
        const std::string text = part.string();
        if (text.size() > 4 && text.starts_with("host") &&
            std::all_of(text.begin() + 4, text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            host = text;
        }
    }
    return host;
}

// The map's slave devices by device number, from <sysfs>/dev/block/M:m/slaves/<name>/dev.
std::map<core::DevT, Slave> slave_names(const std::filesystem::path& slaves_dir) {
    std::map<core::DevT, Slave> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(slaves_dir, ec)) {
        const auto dev = read_attribute(entry.path() / "dev");
        if (!dev) {
            continue;
        }
        if (auto devt = core::DevT::parse(*dev)) {
            names.emplace(*devt, Slave{entry.path().filename().string(), scsi_host_of(entry.path())});
        }
    }
    return names;
}

// Kernel names with '/' (cciss!c0d0) are spelled with '!' in sysfs.
std::string device_path_of(std::string devnode) {
    std::replace(devnode.begin(), devnode.end(), '!', '/');
    return "/dev/" + devnode;
}

}  // namespace

std::size_t MapInfo::active_count() const {
    return static_cast<std::size_t>(
        std::count_if(paths.begin(), paths.end(), [](const MapPath& path) { return path.active; }));
}

core::Result<std::vector<PathState>> parse_path_states(std::string_view status) {
    auto parsed = core::parse_status(status);
    if (!parsed) {
        return parsed.error();
    }
    std::vector<PathState> states;
    for (const auto& group : parsed->groups) {
        for (const auto& path : group.paths) {
            states.push_back(PathState{path.devt, path.state == core::DmPathState::Active});
        }
    }
    return states;
}

core::Result<std::vector<DmTargetStatus>> read_dm_status(core::DevT devt) {
    const int fd = ::open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return Error{ErrorCode::Io, "open /dev/mapper/control: " + errno_text(errno)};
    }
    // A status line per path is short; the buffer grows when the kernel says it was too small.
    std::size_t size = 16 * 1024;
    for (int attempt = 0; attempt < 8; ++attempt, size *= 2) {
        std::vector<std::uint64_t> storage((size + 7) / 8);  // dm_ioctl wants 8-byte alignment
        auto* request = reinterpret_cast<dm_ioctl*>(storage.data());
        request->version[0] = DM_VERSION_MAJOR;
        request->data_size = static_cast<std::uint32_t>(size);
        request->data_start = sizeof(dm_ioctl);
        request->flags = DM_NOFLUSH_FLAG;  // status, not table; never flush I/O to report it
        request->dev = makedev(devt.major, devt.minor);
        if (::ioctl(fd, DM_TABLE_STATUS, request) < 0) {
            const int error = errno;
            ::close(fd);
            return Error{error == ENXIO ? ErrorCode::NotFound : ErrorCode::Io,
                         "DM_TABLE_STATUS: " + errno_text(error)};
        }
        if ((request->flags & DM_BUFFER_FULL_FLAG) != 0) {
            continue;
        }
        ::close(fd);
        std::vector<DmTargetStatus> targets;
        const char* base = reinterpret_cast<const char*>(storage.data());
        const std::size_t data_end = std::min<std::size_t>(request->data_size, size);
        std::size_t offset = request->data_start;
        for (std::uint32_t i = 0; i < request->target_count; ++i) {
            if (offset + sizeof(dm_target_spec) > data_end) {
                return Error{ErrorCode::Io, "DM_TABLE_STATUS: reply ends inside a target"};
            }
            dm_target_spec spec{};
            std::memcpy(&spec, base + offset, sizeof spec);
            const char* params = base + offset + sizeof spec;
            const std::size_t max_params = data_end - (offset + sizeof spec);
            DmTargetStatus target;
            target.type.assign(spec.target_type, strnlen(spec.target_type, sizeof spec.target_type));
            target.params.assign(params, strnlen(params, max_params));
            targets.push_back(std::move(target));
            offset = request->data_start + spec.next;
        }
        return targets;
    }
    ::close(fd);
    return Error{ErrorCode::Io, "DM_TABLE_STATUS: status too large"};
}

core::Result<core::DevT> block_device_number(const std::string& device) {
    struct stat info {};
    if (::stat(device.c_str(), &info) != 0) {
        const int error = errno;
        return Error{error == ENOENT ? ErrorCode::NotFound : ErrorCode::Io, errno_text(error)};
    }
    if (!S_ISBLK(info.st_mode)) {
        return Error{ErrorCode::InvalidArgument, "not a block device"};
    }
    return core::DevT{major(info.st_rdev), minor(info.st_rdev)};
}

core::Result<MapInfo> resolve_map(const std::string& device, core::DevT devt,
                                  const std::filesystem::path& sysfs_root,
                                  const DmStatusReader& read_status) {
    const std::filesystem::path block = sysfs_root / "dev" / "block" / devt.to_string();
    std::error_code ec;
    if (!std::filesystem::exists(block, ec)) {
        return Error{ErrorCode::NotFound, "block device " + devt.to_string() + " is not in sysfs"};
    }
    MapInfo map;
    map.device = device;
    map.devt = devt;
    const auto name = read_attribute(block / "dm" / "name");
    if (!name) {
        return Error{ErrorCode::NotSupported, "not a device-mapper device"};
    }
    map.name = *name;
    map.uuid = read_attribute(block / "dm" / "uuid").value_or("");

    auto targets = read_status(devt);
    if (!targets) {
        return Error{targets.error().code,
                     "cannot read the dm status of " + map.name + ": " + targets.error().message};
    }
    if (targets->empty()) {
        return Error{ErrorCode::NotSupported, "dm device " + map.name + " has no live table"};
    }
    if (targets->size() != 1 || targets->front().type != "multipath") {
        return Error{ErrorCode::NotSupported, "not a multipath map (dm device " + map.name + " has " +
                                                  std::to_string(targets->size()) + " target(s), first '" +
                                                  targets->front().type + "')"};
    }
    auto states = parse_path_states(targets->front().params);
    if (!states) {
        return Error{ErrorCode::Io,
                     "unreadable multipath status of " + map.name + ": " + states.error().message};
    }
    const auto names = slave_names(block / "slaves");
    for (const PathState& state : *states) {
        MapPath path;
        path.devt = state.devt;
        if (const auto found = names.find(state.devt); found != names.end()) {
            path.devnode = found->second.devnode;
            path.device_path = device_path_of(found->second.devnode);
            path.initiator = found->second.initiator;
        }
        // Without a device name there is nothing to open: treat the path as unusable.
        path.active = state.active && !path.devnode.empty();
        map.paths.push_back(std::move(path));
    }
    return map;
}

}  // namespace pathkeeper::mpathpersist
