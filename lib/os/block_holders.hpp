#pragma once
// Real BlockHolders port: reads /sys/dev/block/<M:m>/holders (and each holder's dm uuid and name, an md
// array's md/ attributes), /proc/self/mountinfo, and /proc/<pid>/fd of every process (bounded), under
// configurable roots ("/sys" and "/proc" in production, fake trees in tests). A dm holder's target status
// (LVM raid / mirror) comes from the reader given with read_dm_status_with (the dm adaptor's target_status).

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ports/block_holders.hpp"

namespace pathkeeper::os {

class BlockHolderScan final : public ports::BlockHolders {
public:
    explicit BlockHolderScan(std::filesystem::path sys_root = "/sys",
                             std::filesystem::path proc_root = "/proc",
                             std::filesystem::path dev_root = "/dev")
        : sys_(std::move(sys_root)), proc_(std::move(proc_root)), dev_(std::move(dev_root)) {}

    std::vector<ports::PartitionMap> partitions(core::DevT map, const std::string& wwid) override;
    std::vector<std::string> holders(core::DevT device,
                                     const std::vector<ports::PartitionMap>& except) override;
    std::optional<core::MapHolder> map_holder(core::DevT map) override;

    // dm name -> "<target type> <params>" of its status; nullopt when unreadable.
    using DmStatusReader = std::function<std::optional<std::string>(const std::string& dm_name)>;
    void read_dm_status_with(DmStatusReader reader) { dm_status_ = std::move(reader); }

    // How many devices up from a map the search for a redundant layer goes (partition, sub-LV, LV, ...).
    static constexpr int kMaxHolderDepth = 8;

    // A busy machine has tens of thousands of open files: the scan stops after this many fd links, and
    // names at most kMaxProcesses processes.
    static constexpr std::size_t kMaxFdLinks = 200000;
    static constexpr std::size_t kMaxProcesses = 8;

private:
    // The kernel names of the devices holding `device` ("dm-3", "md0").
    std::vector<std::string> holder_names(core::DevT device) const;
    std::vector<std::string> mount_points(core::DevT device) const;
    std::vector<std::string> processes(core::DevT device) const;
    // The kernel names of the devices stacked on the device of kernel name `lower`.
    std::vector<std::string> holders_of(const std::string& lower) const;
    std::optional<core::MapHolder> find_redundant(const std::string& lower, int depth,
                                                  std::set<std::string>& visited,
                                                  std::optional<core::MapHolder>& first) const;
    // The holder `holder` (a kernel name) as seen from the device `lower` stacked under it.
    core::MapHolder describe(const std::string& holder, const std::string& lower) const;
    core::MapHolder describe_md(const std::string& holder, const std::string& lower) const;

    std::filesystem::path sys_;
    std::filesystem::path proc_;
    std::filesystem::path dev_;
    DmStatusReader dm_status_;
};

}  // namespace pathkeeper::os
