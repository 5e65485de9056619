#pragma once
// pathkeeper's built-in device table (device_table.def): vendors' recommended settings for their arrays,
// applied when the config file says nothing more specific (origin BuiltInDevice). It carries multipath-tools
// 0.9.4's built-in table (`multipath -t`) row for row, plus pathkeeper's own rows for IET/tgt, SCST and
// scsi_debug; docs/configuration.md lists what is carried and what differs.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace pathkeeper::core {

// One row of device_table.def as text.
struct DeviceTableRow {
    std::string_view vendor;
    std::string_view product;
    std::string_view revision;
    std::vector<std::pair<std::string_view, std::string_view>> settings;  // {option, value}
};
const std::vector<DeviceTableRow>& device_table_rows();

// A parsed row: its rule and, if it has one, the product of its access/management LUNs.
struct BuiltinDevice {
    DeviceRule rule;
    std::optional<std::string> product_blacklist;
};
// Parses one row with the config file's value parsers. InvalidArgument names the row, the option and the
// value for an unknown option, a bad value, an option given twice or a pattern that does not compile.
Result<BuiltinDevice> parse_device_table_row(const DeviceTableRow& row);
// Sets one option of `options` from its YAML name and text; InvalidArgument for an unknown name or a bad
// value.
Result<void> set_map_option_from_text(MapOptions& options, std::string_view name, std::string_view value);

// Every row that parses, in table order (the unit tests make sure that is every row); for one option, the
// last matching entry that sets it wins (like user rules).
const std::vector<DeviceRule>& builtin_device_rules();
// The rows' product_blacklist as blacklist rules (row vendor, blacklisted product), duplicates dropped, in
// table order: the built-in blacklist's device rules.
const std::vector<DeviceMatchRule>& builtin_product_blacklist();

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
