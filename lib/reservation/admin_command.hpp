#pragma once
// An administrator's persistent reservation command on one multipath map (`pathctl reservation`): which
// MapReservation calls a command is, and what `status` reads. register is REGISTER AND IGNORE EXISTING KEY
// through every path, so it is idempotent and also registers the paths the host has not registered yet;
// unregister is the same with the new key 0. Blocking: worker threads only.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/persistent_reservation.hpp"
#include "core/result.hpp"
#include "reservation/map_reservation.hpp"

namespace pathkeeper::reservation {

enum class AdminCommand { Status, Register, Unregister, Reserve, Release, Clear, Preempt, PreemptAbort };
const char* to_string(AdminCommand command) noexcept;  // "status", "preempt-abort", ...
core::Result<AdminCommand> parse_admin_command(std::string_view text);
// The commands that change the registrations the target lists: the map's paths sync again afterwards.
bool changes_registrations(AdminCommand command) noexcept;
// The commands that take a reservation type (reserve, release, preempt, preempt-abort).
bool takes_type(AdminCommand command) noexcept;
// The commands that name another host's key (preempt, preempt-abort).
bool takes_victim(AdminCommand command) noexcept;

// The type a command uses when none is given: the one fence agents and pacemaker use.
inline constexpr core::PrType kDefaultAdminType = core::PrType::WriteExclusiveRegistrantsOnly;

struct AdminPrRequest {
    AdminCommand command = AdminCommand::Status;
    core::PrKey key = 0;  // the host's key (never 0)
    core::PrType type = kDefaultAdminType;
    core::PrKey victim = 0;  // preempt, preempt-abort
    bool aptpl = false;
    bool all_tg_pt = false;
};

// What `status` found: READ KEYS and READ RESERVATION.
struct AdminPrStatus {
    std::uint32_t generation = 0;
    std::vector<core::PrKey> keys;
    std::optional<core::PrHolder> holder;
    bool registered = false;  // the request's key is among `keys`
};

struct AdminPrResult {
    core::PrKey key = 0;                  // the key the command used (0: none)
    CommandResult command;                // of the command that decided (for status: the failing read)
    std::optional<AdminPrStatus> status;  // status only, when both reads succeeded
};

AdminPrResult run_admin_command(ports::PersistentReservations& transport, std::vector<PathTarget> paths,
                                const AdminPrRequest& request,
                                std::chrono::milliseconds timeout = std::chrono::seconds(30));

// "host3" for HCTL "3:0:0:1": the initiator port a path leaves through; "" when the HCTL is unknown.
std::string initiator_of_hctl(std::string_view hctl);

}  // namespace pathkeeper::reservation
