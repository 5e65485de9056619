#include "os/block_holders.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace pathkeeper::os {

namespace fs = std::filesystem;

namespace {

std::string first_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ' || line.back() == '\r')) {
        line.pop_back();
    }
    return line;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_point(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 3 < text.size()) {
            const std::string octal = text.substr(i + 1, 3);
            if (octal.size() == 3 &&
                std::all_of(octal.begin(), octal.end(), [](char c) { return c >= '0' && c <= '7'; })) {
                out.push_back(static_cast<char>(std::stoi(octal, nullptr, 8)));
                i += 3;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

bool all_digits(const std::string& text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::vector<std::string> BlockHolderScan::holder_names(core::DevT device) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry :
         fs::directory_iterator(sys_ / "dev/block" / device.to_string() / "holders", ec)) {
        out.push_back(entry.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<ports::PartitionMap> BlockHolderScan::partitions(core::DevT map, const std::string& wwid) {
    std::vector<ports::PartitionMap> out;
    const std::string suffix = "-mpath-" + wwid;
    for (const std::string& holder : holder_names(map)) {
        const fs::path dir = sys_ / "block" / holder;
        const std::string uuid = first_line(dir / "dm/uuid");
        const auto dash = uuid.find('-');
        if (!uuid.starts_with("part") || dash == std::string::npos || !all_digits(uuid.substr(4, dash - 4)) ||
            uuid.substr(dash) != suffix) {
            continue;
        }
        auto devt = core::DevT::parse(first_line(dir / "dev"));
        if (devt) {
            out.push_back(ports::PartitionMap{first_line(dir / "dm/name"), *devt});
        }
    }
    return out;
}

std::vector<std::string> BlockHolderScan::mount_points(core::DevT device) const {
    std::vector<std::string> out;
    std::ifstream in(proc_ / "self/mountinfo");
    const std::string wanted = device.to_string();
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devt, root, mount_point;
        if (fields >> id >> parent >> devt >> root >> mount_point && devt == wanted) {
            out.push_back("mounted on " + unescape_mount_point(mount_point));
        }
    }
    return out;
}

std::vector<std::string> BlockHolderScan::processes(core::DevT device) const {
    std::vector<std::string> out;
    // The links name the node the process opened: /dev/dm-N, or a /dev/mapper name that resolves to it.
    const std::string kernel_name = "dm-" + std::to_string(device.minor);
    std::error_code ec;
    std::size_t links = 0;
    std::size_t more = 0;
    for (const auto& proc : fs::directory_iterator(proc_, ec)) {
        const std::string pid = proc.path().filename().string();
        if (!all_digits(pid)) {
            continue;
        }
        bool holds = false;
        std::error_code fd_ec;
        for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
            if (++links > kMaxFdLinks) {
                break;
            }
            std::error_code link_ec;
            const fs::path target = fs::read_symlink(fd.path(), link_ec);
            if (link_ec) {
                continue;
            }
            struct stat st {};
            if (target == dev_ / kernel_name ||
                (::stat(fd.path().c_str(), &st) == 0 && S_ISBLK(st.st_mode) &&
                 major(st.st_rdev) == device.major && minor(st.st_rdev) == device.minor)) {
                holds = true;
                break;
            }
        }
        if (holds) {
            if (out.size() < kMaxProcesses) {
                out.push_back("pid " + pid + " (" + first_line(proc.path() / "comm") + ")");
            } else {
                ++more;
            }
        }
        if (links > kMaxFdLinks) {
            out.push_back("(the scan of open files stopped after " + std::to_string(kMaxFdLinks) + ")");
            break;
        }
    }
    if (more > 0) {
        out.push_back("and " + std::to_string(more) + " more process(es)");
    }
    return out;
}

std::vector<std::string> BlockHolderScan::holders(core::DevT device,
                                                  const std::vector<ports::PartitionMap>& except) {
    std::vector<std::string> out = mount_points(device);
    for (const std::string& holder : holder_names(device)) {
        const fs::path dir = sys_ / "block" / holder;
        const std::string dm_name = first_line(dir / "dm/name");
        if (std::any_of(except.begin(), except.end(), [&](const ports::PartitionMap& p) {
                return !dm_name.empty() && p.name == dm_name;
            })) {
            continue;
        }
        if (holder.starts_with("md")) {
            out.push_back("md array " + holder);
        } else if (dm_name.empty()) {
            out.push_back("device " + holder);
        } else if (first_line(dir / "dm/uuid").starts_with("LVM-")) {
            out.push_back("LVM volume " + dm_name);
        } else {
            out.push_back("dm device " + dm_name);
        }
    }
    auto procs = processes(device);
    out.insert(out.end(), procs.begin(), procs.end());
    return out;
}

}  // namespace pathkeeper::os
