#pragma once
// pathkeeper's built-in device table: settings for common software iSCSI targets that apply when
// the config file says nothing more specific (origin BuiltInDevice).
//
//   LIO-ORG / SUSE (kernel LIO): exactly multipath-tools 0.9.4's entry (`multipath -t`).
//   IET / tgt, SCST, scsi_debug: multipath-tools 0.9.4 has no entry; pathkeeper adds one so an
//   active/active target "just works": group_by_prio with the const prioritizer puts every path in
//   one group (I/O over all of them) unless the device reports ALUA, when detect_prio switches to
//   alua; failback immediate; no_path_retry 12 rides out a one-minute outage of every path.

#include <vector>

#include "core/config.hpp"

namespace pathkeeper::core {

// In table order; for one option, the last matching entry that sets it wins (like user rules).
const std::vector<DeviceRule>& builtin_device_rules();

// The user's rules (newest first) and then the built-in ones (newest first) matching a device:
// the order resolve_map_options() consults them.
struct MatchedDeviceRule {
    const DeviceRule* rule = nullptr;
    Origin origin = Origin::Device;  // Device (config file) or BuiltInDevice
};
std::vector<MatchedDeviceRule> matching_device_rules(const Config& config, std::string_view vendor,
                                                     std::string_view product,
                                                     std::string_view revision = {});

}  // namespace pathkeeper::core
