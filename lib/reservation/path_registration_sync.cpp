#include "reservation/path_registration_sync.hpp"

#include <algorithm>

namespace pathkeeper::reservation {

RegistrationSyncResult sync_path_registration(ports::PersistentReservations& transport,
                                              const PathTarget& path, core::PrKey key, bool aptpl,
                                              bool all_tg_pt, std::chrono::milliseconds timeout,
                                              bool confirm_only) {
    MapReservation one(transport, {path}, timeout);
    const InResult<core::PrKeyList> keys = one.read_keys();
    if (!keys.value) {
        if (keys.command.outcome == core::ScsiOutcome::NotSupported) {
            return {core::RegistrationVerdict::Unsupported, keys.command.message};
        }
        return {core::RegistrationVerdict::Failed, keys.command.message};
    }
    const std::vector<core::PrKey>& listed = keys.value->keys;
    if (std::find(listed.begin(), listed.end(), key) == listed.end()) {
        return {core::RegistrationVerdict::HostUnregistered,
                "key " + core::format_pr_key(key) +
                    " is not registered on the LU (not registered yet, or preempted): left unregistered"};
    }
    if (confirm_only) {
        return {core::RegistrationVerdict::Registered,
                "key " + core::format_pr_key(key) + " registered through " + path.devnode + ", still listed"};
    }
    // IGNORE EXISTING KEY: the nexus may still hold the key from before the failure, or hold none.
    const CommandResult reg = one.register_key(0, key, true, aptpl, all_tg_pt);
    if (!reg.ok) {
        if (reg.outcome == core::ScsiOutcome::NotSupported) {
            return {core::RegistrationVerdict::Unsupported, reg.message};
        }
        return {core::RegistrationVerdict::Failed, reg.message};
    }
    return {core::RegistrationVerdict::Registered,
            "key " + core::format_pr_key(key) + " registered through " + path.devnode};
}

}  // namespace pathkeeper::reservation
