#pragma once
// The persistent reservations port over SG_IO. Built as its own small library (pathkeeper_scsi_pr) so that
// a command-line tool can send PR commands without loading libudev or libdevmapper.

#include <cstdint>
#include <span>
#include <string>

#include "ports/persistent_reservations.hpp"

namespace pathkeeper::os {

// Opens the device per call (O_RDONLY | O_NONBLOCK: PR commands need no write access, and a path that is
// down must not block the open) and sends one command. Needs CAP_SYS_RAWIO for SG_IO on a block device.
// Every failure, local or remote, comes back as a ScsiCompletion whose detail names the device.
class SgIoPersistentReservations final : public ports::PersistentReservations {
public:
    ports::PrInReply pr_in(const std::string& device_path, core::PrInAction action,
                           std::uint16_t allocation_length, std::chrono::milliseconds timeout) override;
    core::ScsiCompletion pr_out(const std::string& device_path, core::PrOutAction action,
                                std::optional<core::PrType> type, const core::PrOutParameters& parameters,
                                std::chrono::milliseconds timeout) override;
};

// What the transport said, as sg_io_hdr reports it, turned into a completion. A SCSI status other than GOOD
// is the target's answer; with GOOD, a host_status or driver_status (DRIVER_SENSE aside) means the command
// did not reach the target or did not come back. Exposed for tests.
struct SgIoStatus {
    std::uint8_t status = 0;  // SAM status byte
    std::uint16_t host_status = 0;
    std::uint16_t driver_status = 0;
};
core::ScsiCompletion classify_sg_io(const std::string& device_path, const SgIoStatus& io,
                                    std::span<const std::uint8_t> sense);

// "DID_NO_CONNECT" for the host byte codes the SCSI midlayer sets; nullptr for others.
const char* host_status_name(std::uint16_t host_status) noexcept;

}  // namespace pathkeeper::os
