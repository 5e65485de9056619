#include "os/scsi_persistent_reservations.hpp"

#include <fcntl.h>
#include <scsi/sg.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>

#include "os/errno_text.hpp"
#include "os/sg_io_status.hpp"
#include "os/unique_fd.hpp"

namespace pathkeeper::os {
namespace {

std::string hex2(unsigned value) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "0x%02x", value & 0xffu);
    return buffer;
}

core::ScsiCompletion failed(const std::string& device_path, const std::string& why) {
    core::ScsiCompletion out;
    out.outcome = core::ScsiOutcome::Failed;
    out.detail = device_path + ": " + why;
    return out;
}

struct Transfer {
    core::ScsiCompletion completion;
    std::size_t transferred = 0;
};

// One SG_IO round trip. `data` is read into (from device) or written from (to device).
Transfer send(const std::string& device_path, std::span<const std::uint8_t> cdb, int direction,
              std::span<std::uint8_t> data, std::chrono::milliseconds timeout) {
    UniqueFd fd(::open(device_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) {
        return {failed(device_path, "cannot open: " + errno_text(errno))};
    }
    std::array<std::uint8_t, 64> sense{};
    std::array<std::uint8_t, 16> command{};
    std::copy(cdb.begin(), cdb.end(), command.begin());
    sg_io_hdr_t io{};
    io.interface_id = 'S';
    io.cmd_len = static_cast<unsigned char>(cdb.size());
    io.cmdp = command.data();
    io.dxfer_direction = direction;
    io.dxfer_len = static_cast<unsigned>(data.size());
    io.dxferp = data.empty() ? nullptr : data.data();
    io.mx_sb_len = static_cast<unsigned char>(sense.size());
    io.sbp = sense.data();
    const auto timeout_ms = timeout.count();
    io.timeout = timeout_ms <= 0 ? 1u : static_cast<unsigned>(std::min<long long>(timeout_ms, 0x7fffffff));
    if (::ioctl(fd.get(), SG_IO, &io) < 0) {
        return {failed(device_path, "SG_IO: " + errno_text(errno))};
    }
    const std::size_t sense_length = std::min<std::size_t>(io.sb_len_wr, sense.size());
    Transfer out;
    out.completion = classify_sg_io(
        device_path,
        SgIoStatus{static_cast<std::uint8_t>(io.status & 0xffu), static_cast<std::uint16_t>(io.host_status),
                   static_cast<std::uint16_t>(io.driver_status)},
        std::span<const std::uint8_t>(sense.data(), sense_length));
    const int resid = std::clamp(io.resid, 0, static_cast<int>(data.size()));
    out.transferred = data.size() - static_cast<std::size_t>(resid);
    return out;
}

}  // namespace

const char* host_status_name(std::uint16_t host_status) noexcept {
    static constexpr std::array<const char*, 0x15> names{
        "DID_OK",
        "DID_NO_CONNECT",
        "DID_BUS_BUSY",
        "DID_TIME_OUT",
        "DID_BAD_TARGET",
        "DID_ABORT",
        "DID_PARITY",
        "DID_ERROR",
        "DID_RESET",
        "DID_BAD_INTR",
        "DID_PASSTHROUGH",
        "DID_SOFT_ERROR",
        "DID_IMM_RETRY",
        "DID_REQUEUE",
        "DID_TRANSPORT_DISRUPTED",
        "DID_TRANSPORT_FAILFAST",
        "DID_TARGET_FAILURE",
        "DID_NEXUS_FAILURE",
        "DID_ALLOC_FAILURE",
        "DID_MEDIUM_ERROR",
        "DID_TRANSPORT_MARGINAL",
    };
    return host_status < names.size() ? names[host_status] : nullptr;
}

core::ScsiCompletion classify_sg_io(const std::string& device_path, const SgIoStatus& io,
                                    std::span<const std::uint8_t> sense) {
    // A status other than GOOD is the target's answer, whatever the host byte says: older kernels
    // also set DID_NEXUS_FAILURE on a RESERVATION CONFLICT.
    if ((io.status & 0x7eu) != core::kScsiStatusGood) {
        return core::classify_scsi_completion(io.status, sense);
    }
    if (io.host_status != 0) {
        std::string why = "transport error: host status " + hex2(io.host_status);
        if (const char* name = host_status_name(io.host_status)) {
            why += std::string(" (") + name + ")";
        }
        core::ScsiCompletion out = failed(device_path, why);
        out.status = io.status;
        return out;
    }
    const unsigned driver = io.driver_status & kDriverByteMask;
    if (driver == kDriverTimeout) {
        return failed(device_path, "command timed out");
    }
    if (driver != 0 && driver != kDriverSense) {
        return failed(device_path, "driver error, driver status " + hex2(io.driver_status));
    }
    return core::classify_scsi_completion(io.status, sense);
}

ports::PrInReply SgIoPersistentReservations::pr_in(const std::string& device_path, core::PrInAction action,
                                                   std::uint16_t allocation_length,
                                                   std::chrono::milliseconds timeout) {
    const auto cdb = core::pr_in_cdb(action, allocation_length);
    std::vector<std::uint8_t> data(allocation_length);
    Transfer transfer = send(device_path, cdb, SG_DXFER_FROM_DEV, data, timeout);
    ports::PrInReply reply;
    reply.completion = std::move(transfer.completion);
    if (reply.completion.outcome == core::ScsiOutcome::Good) {
        data.resize(transfer.transferred);
        reply.data = std::move(data);
    }
    return reply;
}

core::ScsiCompletion SgIoPersistentReservations::pr_out(const std::string& device_path,
                                                        core::PrOutAction action,
                                                        std::optional<core::PrType> type,
                                                        const core::PrOutParameters& parameters,
                                                        std::chrono::milliseconds timeout) {
    const auto cdb = core::pr_out_cdb(action, type);
    auto list = core::pr_out_parameter_list(parameters);
    return send(device_path, cdb, SG_DXFER_TO_DEV, list, timeout).completion;
}

}  // namespace pathkeeper::os
