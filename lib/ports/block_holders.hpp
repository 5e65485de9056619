#pragma once
// Port: who holds a block device open, and the kpartx partition maps stacked on a multipath map, so that
// pathctl remove-map can remove the partitions first and, when the map is in use, name who uses it; and the
// redundant layer (md RAID, LVM raid/mirror LV) stacked on a map, which decides its queueing
// (core/holder_policy.hpp). Every call reads sysfs and /proc (and dm status): it runs on the dm worker, never
// on the daemon's loop thread.

#include <string>
#include <vector>

#include <optional>

#include "core/holder_policy.hpp"
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
    // What holds the map: the first redundant layer above it, found through partition maps and the linear
    // dm devices between (an LV's _rimage_N); else the first device stacked on it; nullopt when nothing is.
    // Back ends that cannot tell keep this default.
    virtual std::optional<core::MapHolder> map_holder(core::DevT map) {
        (void)map;
        return std::nullopt;
    }
};

}  // namespace pathkeeper::ports
