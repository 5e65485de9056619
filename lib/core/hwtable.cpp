#include "core/hwtable.hpp"

#include <utility>

namespace pathkeeper::core {
namespace {

using namespace std::chrono_literals;

DeviceRule builtin_rule(std::string_view vendor, std::string_view product, MapOptions options) {
    auto rule = make_device_rule(vendor, product, std::move(options));
    // The table is a compile-time constant: a pattern that does not compile is a programming error.
    return rule.ok() ? std::move(rule).value() : DeviceRule{};
}

std::vector<DeviceRule> make_table() {
    std::vector<DeviceRule> table;
    {
        // Linux-IO (LIO) kernel target; identical to multipath-tools 0.9.4.
        MapOptions o;
        o.path_grouping_policy = GroupingPolicy::GroupByPrio;
        o.hardware_handler = HardwareHandler::Alua;
        o.prio = PrioKind::Alua;
        o.failback = Failback::immediate();
        o.no_path_retry = NoPathRetry::retries(12);
        table.push_back(builtin_rule("(LIO-ORG|SUSE)", ".*", std::move(o)));
    }
    // The three below have no multipath-tools entry (it applies its defaults: failover, failback
    // manual, no_path_retry fail). Their ports are all equivalent unless ALUA is configured, so
    // pathkeeper uses every path (group_by_prio over const priorities is one group) and lets
    // detect_prio pick up ALUA where the target reports it.
    auto active_active = [] {
        MapOptions o;
        o.path_grouping_policy = GroupingPolicy::GroupByPrio;
        o.prio = PrioKind::Const;
        o.detect_prio = true;
        o.failback = Failback::immediate();
        o.no_path_retry = NoPathRetry::retries(12);
        return o;
    };
    // IET and tgt (STGT) report vendor "IET", product "VIRTUAL-DISK".
    table.push_back(builtin_rule("^IET", "^VIRTUAL-DISK", active_active()));
    // SCST vdisk handlers report vendor "SCST_FIO" (file I/O) or "SCST_BIO" (block I/O).
    table.push_back(builtin_rule("^(SCST_FIO|SCST_BIO)", ".*", active_active()));
    {
        // scsi_debug: reports ALUA states, so group by ALUA priority (test beds and CI).
        MapOptions o = active_active();
        o.prio = PrioKind::Alua;
        table.push_back(builtin_rule("^Linux", "^scsi_debug", std::move(o)));
    }
    return table;
}

}  // namespace

const std::vector<DeviceRule>& builtin_device_rules() {
    static const std::vector<DeviceRule> table = make_table();
    return table;
}

std::vector<MatchedDeviceRule> matching_device_rules(const Config& config, std::string_view vendor,
                                                     std::string_view product, std::string_view revision) {
    std::vector<MatchedDeviceRule> out;
    for (auto it = config.devices.rbegin(); it != config.devices.rend(); ++it) {
        if (it->matches(vendor, product, revision)) {
            out.push_back({&*it, Origin::Device});
        }
    }
    const auto& builtin = builtin_device_rules();
    for (auto it = builtin.rbegin(); it != builtin.rend(); ++it) {
        if (it->matches(vendor, product, revision)) {
            out.push_back({&*it, Origin::BuiltInDevice});
        }
    }
    return out;
}

}  // namespace pathkeeper::core
