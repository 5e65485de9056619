#pragma once
// Exit statuses, numbered as multipath-tools' libmpathpersist numbers its PR return codes, so that scripts
// written for mpathpersist (fence agents, cluster resource agents) read ours the same way.

namespace pathkeeper::mpathpersist {

enum class ExitCode : int {
    Success = 0,
    SyntaxError = 1,  // bad command line or unsupported option
    NotReady = 2,     // sense key NOT READY
    MediumError = 3,
    HardwareError = 4,
    IllegalRequest = 5,
    UnitAttention = 6,
    InvalidOperation = 7,  // ILLEGAL REQUEST, invalid command operation code: PR not supported
    AbortedCommand = 8,
    NoSense = 9,
    Malformed = 10,  // the target's reply could not be parsed
    ReservationConflict = 11,
    FileError = 12,  // the device node is missing or not a block device
    DmmpError = 13,  // not a dm-multipath map, or no usable path in it
    ThreadError = 14,
    Other = 15,  // transport or driver error
};

constexpr int to_int(ExitCode code) noexcept {
    return static_cast<int>(code);
}

}  // namespace pathkeeper::mpathpersist
