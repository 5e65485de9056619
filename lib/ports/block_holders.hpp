#pragma once
// Port: who holds a block device open, and the kpartx partition maps stacked on a multipath map, so that
// pathctl remove-map can remove the partitions first and, when the map is in use, name who uses it. Every
// call reads sysfs and /proc: it runs on the dm worker, never on the daemon's loop thread.

#include <string>
#include <vector>

#include "core/model.hpp"

namespace pathkeeper::ports {

// A dm device stacked on a map whose dm uuid is "part<N>-mpath-<wwid>" (as kpartx names them).
struct PartitionMap {
    std::string name;  // dm name
    core::DevT devt;
};

class BlockHolders {
public:
    virtual ~BlockHolders() = default;

    // The partition maps of the multipath map `map` (its device number) of WWID `wwid`.
    virtual std::vector<PartitionMap> partitions(core::DevT map, const std::string& wwid) = 0;
    // One line per holder of the device, as an administrator names it: "mounted on /srv", "LVM volume
    // vg0-data", "md array md0", "dm device crypt1", "pid 4242 (qemu)". Holders that are `except` (partition
    // maps removed with the map) are left out. Empty when nothing is found to hold it.
    virtual std::vector<std::string> holders(core::DevT device, const std::vector<PartitionMap>& except) = 0;
};

}  // namespace pathkeeper::ports
