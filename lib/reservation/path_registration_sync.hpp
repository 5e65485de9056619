#pragma once
// One path's registration sync (the engine's SyncRegistration): the host's key is registered on the
// path's I_T nexus only when the target still lists it, i.e. the host registered through its other paths
// and was not fenced since. Blocking: worker threads only.

#include <chrono>
#include <string>

#include "core/path_registration.hpp"
#include "core/persistent_reservation.hpp"
#include "reservation/map_reservation.hpp"

namespace pathkeeper::reservation {

// confirm_only: the path was registered; only read the keys (registering again would make the target rewrite
// its registrations at every refresh).
struct RegistrationSyncResult {
    core::RegistrationVerdict verdict = core::RegistrationVerdict::Failed;
    std::string detail;  // for the log and `pathctl show paths`
};

RegistrationSyncResult sync_path_registration(ports::PersistentReservations& transport,
                                              const PathTarget& path, core::PrKey key, bool aptpl,
                                              bool all_tg_pt, std::chrono::milliseconds timeout,
                                              bool confirm_only = false);

}  // namespace pathkeeper::reservation
