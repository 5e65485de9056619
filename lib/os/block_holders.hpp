#pragma once
// Real BlockHolders port: reads /sys/dev/block/<M:m>/holders (and each holder's dm uuid and name),
// /proc/self/mountinfo, and /proc/<pid>/fd of every process (bounded), under configurable roots ("/sys" and
// "/proc" in production, fake trees in tests).

#include <cstddef>
#include <filesystem>
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

    // A busy machine has tens of thousands of open files: the scan stops after this many fd links, and
    // names at most kMaxProcesses processes.
    static constexpr std::size_t kMaxFdLinks = 200000;
    static constexpr std::size_t kMaxProcesses = 8;

private:
    // The kernel names of the devices holding `device` ("dm-3", "md0").
    std::vector<std::string> holder_names(core::DevT device) const;
    std::vector<std::string> mount_points(core::DevT device) const;
    std::vector<std::string> processes(core::DevT device) const;

    std::filesystem::path sys_;
    std::filesystem::path proc_;
    std::filesystem::path dev_;
};

}  // namespace pathkeeper::os
