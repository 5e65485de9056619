#include "os/block_holders.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>
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

unsigned number_in(const fs::path& file) {
    const std::string text = first_line(file);
    return all_digits(text) ? static_cast<unsigned>(std::stoul(text)) : 0U;
}

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string word; in >> word;) {
        out.push_back(word);
    }
    return out;
}

// md/dev-<name>/state: a comma-separated list ("in_sync", "faulty", "spare", "in_sync,write_mostly").
core::LegState md_member_state(const std::string& state) {
    if (state.find("faulty") != std::string::npos) {
        return core::LegState::Faulty;
    }
    if (state.find("in_sync") != std::string::npos) {
        return core::LegState::InSync;
    }
    return core::LegState::Syncing;
}

core::LegState lvm_leg_state(char health) {
    switch (health) {
        case 'A':
            return core::LegState::InSync;
        case 'a':
            return core::LegState::Syncing;
        case 'D':
            return core::LegState::Faulty;
        default:
            return core::LegState::Unknown;
    }
}

// The leg number of an LVM sub-LV ("vg0-data_rimage_1" -> 1), as the raid target's health chars count them.
std::optional<std::size_t> sub_lv_index(const std::string& dm_name) {
    for (const char* marker : {"_rimage_", "_rmeta_", "_mimage_"}) {
        const auto at = dm_name.rfind(marker);
        if (at != std::string::npos) {
            const std::string number = dm_name.substr(at + std::strlen(marker));
            if (all_digits(number)) {
                return static_cast<std::size_t>(std::stoul(number));
            }
        }
    }
    return std::nullopt;
}

// The legs' health chars and this map's leg among them: counts as the policy wants them. A leg not known
// is not counted as this one: then only the in-sync legs beyond one are others for certain.
void count_legs(core::MapHolder& h, const std::string& health, std::optional<std::size_t> ours) {
    h.members = static_cast<unsigned>(health.size());
    unsigned in_sync = 0;
    for (std::size_t i = 0; i < health.size(); ++i) {
        if (health[i] != 'A') {
            ++h.degraded;
        }
        if (ours && i == *ours) {
            h.leg = lvm_leg_state(health[i]);
        } else if (health[i] == 'A') {
            ++in_sync;
        }
    }
    h.other_in_sync = ours && *ours < health.size() ? in_sync : (in_sync > 0 ? in_sync - 1 : 0);
}

// "raid5_ls" -> "raid5"; "" for a level that keeps no redundancy (raid0) or is unknown.
std::string redundant_level(const std::string& type) {
    for (const char* level : {"raid10", "raid1", "raid4", "raid5", "raid6"}) {
        if (type == level || type.starts_with(std::string(level) + "_")) {
            return level;
        }
    }
    return {};
}

// dm-raid status: "raid <raid type> <#devices> <health chars> <sync ratio> <sync action> <mismatches> ...".
bool read_lvm_raid(core::MapHolder& h, const std::vector<std::string>& status, const std::string& lower_dm) {
    if (status.size() < 4 || status[0] != "raid") {
        return false;
    }
    h.level = redundant_level(status[1]);
    if (h.level.empty()) {
        h.kind = "LVM " + status[1];
        return false;
    }
    h.kind = "LVM " + h.level;
    count_legs(h, status[3], sub_lv_index(lower_dm));
    return true;
}

// dm-mirror status: "mirror <#legs> <leg devt>... <in sync>/<total> 1 <health chars> <#log args> ...".
bool read_lvm_mirror(core::MapHolder& h, const std::vector<std::string>& status,
                     const std::string& lower_devt) {
    if (status.size() < 2 || status[0] != "mirror" || !all_digits(status[1])) {
        return false;
    }
    const std::size_t legs = std::stoul(status[1]);
    if (status.size() < 2 + legs + 3) {
        return false;
    }
    std::optional<std::size_t> ours;
    for (std::size_t i = 0; i < legs; ++i) {
        if (status[2 + i] == lower_devt) {
            ours = i;
        }
    }
    h.level = "mirror";
    h.kind = "LVM mirror";
    count_legs(h, status[2 + legs + 2], ours);
    return true;
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

namespace pathkeeper::os {

std::vector<std::string> BlockHolderScan::holders_of(const std::string& lower) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(sys_ / "block" / lower / "holders", ec)) {
        out.push_back(entry.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<core::MapHolder> BlockHolderScan::map_holder(core::DevT map) {
    std::error_code ec;
    const fs::path device = fs::read_symlink(sys_ / "dev/block" / map.to_string(), ec);
    if (ec) {
        return std::nullopt;
    }
    const std::string kernel_name = device.filename().string();
    std::set<std::string> visited{kernel_name};
    std::optional<core::MapHolder> first;
    if (auto redundant = find_redundant(kernel_name, 0, visited, first)) {
        return redundant;
    }
    return first;
}

// Depth first through the holders in name order: the first redundant layer wins. The holder graph has no
// cycles, but a device seen once is not walked again (an LV's _rimage_N and _rmeta_N both lead to the LV).
std::optional<core::MapHolder> BlockHolderScan::find_redundant(const std::string& lower, int depth,
                                                               std::set<std::string>& visited,
                                                               std::optional<core::MapHolder>& first) const {
    if (depth >= kMaxHolderDepth) {
        return std::nullopt;
    }
    for (const std::string& holder : holders_of(lower)) {
        if (!visited.insert(holder).second) {
            continue;
        }
        core::MapHolder h = describe(holder, lower);
        if (h.redundant) {
            return h;
        }
        if (!first) {
            first = h;
        }
        if (auto above = find_redundant(holder, depth + 1, visited, first)) {
            return above;
        }
    }
    return std::nullopt;
}

core::MapHolder BlockHolderScan::describe(const std::string& holder, const std::string& lower) const {
    const fs::path dir = sys_ / "block" / holder;
    if (holder.starts_with("md") && fs::exists(dir / "md")) {
        return describe_md(holder, lower);
    }
    core::MapHolder h;
    const std::string dm_name = first_line(dir / "dm/name");
    if (dm_name.empty()) {
        h.device = holder;
        h.kind = "device";
        return h;
    }
    h.device = dm_name;
    const std::string uuid = first_line(dir / "dm/uuid");
    if (uuid.starts_with("part")) {
        h.kind = "partition map";
        return h;
    }
    h.kind = uuid.starts_with("LVM-") ? "LVM volume" : "dm device";
    if (!dm_status_) {
        return h;
    }
    const auto status = dm_status_(dm_name);
    if (!status) {
        return h;
    }
    const auto fields = words(*status);
    const std::string lower_dm = first_line(sys_ / "block" / lower / "dm/name");
    const std::string lower_devt = first_line(sys_ / "block" / lower / "dev");
    h.redundant = read_lvm_raid(h, fields, lower_dm) || read_lvm_mirror(h, fields, lower_devt);
    return h;
}

core::MapHolder BlockHolderScan::describe_md(const std::string& holder, const std::string& lower) const {
    const fs::path md = sys_ / "block" / holder / "md";
    core::MapHolder h;
    h.device = holder;
    const std::string level = first_line(md / "level");
    h.level = redundant_level(level);
    h.kind = "md " + (level.empty() ? std::string("array") : level);
    if (h.level.empty() || h.level != level) {
        h.level = level;  // raid0, linear, an md container: nothing redundant
        return h;
    }
    h.redundant = true;
    const std::string array_state = first_line(md / "array_state");
    h.running = !array_state.empty() && array_state != "inactive" && array_state != "clear";
    h.members = number_in(md / "raid_disks");
    h.degraded = number_in(md / "degraded");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(md, ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with("dev-")) {
            continue;
        }
        const core::LegState state = md_member_state(first_line(entry.path() / "state"));
        if (name == "dev-" + lower) {
            h.leg = state;
        } else if (state == core::LegState::InSync) {
            ++h.other_in_sync;
        }
    }
    return h;
}

}  // namespace pathkeeper::os
