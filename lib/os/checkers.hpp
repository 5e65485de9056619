#pragma once
// Real path checkers. Both block the calling thread; they only run inside the WorkerPool.
//
// tur: SCSI TEST UNIT READY through SG_IO, with the request timeout handed to the kernel.
//   GOOD -> up. CHECK CONDITION is decoded (fixed and descriptor sense): NOT READY "in standby" (04/0b),
//   "ALUA transitioning" (04/0a) or other not-ready -> ghost, except "unavailable" (04/0c) and "manual
//   intervention required" (04/03) -> down; UNIT ATTENTION -> retried once, still UA -> ghost (the port
//   answers but reports a pending condition such as an ALUA state change); other sense keys -> down.
//   Host/transport errors (DID_NO_CONNECT, DID_TRANSPORT_*, timeouts) -> down. BUSY / TASK SET FULL /
//   RESERVATION CONFLICT -> up: the path answered, the LUN is merely busy or reserved by another initiator.
// directio: O_DIRECT read of the first logical block into an aligned buffer. It has no kernel timeout: a read
// on
//   a dead iSCSI session waits for the session's recovery_tmo. It is contained by the WorkerPool: the job's
//   deadline (request timeout + grace) reports the path down while the read stays parked in its worker
//   thread, and no second check of that path is started until it returns.

#include <cstdint>
#include <optional>
#include <span>

#include "ports/path_checker.hpp"

namespace pathkeeper::os {

struct SenseData {
    unsigned key = 0;
    unsigned asc = 0;
    unsigned ascq = 0;
};
// Decodes fixed (0x70/0x71) or descriptor (0x72/0x73) format sense data; nullopt when it is
// neither/truncated.
std::optional<SenseData> decode_sense(std::span<const std::uint8_t> sense);

// What a TEST UNIT READY outcome means for the path. Pure, so every case is unit tested.
struct TurReply {
    unsigned scsi_status =
        0;  // SAM status byte (0 GOOD, 2 CHECK CONDITION, 8 BUSY, 0x18 RESERVATION CONFLICT)
    unsigned host_status = 0;    // SG_IO host_status (DID_*)
    unsigned driver_status = 0;  // SG_IO driver_status (DRIVER_*), masked
    std::optional<SenseData> sense;
};
enum class TurVerdict { Up, Down, Ghost, Retry };
struct TurDecision {
    TurVerdict verdict = TurVerdict::Down;
    std::string message;
};
TurDecision interpret_tur_reply(const TurReply& reply);

class TurChecker final : public ports::PathChecker {
public:
    ports::CheckOutcome check(const ports::CheckRequest& request) override;
};

class DirectioChecker final : public ports::PathChecker {
public:
    ports::CheckOutcome check(const ports::CheckRequest& request) override;
};

// Dispatches on request.kind; what the daemon hands the WorkerPool.
class DispatchingChecker final : public ports::PathChecker {
public:
    ports::CheckOutcome check(const ports::CheckRequest& request) override;

private:
    TurChecker tur_;
    DirectioChecker directio_;
};

}  // namespace pathkeeper::os
