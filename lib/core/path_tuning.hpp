#pragma once
// The SCSI settings each path of a map gets beside the dm table, checked against the kernel's rules, and the
// tracker that sends them (TunePath before the map's table is loaded, TuneMapDevice after it).
//
// Per transport:
// - FC: the remote port's fast_io_fail_tmo and dev_loss_tmo, once the configuration manages them
// (dev_loss_tmo
//   other than kernel, or fast_io_fail set by a rule rather than the built-in default: the built-in 0 s suits
//   iSCSI's switched recovery_tmo, while an FC port's value stays put whatever its paths' states).
// - SAS: nothing of the transport's: the kernel's end device timeouts (I_T_nexus_loss_timeout,
//   initiator_response_timeout) are read-only, taken from the device's mode page.
// - iSCSI: the session's recovery_tmo (iscsi_timeouts.hpp); dev_loss_tmo does not apply.
// - Every SCSI path: its host's eh_deadline and its queue's max_sectors_kb, when configured.

#include <map>
#include <optional>
#include <string>

#include "core/action_collector.hpp"
#include "core/config.hpp"
#include "core/engine_state.hpp"
#include "core/map_planner.hpp"
#include "core/transport_tunables.hpp"

namespace pathkeeper::core {

// The kernel's rules for an FC remote port's timeouts, as far as the configuration decides them: fast_io_fail
// at most 600 s, dev_loss_tmo at most 600 s while fast_io_fail is off. A fast_io_fail not shorter than
// dev_loss_tmo is no error: it is applied as off (plan_path_tuning), as multipath-tools does. The
// error names the options, their values and the limit. fast_io_fail unset: only dev_loss_tmo's own range is
// checked.
Result<void> check_fc_timeouts(std::optional<std::chrono::seconds> fast_io_fail, const DevLossTmo& dev_loss);

struct PlannedTuning {
    PathTuning tuning;
    std::string refused;   // why the FC timeouts are left alone; empty when they are not
    std::string adjusted;  // why fast_io_fail_tmo is written off rather than as configured
};
PlannedTuning plan_path_tuning(const ResolvedMapOptions& options, Transport transport);

class PathTunings {
public:
    // Before the map's table is loaded or kept: TunePath for each path whose settings changed since they were
    // last sent; a refusal is logged once, naming the path, and the path's other settings still go out.
    void before_table(const PlannedMap& map, const EngineState& state, ActionCollector& out);
    // After it: TuneMapDevice when a table was loaded or the map's max_sectors_kb changed.
    void after_table(const std::string& map, MaxSectorsKb wanted, bool table_loaded, ActionCollector& out);
    // The disk went away: a disk that comes back under its name is tuned afresh.
    void forget_path(const std::string& devnode);
    void write_failed(const TunePath& action, const std::string& why, ActionCollector& out);

private:
    std::map<std::string, PathTuning, std::less<>> sent_;  // by devnode
    std::map<std::string, std::string, std::less<>>
        remarks_;                                            // by devnode: the refusal/adjustment last logged
    std::map<std::string, unsigned, std::less<>> map_sent_;  // by map name: max_sectors_kb
};

}  // namespace pathkeeper::core
