#pragma once
// A fake sysfs tree holding dm-multipath maps the way the kernel lays them out: /sys/dev/block/M:m/dm/{name,
// uuid} and slaves/<dev> symlinks into /sys/devices/.../hostN/.../block/<dev>, and the dm status text each
// map's DM_TABLE_STATUS would return.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "../os/temp_dir.hpp"
#include "cli/mpathpersist/map_paths.hpp"

namespace pathkeeper::mpathpersist::testing {

struct FakePath {
    std::string devnode;  // "sdc"
    std::string devt;     // "8:32"
    std::string host;     // "host3"
    char state = 'A';     // dm's A or F
};

class FakeMaps {
public:
    const std::filesystem::path& root() const { return dir_.path(); }

    // Adds the map and returns its status text (one priority group holding every path).
    std::string add_map(const std::string& devt, const std::string& name,
                        const std::vector<FakePath>& paths) {
        namespace fs = std::filesystem;
        const fs::path block = root() / "dev" / "block" / devt;
        os::testing::write_file(block / "dm" / "name", name + "\n");
        os::testing::write_file(block / "dm" / "uuid", "mpath-36001405" + name + "\n");
        fs::create_directories(block / "slaves");
        std::string status = "2 0 0 0 1 1 A 0 " + std::to_string(paths.size()) + " 0";
        for (const auto& path : paths) {
            const fs::path device = root() / "devices" / "platform" / path.host / "session1" / "target" /
                                    ("lun-" + path.devnode) / "block" / path.devnode;
            os::testing::write_file(device / "dev", path.devt + "\n");
            std::error_code ec;
            fs::create_directory_symlink(device, block / "slaves" / path.devnode, ec);
            status += " " + path.devt + " " + path.state + " 0";
        }
        targets_[devt] = {DmTargetStatus{"multipath", status}};
        return status;
    }

    void set_targets(const std::string& devt, std::vector<DmTargetStatus> targets) {
        targets_[devt] = std::move(targets);
    }

    DmStatusReader reader() const {
        return [this](core::DevT devt) -> core::Result<std::vector<DmTargetStatus>> {
            const auto found = targets_.find(devt.to_string());
            if (found == targets_.end()) {
                return core::Error{core::ErrorCode::NotFound, "DM_TABLE_STATUS: No such device or address"};
            }
            return found->second;
        };
    }

private:
    os::testing::TempDir dir_;
    std::map<std::string, std::vector<DmTargetStatus>> targets_;
};

}  // namespace pathkeeper::mpathpersist::testing
