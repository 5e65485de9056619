#pragma once
// Port: SCSI-3 persistent reservation commands sent through one path device. The calls BLOCK (SG_IO) and
// are only made from worker threads or a command-line tool, never from the event loop. Implementations must
// be safe to call from several threads at once. Which path a command goes through is the caller's choice
// (lib/reservation owns that rule); a port call is exactly one command on one I_T nexus, never retried.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/persistent_reservation.hpp"

namespace pathkeeper::ports {

struct PrInReply {
    // Good only when the target answered GOOD; otherwise data is empty and detail says why.
    core::ScsiCompletion completion;
    std::vector<std::uint8_t> data;  // the bytes transferred (allocation length minus residual)
};

class PersistentReservations {
public:
    virtual ~PersistentReservations() = default;
    // PERSISTENT RESERVE IN through `device_path` ("/dev/sdc"), asking for up to `allocation_length` bytes.
    virtual PrInReply pr_in(const std::string& device_path, core::PrInAction action,
                            std::uint16_t allocation_length, std::chrono::milliseconds timeout) = 0;
    // PERSISTENT RESERVE OUT with the basic 24-byte parameter list.
    virtual core::ScsiCompletion pr_out(const std::string& device_path, core::PrOutAction action,
                                        std::optional<core::PrType> type,
                                        const core::PrOutParameters& parameters,
                                        std::chrono::milliseconds timeout) = 0;
};

}  // namespace pathkeeper::ports
