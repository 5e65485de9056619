#include "os/state_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "os/errno_text.hpp"
#include "os/unique_fd.hpp"

namespace pathkeeper::os {
namespace {

// Closes the descriptor and removes the temp file unless released, so every early return cleans up.
class TempFile {
public:
    TempFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        fd_.reset();
        if (!path_.empty()) {
            ::unlink(path_.c_str());
        }
    }
    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }
    int close() { return fd_.close(); }
    void keep() { path_.clear(); }

private:
    UniqueFd fd_;
    std::string path_;
};

core::Result<void> write_all(int fd, std::string_view content, const std::string& path) {
    std::size_t written = 0;
    while (written < content.size()) {
        ssize_t rc = ::write(fd, content.data() + written, content.size() - written);
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_error("write " + path, errno);
        }
        written += static_cast<std::size_t>(rc);
    }
    return {};
}

}  // namespace

core::Result<std::string> AtomicStateFiles::read(const std::string& path) {
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return errno_error("open " + path, errno);
    }
    std::string content;
    char buffer[8192];
    for (;;) {
        ssize_t rc = ::read(fd.get(), buffer, sizeof buffer);
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_error("read " + path, errno);
        }
        if (rc == 0) {
            break;
        }
        content.append(buffer, static_cast<std::size_t>(rc));
    }
    return content;
}

core::Result<void> AtomicStateFiles::write_atomic(const std::string& path, std::string_view content) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    fs::path dir = target.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    std::error_code ec;
    if (fs::create_directories(dir, ec); ec) {
        return core::Error{core::ErrorCode::Io, "create directory " + dir.string() + ": " + ec.message()};
    }
    std::string temp_template = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    std::vector<char> name(temp_template.begin(), temp_template.end());
    name.push_back('\0');
    int fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) {
        return errno_error("create temp file in " + dir.string(), errno);
    }
    TempFile temp(fd, name.data());
    // mkostemp creates 0600 and the umask could make anything else; state files are 0644, never
    // group/world-writable, whatever the daemon's umask.
    if (::fchmod(temp.fd(), 0644) != 0) {
        return errno_error("chmod " + temp.path(), errno);
    }
    if (auto written = write_all(temp.fd(), content, temp.path()); !written) {
        return written.error();
    }
    if (::fsync(temp.fd()) != 0) {
        return errno_error("fsync " + temp.path(), errno);
    }
    if (temp.close() != 0) {
        return errno_error("close " + temp.path(), errno);
    }
    if (::rename(temp.path().c_str(), path.c_str()) != 0) {
        return errno_error("rename " + temp.path() + " to " + path, errno);
    }
    temp.keep();
    // The rename is durable only once the directory entry is on disk.
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd.valid()) {
        return errno_error("open directory " + dir.string(), errno);
    }
    int rc = ::fsync(dir_fd.get());
    int err = errno;
    dir_fd.reset();
    if (rc != 0 && err != EINVAL) {  // EINVAL: the file system cannot sync directories (some tmpfs/FUSE)
        return errno_error("fsync directory " + dir.string(), err);
    }
    return {};
}

}  // namespace pathkeeper::os
