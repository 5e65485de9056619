#include "daemon/partition_maps.hpp"

namespace pathkeeper::daemon {

std::string rename_partition_maps(ports::DeviceMapper& dm, ports::BlockHolders& holders,
                                  const std::string& old_map, const std::string& new_map) {
    auto map = dm.get_map(old_map);
    if (!map) {
        return "partition maps not renamed: " + map.error().message;
    }
    std::string failures;
    for (const ports::PartitionMap& p : holders.partitions(map->devt, map->wwid())) {
        if (!p.name.starts_with(old_map)) {
            continue;  // named by someone else: not ours to rename
        }
        const std::string new_name = new_map + p.name.substr(old_map.size());
        if (auto renamed = dm.rename_map(p.name, new_name); !renamed) {
            failures += (failures.empty() ? "" : "; ") + std::string("partition map ") + p.name +
                        " not renamed to " + new_name + ": " + renamed.error().message;
        }
    }
    return failures;
}

}  // namespace pathkeeper::daemon
