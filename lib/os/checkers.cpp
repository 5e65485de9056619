#include "os/checkers.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <scsi/sg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/persistent_reservation.hpp"
#include "os/array_checkers.hpp"
#include "os/errno_text.hpp"
#include "os/sg_io_status.hpp"

namespace pathkeeper::os {
namespace {

constexpr unsigned kSenseNotReady = 0x2;
constexpr unsigned kSenseUnitAttention = 0x6;

std::string hex2(unsigned value) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "%02x", value & 0xffu);
    return buffer;
}

std::string sense_text(const SenseData& sense) {
    return "sense " + hex2(sense.key) + "/" + hex2(sense.asc) + "/" + hex2(sense.ascq);
}

// TEST UNIT READY, retried once on a unit attention.
ProbeResult run_tur(int fd, const std::string& path, std::chrono::milliseconds timeout) {
    std::string first_attention;
    for (int attempt = 0; attempt < 2; ++attempt) {
        std::uint8_t cdb[6] = {0, 0, 0, 0, 0, 0};  // TEST UNIT READY
        std::uint8_t sense[64] = {};
        sg_io_hdr_t io{};
        io.interface_id = 'S';
        io.cmd_len = sizeof cdb;
        io.cmdp = cdb;
        io.dxfer_direction = SG_DXFER_NONE;
        io.mx_sb_len = sizeof sense;
        io.sbp = sense;
        const auto timeout_ms = timeout.count();
        io.timeout =
            timeout_ms <= 0 ? 1u : static_cast<unsigned>(std::min<long long>(timeout_ms, 0x7fffffff));
        if (::ioctl(fd, SG_IO, &io) < 0) {
            return {{core::PathState::Down, "tur: " + errno_error("SG_IO on " + path, errno).message}, true};
        }
        TurReply reply;
        reply.scsi_status = io.status & 0xffu;
        reply.host_status = io.host_status;
        reply.driver_status = io.driver_status;
        if (io.sb_len_wr > 0) {
            reply.sense = decode_sense(std::span<const std::uint8_t>(sense, io.sb_len_wr));
        }
        TurDecision decision = interpret_tur_reply(reply);
        switch (decision.verdict) {
            case TurVerdict::Up:
                return {{core::PathState::Up, decision.message}};
            case TurVerdict::Down:
                return {{core::PathState::Down, decision.message}};
            case TurVerdict::Ghost:
                return {{core::PathState::Ghost, decision.message}};
            case TurVerdict::Retry:
                first_attention = decision.message;
                break;
        }
    }
    return {{core::PathState::Ghost, first_attention + " persists after a retry"}};
}

}  // namespace

std::optional<SenseData> decode_sense(std::span<const std::uint8_t> sense) {
    if (sense.empty()) {
        return std::nullopt;
    }
    const unsigned response_code = sense[0] & 0x7fu;
    if (response_code == 0x70 || response_code == 0x71) {
        if (sense.size() < 3) {
            return std::nullopt;
        }
        SenseData data;
        data.key = sense[2] & 0x0fu;
        // ASC/ASCQ live at 12/13 when the additional length (byte 7) covers them.
        if (sense.size() >= 14 && sense[7] >= 6) {
            data.asc = sense[12];
            data.ascq = sense[13];
        }
        return data;
    }
    if (response_code == 0x72 || response_code == 0x73) {
        if (sense.size() < 4) {
            return std::nullopt;
        }
        return SenseData{sense[1] & 0x0fu, sense[2], sense[3]};
    }
    return std::nullopt;
}

TurDecision interpret_tur_reply(const TurReply& reply) {
    if (reply.host_status != 0) {
        if (reply.host_status == kDidTimeOut) {
            return {TurVerdict::Down, "tur timed out (transport)"};
        }
        return {TurVerdict::Down, "transport error, host status 0x" + hex2(reply.host_status)};
    }
    if ((reply.driver_status & kDriverByteMask) == kDriverTimeout) {
        return {TurVerdict::Down, "tur timed out"};
    }
    switch (reply.scsi_status) {
        case 0x00:
            if ((reply.driver_status & kDriverByteMask) != 0 &&
                (reply.driver_status & kDriverByteMask) != kDriverSense) {
                return {TurVerdict::Down, "driver error 0x" + hex2(reply.driver_status)};
            }
            return {TurVerdict::Up, "tur checker reports path is up"};
        case core::kScsiStatusBusy:
        case core::kScsiStatusTaskSetFull:
            return {TurVerdict::Up, "path answered busy; treated as up"};
        case core::kScsiStatusReservationConflict:
            return {TurVerdict::Up, "reservation conflict; the path itself is up"};
        case core::kScsiStatusCheckCondition:
            break;
        default:
            return {TurVerdict::Down, "unexpected SCSI status 0x" + hex2(reply.scsi_status)};
    }
    if (!reply.sense) {
        return {TurVerdict::Down, "check condition without usable sense data"};
    }
    const SenseData& sense = *reply.sense;
    if (sense.key == kSenseUnitAttention) {
        return {TurVerdict::Retry, "unit attention (" + sense_text(sense) + ")"};
    }
    if (sense.key == kSenseNotReady) {
        if (sense.asc == 0x04 && sense.ascq == 0x0b) {
            return {TurVerdict::Ghost, "path is in ALUA standby (" + sense_text(sense) + ")"};
        }
        if (sense.asc == 0x04 && sense.ascq == 0x0a) {
            return {TurVerdict::Ghost, "ALUA state transition in progress (" + sense_text(sense) + ")"};
        }
        if (sense.asc == 0x04 && (sense.ascq == 0x0c || sense.ascq == 0x03)) {
            return {TurVerdict::Down, "logical unit not accessible (" + sense_text(sense) + ")"};
        }
        return {TurVerdict::Ghost, "logical unit not ready (" + sense_text(sense) + ")"};
    }
    return {TurVerdict::Down, "tur failed (" + sense_text(sense) + ")"};
}

OpenDevices::Descriptor::~Descriptor() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

OpenDevices::Opened OpenDevices::open(const std::string& devnode, const std::string& path, int flags) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = kept_.find(devnode); it != kept_.end()) {
            return {it->second, true, 0};
        }
    }
    // Opened outside the lock: an open can wait on a sick device, and other paths' checks must not.
    int fd = ::open(path.c_str(), flags);
    // Out of file descriptors (a low RLIMIT_NOFILE and many paths): another path's idle descriptor is given
    // up rather than failing this path for a reason that has nothing to do with it.
    while (fd < 0 && (errno == EMFILE || errno == ENFILE) && give_up_one_idle()) {
        fd = ::open(path.c_str(), flags);
    }
    if (fd < 0) {
        return {nullptr, false, errno};
    }
    auto descriptor = std::make_shared<const Descriptor>(fd);
    std::lock_guard lock(mutex_);
    kept_.insert_or_assign(devnode, descriptor);
    return {descriptor, false, 0};
}

void OpenDevices::drop(const std::string& devnode, const std::shared_ptr<const Descriptor>& descriptor) {
    std::lock_guard lock(mutex_);
    if (auto it = kept_.find(devnode); it != kept_.end() && it->second == descriptor) {
        kept_.erase(it);
    }
}

bool OpenDevices::give_up_one_idle() {
    std::lock_guard lock(mutex_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it) {
        if (it->second.use_count() == 1) {  // only the cache holds it: no check is using it
            kept_.erase(it);
            return true;
        }
    }
    return false;
}

void OpenDevices::forget(const std::string& devnode) {
    std::lock_guard lock(mutex_);
    kept_.erase(devnode);
}

std::size_t OpenDevices::size() const {
    std::lock_guard lock(mutex_);
    return kept_.size();
}

namespace {

// O_DIRECT read of the first logical block into an aligned buffer.
ProbeResult read_first_block(int fd, const std::string& path) {
    int block_size = 0;
    if (::ioctl(fd, BLKSSZGET, &block_size) < 0 || block_size <= 0) {
        block_size = 4096;  // not a block device (tests) or an old kernel: 4096 is aligned for every size
    }
    void* raw = nullptr;
    const std::size_t alignment = std::max<std::size_t>(4096, static_cast<std::size_t>(block_size));
    if (::posix_memalign(&raw, alignment, static_cast<std::size_t>(block_size)) != 0) {
        return {{core::PathState::Down, "directio: out of memory"}};
    }
    std::unique_ptr<void, decltype(&std::free)> buffer(raw, &std::free);
    ssize_t rc;
    do {
        rc = ::pread(fd, buffer.get(), static_cast<std::size_t>(block_size), 0);
    } while (rc < 0 && errno == EINTR);
    if (rc > 0) {
        return {{core::PathState::Up, "directio checker reports path is up"}};
    }
    if (rc < 0) {
        return {{core::PathState::Down, "directio: " + errno_error("read " + path, errno).message}, true};
    }
    return {{core::PathState::Down, "directio: " + path + " returned no data (zero-sized device?)"}};
}

}  // namespace

ports::CheckOutcome TurChecker::check(const ports::CheckRequest& request) {
    return check_with_kept_device(
        devices_, request, O_RDONLY | O_NONBLOCK | O_CLOEXEC, "tur",
        [&](int fd, const std::string& path) { return run_tur(fd, path, request.timeout); });
}

ports::CheckOutcome DirectioChecker::check(const ports::CheckRequest& request) {
    return check_with_kept_device(devices_, request, O_RDONLY | O_DIRECT | O_CLOEXEC, "directio",
                                  read_first_block);
}

DispatchingChecker::DispatchingChecker() : array_(std::make_unique<ArrayChecker>()) {}
DispatchingChecker::~DispatchingChecker() = default;

ports::CheckOutcome DispatchingChecker::check(const ports::CheckRequest& request) {
    ports::CheckOutcome outcome;
    switch (request.kind) {
        case core::CheckerKind::Tur:
            outcome = tur_.check(request);
            break;
        case core::CheckerKind::Directio:
            outcome = directio_.check(request);
            break;
        case core::CheckerKind::None:
            return {core::PathState::Down, "the none checker is never submitted"};
        case core::CheckerKind::Readsector0:
        case core::CheckerKind::Rdac:
        case core::CheckerKind::HpSw:
        case core::CheckerKind::EmcClariion:
            return array_->check(request);  // measures the prioritizer itself, on the same descriptor
    }
    // A path that answers is measured; a down one keeps its last priority until it answers again.
    if (outcome.state != core::PathState::Down) {
        array_->measure(request, outcome);
    }
    return outcome;
}

void DispatchingChecker::forget(const std::string& devnode) {
    tur_.forget(devnode);
    directio_.forget(devnode);
    array_->forget(devnode);
}

}  // namespace pathkeeper::os
