#include "os/path_wwid_index.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <system_error>

#include "core/wwid.hpp"
#include "os/errno_text.hpp"
#include "os/sysfs_tree.hpp"
#include "os/unique_fd.hpp"
#include "os/wwid_fallback.hpp"

namespace pathkeeper::os {

namespace fs = std::filesystem;

namespace {

constexpr const char* by_wwid = "by-wwid";
constexpr const char* by_disk = "by-disk";

bool plain_name(const std::string& name) {
    return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

core::Error failed(const std::string& what, int error) {
    return errno_error(what, error);
}

std::optional<std::string> read_link(const fs::path& link) {
    char target[PATH_MAX];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target);
    if (n <= 0 || static_cast<std::size_t>(n) >= sizeof target) {
        return std::nullopt;
    }
    return std::string(target, static_cast<std::size_t>(n));
}

// Creates <dir>/<disk> inside an existing WWID directory, making the directory when needed. A concurrent
// forget() may remove an empty directory between the two steps, hence the retries.
core::Result<void> add_entry(const fs::path& wwid_dir, const std::string& disk) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        if (::mkdir(wwid_dir.c_str(), 0755) != 0 && errno != EEXIST) {
            return failed("mkdir " + wwid_dir.string(), errno);
        }
        const UniqueFd fd(
            ::open((wwid_dir / disk).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (fd.valid()) {
            return {};
        }
        if (errno != ENOENT) {
            return failed("create " + (wwid_dir / disk).string(), errno);
        }
    }
    return core::Error{core::ErrorCode::Io,
                       "create " + (wwid_dir / disk).string() + ": directory keeps vanishing"};
}

// Points <dir>/by-disk/<disk> at wwid, replacing the old link in one rename.
core::Result<void> set_link(const fs::path& dir, const std::string& disk, const std::string& wwid) {
    const fs::path link = dir / by_disk / disk;
    const fs::path temp = dir / by_disk / ("." + disk + "." + std::to_string(::getpid()));
    ::unlink(temp.c_str());
    if (::symlink(wwid.c_str(), temp.c_str()) != 0) {
        return failed("symlink " + temp.string(), errno);
    }
    if (::rename(temp.c_str(), link.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        return failed("rename " + temp.string(), error);
    }
    return {};
}

void remove_entry(const fs::path& dir, const std::string& wwid, const std::string& disk) {
    const fs::path wwid_dir = dir / by_wwid / wwid;
    ::unlink((wwid_dir / disk).c_str());
    ::rmdir(wwid_dir.c_str());  // fails while other disks report the WWID, as it should
}

}  // namespace

std::string indexed_wwid(const SysfsTree& sysfs, const std::string& disk, const std::string& udev_wwid) {
    if (auto device_dir = sysfs.scsi_device_dir(disk)) {
        if (auto wwid = wwid_from_sysfs(sysfs, *device_dir)) {
            return std::move(*wwid);
        }
    }
    return udev_wwid;
}

PathWwidIndex::PathWwidIndex(fs::path dir, fs::path sysfs_root)
    : dir_(std::move(dir)), sysfs_root_(std::move(sysfs_root)) {}

bool PathWwidIndex::exists() const {
    struct stat st {};
    return ::stat((dir_ / by_disk).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

core::Result<void> PathWwidIndex::create(
    const std::vector<std::pair<std::string, std::string>>& disks) const {
    std::error_code ec;
    fs::create_directories(dir_.parent_path(), ec);
    if (ec) {
        return core::Error{core::ErrorCode::Io,
                           "create " + dir_.parent_path().string() + ": " + ec.message()};
    }
    const fs::path temp =
        dir_.parent_path() / ("." + dir_.filename().string() + "." + std::to_string(::getpid()));
    fs::remove_all(temp, ec);
    if (::mkdir(temp.c_str(), 0755) != 0 || ::mkdir((temp / by_wwid).c_str(), 0755) != 0 ||
        ::mkdir((temp / by_disk).c_str(), 0755) != 0) {
        const int error = errno;
        fs::remove_all(temp, ec);
        return failed("create " + temp.string(), error);
    }
    PathWwidIndex building(temp, sysfs_root_);
    for (const auto& [disk, wwid] : disks) {
        if (auto recorded = building.record(disk, wwid); !recorded) {
            fs::remove_all(temp, ec);
            return recorded.error();
        }
    }
    if (::rename(temp.c_str(), dir_.c_str()) != 0) {
        const int error = errno;
        fs::remove_all(temp, ec);
        if (error == EEXIST || error == ENOTEMPTY) {
            return {};  // another udev worker built it first: use theirs
        }
        return failed("rename " + temp.string() + " to " + dir_.string(), error);
    }
    return {};
}

core::Result<void> PathWwidIndex::record(const std::string& disk, const std::string& wwid) const {
    if (!plain_name(disk)) {
        return core::Error{core::ErrorCode::InvalidArgument, "bad disk name '" + disk + "'"};
    }
    if (auto checked = core::check_wwid(wwid); !checked) {
        return checked.error();
    }
    const fs::path wwid_dir = dir_ / by_wwid / wwid;
    const auto previous = read_link(dir_ / by_disk / disk);
    if (previous == wwid && ::access((wwid_dir / disk).c_str(), F_OK) == 0) {
        return {};
    }
    if (auto added = add_entry(wwid_dir, disk); !added) {
        return added;
    }
    if (auto linked = set_link(dir_, disk, wwid); !linked) {
        return linked;
    }
    if (previous && *previous != wwid && core::valid_wwid(*previous)) {
        remove_entry(dir_, *previous, disk);
    }
    return {};
}

core::Result<void> PathWwidIndex::forget(const std::string& disk) const {
    if (!plain_name(disk)) {
        return core::Error{core::ErrorCode::InvalidArgument, "bad disk name '" + disk + "'"};
    }
    const auto previous = read_link(dir_ / by_disk / disk);
    if (!previous) {
        return {};
    }
    if (::unlink((dir_ / by_disk / disk).c_str()) != 0 && errno != ENOENT) {
        return failed("unlink " + (dir_ / by_disk / disk).string(), errno);
    }
    if (core::valid_wwid(*previous)) {
        remove_entry(dir_, *previous, disk);
    }
    return {};
}

bool PathWwidIndex::another_disk_has(const std::string& wwid, const std::string& disk) const {
    if (!core::valid_wwid(wwid)) {
        return false;
    }
    DIR* entries = ::opendir((dir_ / by_wwid / wwid).c_str());
    if (entries == nullptr) {
        return false;
    }
    bool found = false;
    while (const dirent* entry = ::readdir(entries)) {
        const std::string name = entry->d_name;
        if (name == disk || !plain_name(name) || !name.starts_with("sd")) {
            continue;
        }
        // A stale entry (remove event missed, or a crash between two steps of record()) does not count.
        if (read_link(dir_ / by_disk / name) == wwid &&
            ::access((sysfs_root_ / "block" / name).c_str(), F_OK) == 0) {
            found = true;
            break;
        }
    }
    ::closedir(entries);
    return found;
}

}  // namespace pathkeeper::os
