#pragma once
// What SG_IO's sg_io_hdr reports beside the SCSI status (the SCSI status and sense codes themselves are
// core/persistent_reservation.hpp's): the driver byte (low nibble of driver_status) and the host byte.

namespace pathkeeper::os {

// DRIVER_SENSE only says sense data came back; DRIVER_TIMEOUT means the command timed out.
inline constexpr unsigned kDriverSense = 0x08;
inline constexpr unsigned kDriverTimeout = 0x06;
inline constexpr unsigned kDriverByteMask = 0x0f;
// host_status DID_TIME_OUT.
inline constexpr unsigned kDidTimeOut = 0x03;

}  // namespace pathkeeper::os
