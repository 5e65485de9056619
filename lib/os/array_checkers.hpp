#pragma once
// The array-specific checkers and prioritizers: SCSI commands through SG_IO on the path's kept descriptor,
// their answers judged by core/array_pages.hpp. All block; they only run inside the WorkerPool.
//
// readsector0: READ(10) of logical block 0 through SG_IO rather than a read(2): the request timeout is
//   handed to the kernel (a read(2) on a dead iSCSI session waits out its recovery_tmo), it bypasses the
//   page cache without needing O_DIRECT alignment, and a refusal comes back with sense data to report.
//   GOOD up; a unit attention is retried once; anything else down.
// rdac: INQUIRY VPD 0xC9; rdac_path_state. hp_sw: INQUIRY VPD 0x80 must answer (else down), then TEST UNIT
//   READY; hp_sw_path_state. emc_clariion: INQUIRY VPD 0xC0; clariion_path_state; on the owning path a
//   READ(10) of block 0 too (clariion_read_verdict), and a LUN WWN that changed since the last check of the
//   path is down (the path now leads somewhere else).
// Prioritizers (measure_priority): rdac page 0xC9, hp_sw TUR, emc page 0xC0, ontap the vendor GVA command
//   and page 0xC1, hds standard INQUIRY, path_latency timed READ(10)s of block 0.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "os/checkers.hpp"
#include "ports/path_checker.hpp"

namespace pathkeeper::os {

class ArrayChecker final : public ports::PathChecker {
public:
    // request.kind is Readsector0, Rdac, HpSw or EmcClariion; the outcome also carries request.prio's
    // priority and the page 0xC9 answer when request.probe_rdac.
    ports::CheckOutcome check(const ports::CheckRequest& request) override;
    void forget(const std::string& devnode) override;

    // The prioritizer and the 0xC9 probe alone, on the path's kept descriptor: for checks of another
    // checker (tur, directio) whose request names them.
    void measure(const ports::CheckRequest& request, ports::CheckOutcome& outcome);

private:
    ProbeResult clariion(int fd, const std::string& path, const ports::CheckRequest& request);

    OpenDevices devices_;
    std::mutex wwn_mutex_;
    std::map<std::string, std::array<std::uint8_t, 16>, std::less<>> clariion_wwn_;  // per devnode
};

}  // namespace pathkeeper::os
