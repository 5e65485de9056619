#pragma once
// `pathctl show config --explain`: where each resolved value comes from, in words that name the rule or
// section and the file:line it was written at:
//   built-in | built-in device table: VENDOR PRODUCT | devices[i] (file:line) | defaults (file:line) |
//   overrides (file:line) | multipaths (file:line) | detected | administrator (pathctl queueing) |
//   holder: REASON (the verdict of the redundant layer holding the map, holder_policy.hpp)

#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/holder_policy.hpp"

namespace pathkeeper::core {

// The device a map's options are resolved for: its WWID and what its paths report.
struct DeviceIdentity {
    std::string wwid;
    std::string vendor;
    std::string product;
    std::string revision;
};

// "file:line" ("file" when the line is unknown, "" for a built-in location).
std::string file_and_line(const SourceLocation& where);

// The origin of one setting of `explain(resolve_map_options(config, device...))` or of the global options.
// A devices rule is found again the way resolution found it: the first matching rule that sets the option.
std::string describe_origin(const Config& config, const ExplainedSetting& setting,
                            const DeviceIdentity& device = {});

// One explained line: YAML name, canonical value, origin in words.
struct ExplainedValue {
    std::string name;
    std::string value;
    std::string origin;
};

// Every per-map option as the map of this device gets it, with its origin. administrator_no_path_retry:
// the no_path_retry set at run time by `pathctl queueing` for the map, if any (it wins over the file).
// holder: the verdict of the redundant layer holding the map, if any (it wins over what yields to it).
std::vector<ExplainedValue> explain_map(const Config& config, const DeviceIdentity& device,
                                        const std::optional<NoPathRetry>& administrator_no_path_retry = {},
                                        const std::optional<HolderVerdict>& holder = {});

}  // namespace pathkeeper::core
