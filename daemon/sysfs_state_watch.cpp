#include "daemon/sysfs_state_watch.hpp"

#include <algorithm>

namespace pathkeeper::daemon {

namespace {

std::string target_of(const core::PathInfo& path) {
    if (!path.hctl) {
        return path.devnode;  // its own unit: read like any representative, never shared
    }
    return std::to_string(path.hctl->host) + ":" + std::to_string(path.hctl->channel) + ":" +
           std::to_string(path.hctl->target);
}

}  // namespace

void SysfsStateWatch::track(const core::PathInfo& path) {
    Device device;
    if (auto known = devices_.find(path.devnode); known != devices_.end()) {
        device.state = known->second.state;  // a udev change says nothing about the device state
        unlink(path.devnode, known->second);
    }
    device.target = target_of(path);
    device.wwid = path.wwid;
    device.tpgs = path.tpgs;
    device.alua = path.alua_state;
    targets_[device.target].insert(path.devnode);
    if (device.tpgs) {
        alua_lus_[device.wwid].insert(path.devnode);
    }
    if (device.state != ports::ScsiDeviceState::Running) {
        not_running_.insert(path.devnode);
    }
    devices_.insert_or_assign(path.devnode, std::move(device));
}

void SysfsStateWatch::forget(const std::string& devnode) {
    if (auto known = devices_.find(devnode); known != devices_.end()) {
        unlink(devnode, known->second);
        devices_.erase(known);
    }
}

void SysfsStateWatch::unlink(const std::string& devnode, const Device& device) {
    if (auto t = targets_.find(device.target); t != targets_.end()) {
        t->second.erase(devnode);
        if (t->second.empty()) {
            targets_.erase(t);
        }
    }
    if (auto lu = alua_lus_.find(device.wwid); lu != alua_lus_.end()) {
        lu->second.erase(devnode);
        if (lu->second.empty()) {
            alua_lus_.erase(lu);
        }
    }
    not_running_.erase(devnode);
}

std::optional<core::AluaState> SysfsStateWatch::alua_state(const std::string& devnode) const {
    auto known = devices_.find(devnode);
    if (known == devices_.end() || !known->second.tpgs) {
        return std::nullopt;
    }
    return known->second.alua;
}

bool SysfsStateWatch::read_device_state(const std::string& devnode, Device& device, Changes& out) {
    auto state = sysfs_.scsi_device_state(devnode);
    if (!state || *state == device.state) {
        return false;  // unreadable: the disk is going away, its udev remove event will follow
    }
    out.devices.push_back({devnode, device.state, *state});
    device.state = *state;
    if (*state == ports::ScsiDeviceState::Running) {
        not_running_.erase(devnode);
    } else {
        not_running_.insert(devnode);
    }
    return true;
}

bool SysfsStateWatch::read_alua_state(const std::string& devnode, Device& device, Changes& out) {
    if (!device.tpgs) {
        return false;
    }
    auto state = sysfs_.alua_access_state(devnode);
    if (!state || *state == device.alua) {
        return false;  // unreadable: the disk is going away, or its handler detached
    }
    device.alua = *state;
    out.alua.changes.push_back(core::AluaStateChanged{devnode, *state});
    return true;
}

SysfsStateWatch::Changes SysfsStateWatch::sweep() {
    Changes out;
    // Devices that are not running first: whatever a target-wide read below finds is then not read twice.
    std::set<std::string> read;
    for (const std::string& devnode : std::set<std::string>(not_running_)) {
        read_device_state(devnode, devices_.at(devnode), out);
        read.insert(devnode);
    }
    for (const auto& [target, members] : targets_) {
        // The representative is a member still running: one already known not to be is read above, and its
        // unchanged state would hide its siblings going the same way.
        auto sample = std::find_if(members.begin(), members.end(), [&](const std::string& devnode) {
            return devices_.at(devnode).state == ports::ScsiDeviceState::Running && !read.count(devnode);
        });
        if (sample == members.end() || !read_device_state(*sample, devices_.at(*sample), out)) {
            continue;
        }
        for (const std::string& devnode : members) {
            if (devnode != *sample && !read.count(devnode)) {
                read_device_state(devnode, devices_.at(devnode), out);
            }
        }
    }
    for (const auto& [wwid, members] : alua_lus_) {
        const std::string& sample = *members.begin();
        if (read_alua_state(sample, devices_.at(sample), out)) {
            for (const std::string& devnode : members) {
                if (devnode != sample) {
                    read_alua_state(devnode, devices_.at(devnode), out);
                }
            }
        }
    }
    return out;
}

SysfsStateWatch::Changes SysfsStateWatch::after_check(const std::string& devnode, bool usable) {
    Changes out;
    auto known = devices_.find(devnode);
    if (known == devices_.end()) {
        return out;
    }
    // A usable path's device is running (a TUR or read just went through); a failed one may have been
    // offlined, and is then read every second until it runs again.
    if (!usable) {
        read_device_state(devnode, known->second, out);
    }
    if (read_alua_state(devnode, known->second, out)) {
        // The port groups were re-read for the whole LU: its other paths moved too, most likely.
        auto more = read_lu(known->second.wwid);
        out.alua.changes.insert(out.alua.changes.end(), more.alua.changes.begin(), more.alua.changes.end());
    }
    return out;
}

SysfsStateWatch::Changes SysfsStateWatch::read_lu(const std::string& wwid) {
    Changes out;
    if (auto lu = alua_lus_.find(wwid); lu != alua_lus_.end()) {
        for (const std::string& devnode : lu->second) {
            read_alua_state(devnode, devices_.at(devnode), out);
        }
    }
    return out;
}

}  // namespace pathkeeper::daemon
