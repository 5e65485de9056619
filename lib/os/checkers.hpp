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
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "os/errno_text.hpp"
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

// The devices the checkers keep open, one per path and open mode. A check on a kept descriptor is one system
// call instead of three: measured under emulation (the bench's VM, scsi_debug), a TEST UNIT READY on a kept
// descriptor cost 340-400 us of CPU and open + TUR + close 660-730 us, and the checks are most of an idle
// daemon's CPU. multipathd also keeps one descriptor per path. A check that fails drops its descriptor, so a
// path that comes back is opened afresh; forget() drops it when udev removes the disk. When the process runs
// out of descriptors, an idle one of another path is closed to make room. Thread-safe: workers check
// different paths at once.
class OpenDevices {
public:
    OpenDevices() = default;
    OpenDevices(const OpenDevices&) = delete;
    OpenDevices& operator=(const OpenDevices&) = delete;

    // A descriptor shared by the cache and the check using it: closed when both have let go.
    class Descriptor {
    public:
        explicit Descriptor(int fd) : fd_(fd) {}
        Descriptor(const Descriptor&) = delete;
        Descriptor& operator=(const Descriptor&) = delete;
        ~Descriptor();
        int get() const { return fd_; }

    private:
        int fd_;
    };
    struct Opened {
        std::shared_ptr<const Descriptor> descriptor;  // null when the open failed (errno in error)
        bool reused = false;                           // kept from an earlier check
        int error = 0;
    };

    // The kept descriptor of devnode, or `path` opened with `flags` and kept.
    Opened open(const std::string& devnode, const std::string& path, int flags);
    // Drops devnode's descriptor if it is still `descriptor` (a failed check's, not a newer one).
    void drop(const std::string& devnode, const std::shared_ptr<const Descriptor>& descriptor);
    void forget(const std::string& devnode);
    std::size_t size() const;

private:
    bool give_up_one_idle();  // closes one kept descriptor no check is using; false when there is none

    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const Descriptor>, std::less<>> kept_;
};

// What one probe of an open device says, and whether a system call failed (the descriptor may be stale)
// rather than the device answering.
struct ProbeResult {
    ports::CheckOutcome outcome;
    bool syscall_failed = false;
};

// One check through the path's kept descriptor, the rule all checkers share: a Down outcome drops the
// descriptor, so a path that comes back is opened afresh. A kept descriptor of a disk that was deleted (and
// perhaps replaced under the same name before its removal reached us) fails with ENODEV or ENXIO: the probe
// is then repeated on a fresh open, so that only the device itself can fail the path.
template <typename Probe>
ports::CheckOutcome check_with_kept_device(OpenDevices& devices, const ports::CheckRequest& request,
                                           int flags, const char* checker, Probe probe) {
    const std::string path = request.path();
    for (;;) {
        auto opened = devices.open(request.devnode, path, flags);
        if (!opened.descriptor) {
            return {core::PathState::Down,
                    std::string(checker) + ": " + errno_error("open " + path, opened.error).message};
        }
        ProbeResult result = probe(opened.descriptor->get(), path);
        if (result.outcome.state != core::PathState::Down) {
            return std::move(result.outcome);
        }
        devices.drop(request.devnode, opened.descriptor);
        if (!opened.reused || !result.syscall_failed) {
            return std::move(result.outcome);
        }
    }
}

class TurChecker final : public ports::PathChecker {
public:
    ports::CheckOutcome check(const ports::CheckRequest& request) override;
    void forget(const std::string& devnode) override { devices_.forget(devnode); }
    std::size_t open_devices() const { return devices_.size(); }

private:
    OpenDevices devices_;
};

class DirectioChecker final : public ports::PathChecker {
public:
    ports::CheckOutcome check(const ports::CheckRequest& request) override;
    void forget(const std::string& devnode) override { devices_.forget(devnode); }
    std::size_t open_devices() const { return devices_.size(); }

private:
    OpenDevices devices_;
};

// Dispatches on request.kind; what the daemon hands the WorkerPool.
class ArrayChecker;
class DispatchingChecker final : public ports::PathChecker {
public:
    DispatchingChecker();
    ~DispatchingChecker() override;

    ports::CheckOutcome check(const ports::CheckRequest& request) override;
    void forget(const std::string& devnode) override;

private:
    TurChecker tur_;
    DirectioChecker directio_;
    std::unique_ptr<ArrayChecker> array_;  // os/array_checkers.hpp, which builds on this header
};

}  // namespace pathkeeper::os
