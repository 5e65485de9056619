#include "daemon/admin_map_removal.hpp"

#include <string>
#include <thread>
#include <vector>

namespace pathkeeper::daemon {

namespace {

// dm refuses a removal while the device is open; right after a map or its partitions appeared, udev's probe
// holds them open for a moment, so a refused removal is tried again as an open map is looked at again.
template <typename Remove>
auto retried_while_probed(Remove remove) {
    auto result = remove();
    for (int retry = 0; retry < kOpenRechecks && !result && result.error().code == core::ErrorCode::Conflict;
         ++retry) {
        std::this_thread::sleep_for(kOpenRecheckInterval);
        result = remove();
    }
    return result;
}

}  // namespace

core::Result<ports::DeviceMapper::UdevHandle> start_admin_map_removal(ports::DeviceMapper& dm,
                                                                      ports::BlockHolders* holders,
                                                                      const core::RemoveMap& remove,
                                                                      bool& deferred_now) {
    auto map = dm.get_map(remove.name);
    if (!map) {
        return map.error();
    }
    std::vector<ports::PartitionMap> partitions;
    if (holders != nullptr) {
        partitions = holders->partitions(map->devt, map->wwid());
    }
    // Open counts include the partition maps stacked on the map; anything beyond them holds it.
    auto open_now = [&] {
        std::vector<std::string> open;
        if (auto now = dm.get_map(remove.name);
            now && now->open_count > static_cast<int>(partitions.size())) {
            open.push_back(remove.name);
        }
        for (const ports::PartitionMap& p : partitions) {
            if (auto part = dm.get_map(p.name); part && part->open_count > 0) {
                open.push_back(p.name);
            }
        }
        return open;
    };
    std::vector<std::string> busy = open_now();
    // udev probes a device when a writer closes it (its inotify watch), right after an umount: that open
    // lasts a moment, so an open map is looked at again a few times before it is reported as held.
    for (int recheck = 0; recheck < kOpenRechecks && !busy.empty() && !remove.deferred; ++recheck) {
        std::this_thread::sleep_for(kOpenRecheckInterval);
        busy = open_now();
    }
    if (!busy.empty() && !remove.deferred) {
        std::vector<std::string> names;
        if (holders != nullptr) {
            names = holders->holders(map->devt, partitions);
            for (const ports::PartitionMap& p : partitions) {
                for (std::string& h : holders->holders(p.devt, {})) {
                    names.push_back("partition " + p.name + " " + h);
                }
            }
        }
        std::string who;
        for (const std::string& h : names) {
            who += (who.empty() ? "" : ", ") + h;
        }
        if (who.empty()) {
            who = "open (" + std::to_string(map->open_count) + " openers), by whom could not be found";
        }
        return core::Error{core::ErrorCode::Conflict,
                           remove.name + " is in use: " + who + "; not removed" +
                               (remove.by_admin ? " (--deferred removes it when it is closed)" : "")};
    }
    deferred_now = remove.deferred && !busy.empty();
    const ports::RemoveOptions options{false, remove.deferred};
    for (const ports::PartitionMap& p : partitions) {
        if (auto removed = retried_while_probed([&] { return dm.remove_map(p.name, options); }); !removed) {
            return core::Error{removed.error().code, "partition map " + p.name + " of " + remove.name + ": " +
                                                         removed.error().message};
        }
    }
    return retried_while_probed([&] { return dm.start_remove_map(remove.name, options); });
}

}  // namespace pathkeeper::daemon
