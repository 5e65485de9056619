#include "os/array_checkers.hpp"

#include <fcntl.h>
#include <scsi/sg.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <chrono>
#include <span>
#include <vector>

#include "core/array_pages.hpp"
#include "core/prio_args.hpp"
#include "os/errno_text.hpp"
#include "os/scsi_persistent_reservations.hpp"

namespace pathkeeper::os {
namespace {

constexpr std::uint8_t kInquiry = 0x12;
constexpr std::uint8_t kTestUnitReady = 0x00;
constexpr std::uint8_t kRead10 = 0x28;
constexpr std::uint8_t kUnitSerialNumberPage = 0x80;
// One logical block of any size Linux supports (512 to 4096 bytes).
constexpr std::size_t kBlockBufferLength = 4096;

// One SG_IO command's answer: the classified completion, or the system call's failure.
struct SgAnswer {
    bool syscall_failed = false;
    int error = 0;
    core::ScsiCompletion completion;
    std::size_t transferred = 0;
};

SgAnswer send(int fd, const std::string& path, std::span<const std::uint8_t> cdb,
              std::span<std::uint8_t> data, std::chrono::milliseconds timeout) {
    std::array<std::uint8_t, 64> sense{};
    std::array<std::uint8_t, 16> command{};
    std::copy(cdb.begin(), cdb.end(), command.begin());
    sg_io_hdr_t io{};
    io.interface_id = 'S';
    io.cmd_len = static_cast<unsigned char>(cdb.size());
    io.cmdp = command.data();
    io.dxfer_direction = data.empty() ? SG_DXFER_NONE : SG_DXFER_FROM_DEV;
    io.dxfer_len = static_cast<unsigned>(data.size());
    io.dxferp = data.empty() ? nullptr : data.data();
    io.mx_sb_len = static_cast<unsigned char>(sense.size());
    io.sbp = sense.data();
    const auto timeout_ms = timeout.count();
    io.timeout = timeout_ms <= 0 ? 1u : static_cast<unsigned>(std::min<long long>(timeout_ms, 0x7fffffff));
    SgAnswer out;
    if (::ioctl(fd, SG_IO, &io) < 0) {
        out.syscall_failed = true;
        out.error = errno;
        out.completion.detail = errno_error("SG_IO on " + path, errno).message;
        return out;
    }
    const std::size_t sense_length = std::min<std::size_t>(io.sb_len_wr, sense.size());
    out.completion = classify_sg_io(
        path,
        SgIoStatus{static_cast<std::uint8_t>(io.status & 0xffu), static_cast<std::uint16_t>(io.host_status),
                   static_cast<std::uint16_t>(io.driver_status)},
        std::span<const std::uint8_t>(sense.data(), sense_length));
    const int resid = std::clamp(io.resid, 0, static_cast<int>(data.size()));
    out.transferred = data.size() - static_cast<std::size_t>(resid);
    return out;
}

// INQUIRY, of a VPD page when `page` is set, else the standard data; the reply cut to what came back.
SgAnswer inquiry(int fd, const std::string& path, std::optional<std::uint8_t> page, std::size_t length,
                 std::chrono::milliseconds timeout, std::vector<std::uint8_t>& reply) {
    reply.assign(length, 0);
    const std::array<std::uint8_t, 6> cdb{kInquiry,
                                          static_cast<std::uint8_t>(page ? 1 : 0),
                                          page.value_or(0),
                                          static_cast<std::uint8_t>(length >> 8),
                                          static_cast<std::uint8_t>(length & 0xff),
                                          0};
    SgAnswer answer = send(fd, path, cdb, reply, timeout);
    reply.resize(answer.completion.outcome == core::ScsiOutcome::Good ? answer.transferred : 0);
    return answer;
}

SgAnswer read_block_zero(int fd, const std::string& path, std::chrono::milliseconds timeout) {
    std::vector<std::uint8_t> block(kBlockBufferLength);
    const std::array<std::uint8_t, 10> cdb{kRead10, 0, 0, 0, 0, 0, 0, 0, 1, 0};  // LBA 0, one block
    return send(fd, path, cdb, block, timeout);
}

SgAnswer test_unit_ready(int fd, const std::string& path, std::chrono::milliseconds timeout) {
    const std::array<std::uint8_t, 6> cdb{kTestUnitReady, 0, 0, 0, 0, 0};
    return send(fd, path, cdb, {}, timeout);
}

ProbeResult syscall_down(const char* checker, const SgAnswer& answer) {
    return {{core::PathState::Down, std::string(checker) + ": " + answer.completion.detail}, true};
}

ProbeResult readsector0(int fd, const std::string& path, std::chrono::milliseconds timeout) {
    for (int attempt = 0;; ++attempt) {
        SgAnswer read = read_block_zero(fd, path, timeout);
        if (read.syscall_failed) {
            return syscall_down("readsector0", read);
        }
        if (read.completion.outcome == core::ScsiOutcome::Good) {
            return {{core::PathState::Up, "readsector0 checker reports path is up"}};
        }
        if (read.completion.outcome != core::ScsiOutcome::UnitAttention || attempt > 0) {
            return {
                {core::PathState::Down, "readsector0: read of block 0 failed: " + read.completion.detail}};
        }
    }
}

ProbeResult rdac(int fd, const std::string& path, std::chrono::milliseconds timeout) {
    std::vector<std::uint8_t> page;
    SgAnswer answer =
        inquiry(fd, path, core::kRdacVolumeAccessPage, core::kRdacVolumeAccessLength, timeout, page);
    if (answer.syscall_failed) {
        return syscall_down("rdac", answer);
    }
    if (answer.completion.outcome != core::ScsiOutcome::Good) {
        return {{core::PathState::Down, "rdac: inquiry of page 0xc9 failed: " + answer.completion.detail}};
    }
    auto parsed = core::parse_rdac_volume_access(page);
    if (!parsed) {
        return {{core::PathState::Down, "rdac: " + parsed.error().message}};
    }
    core::PathVerdict verdict = core::rdac_path_state(*parsed);
    return {{verdict.state, std::move(verdict.message)}};
}

ProbeResult hp_sw(int fd, const std::string& path, std::chrono::milliseconds timeout) {
    std::vector<std::uint8_t> page;
    SgAnswer answer = inquiry(fd, path, kUnitSerialNumberPage, 0xff, timeout, page);
    if (answer.syscall_failed) {
        return syscall_down("hp_sw", answer);
    }
    if (answer.completion.outcome != core::ScsiOutcome::Good) {
        return {{core::PathState::Down, "hp_sw: inquiry of page 0x80 failed: " + answer.completion.detail}};
    }
    for (int attempt = 0;; ++attempt) {
        SgAnswer tur = test_unit_ready(fd, path, timeout);
        if (tur.syscall_failed) {
            return syscall_down("hp_sw", tur);
        }
        if (attempt == 0 && core::hp_sw_retry(tur.completion)) {
            continue;
        }
        core::PathVerdict verdict = core::hp_sw_path_state(tur.completion);
        return {{verdict.state, std::move(verdict.message)}};
    }
}

// One measurement of the requested prioritizer; nullopt when the path gave no usable answer and
// the prioritizer has no value for that case.
std::optional<int> measure_priority(int fd, const std::string& path, const ports::CheckRequest& request) {
    const std::chrono::milliseconds timeout = request.timeout;
    std::vector<std::uint8_t> reply;
    switch (*request.prio) {
        case core::PrioKind::Rdac: {
            SgAnswer answer =
                inquiry(fd, path, core::kRdacVolumeAccessPage, core::kRdacVolumeAccessLength, timeout, reply);
            auto page = core::parse_rdac_volume_access(reply);
            return answer.completion.outcome == core::ScsiOutcome::Good && page ? core::rdac_priority(*page)
                                                                                : 0;
        }
        case core::PrioKind::Emc: {
            SgAnswer answer = inquiry(fd, path, core::kClariionUnitReportPage,
                                      core::kClariionUnitReportLength, timeout, reply);
            auto page = core::parse_clariion_unit_report(reply);
            return answer.completion.outcome == core::ScsiOutcome::Good && page ? core::emc_priority(*page)
                                                                                : 0;
        }
        case core::PrioKind::HpSw: {
            for (int attempt = 0;; ++attempt) {
                SgAnswer tur = test_unit_ready(fd, path, timeout);
                if (tur.syscall_failed) {
                    return 0;
                }
                if (attempt == 0 && core::hp_sw_retry(tur.completion)) {
                    continue;
                }
                return core::hp_sw_priority(tur.completion);
            }
        }
        case core::PrioKind::Hds: {
            SgAnswer answer = inquiry(fd, path, std::nullopt, core::kHdsInquiryLength, timeout, reply);
            auto priority = core::hds_priority(reply);
            if (answer.completion.outcome != core::ScsiOutcome::Good || !priority) {
                return std::nullopt;
            }
            return *priority;
        }
        case core::PrioKind::Ontap: {
            reply.assign(core::kOntapGvaLength, 0);
            SgAnswer gva = send(fd, path, core::kOntapGvaCdb, reply, timeout);
            reply.resize(gva.transferred);
            auto initiator = core::parse_ontap_gva(reply);
            if (gva.completion.outcome != core::ScsiOutcome::Good || !initiator) {
                return core::ontap_priority(std::nullopt, std::nullopt);
            }
            std::optional<bool> proxy;
            if (*initiator == core::OntapInitiator::Unknown) {
                SgAnswer answer =
                    inquiry(fd, path, core::kOntapProxyPage, core::kOntapProxyLength, timeout, reply);
                auto parsed = core::parse_ontap_proxy(reply);
                if (answer.completion.outcome == core::ScsiOutcome::Good && parsed) {
                    proxy = *parsed;
                }
            }
            return core::ontap_priority(*initiator, proxy);
        }
        case core::PrioKind::PathLatency: {
            auto args = core::parse_path_latency_args(request.prio_args);
            if (!args) {
                return 0;
            }
            std::chrono::nanoseconds total{0};
            for (unsigned i = 0; i < args->io_num; ++i) {
                const auto before = std::chrono::steady_clock::now();
                SgAnswer read = read_block_zero(fd, path, timeout);
                total += std::chrono::steady_clock::now() - before;
                if (read.syscall_failed || read.completion.outcome != core::ScsiOutcome::Good) {
                    return std::nullopt;  // the path is failing: its checker says so, the priority stays
                }
            }
            return core::path_latency_priority(total / args->io_num, args->base_num);
        }
        case core::PrioKind::Const:
        case core::PrioKind::Alua:
        case core::PrioKind::Sysfs:
        case core::PrioKind::WeightedPath:
            break;  // computed by the core, never requested
    }
    return std::nullopt;
}

std::optional<bool> probe_rdac(int fd, const std::string& path, std::chrono::milliseconds timeout) {
    std::vector<std::uint8_t> page;
    SgAnswer answer =
        inquiry(fd, path, core::kRdacVolumeAccessPage, core::kRdacVolumeAccessLength, timeout, page);
    if (answer.syscall_failed) {
        return std::nullopt;  // no answer: asked again at the next check
    }
    if (answer.completion.outcome != core::ScsiOutcome::Good) {
        return false;  // the target refused the page: not an RDAC controller
    }
    auto parsed = core::parse_rdac_volume_access(page);
    return parsed && parsed->vac1;
}

void add_measurements(int fd, const std::string& path, const ports::CheckRequest& request,
                      ports::CheckOutcome& outcome) {
    if (request.probe_rdac) {
        outcome.reports_rdac = probe_rdac(fd, path, request.timeout);
    }
    if (request.prio) {
        outcome.priority = measure_priority(fd, path, request);
    }
}

}  // namespace

ports::CheckOutcome ArrayChecker::check(const ports::CheckRequest& request) {
    const char* name = core::to_string(request.kind);
    return check_with_kept_device(
        devices_, request, O_RDONLY | O_NONBLOCK | O_CLOEXEC, name, [&](int fd, const std::string& path) {
            ProbeResult result;
            switch (request.kind) {
                case core::CheckerKind::Readsector0:
                    result = readsector0(fd, path, request.timeout);
                    break;
                case core::CheckerKind::Rdac:
                    result = rdac(fd, path, request.timeout);
                    break;
                case core::CheckerKind::HpSw:
                    result = hp_sw(fd, path, request.timeout);
                    break;
                case core::CheckerKind::EmcClariion:
                    result = clariion(fd, path, request);
                    break;
                case core::CheckerKind::Tur:
                case core::CheckerKind::Directio:
                case core::CheckerKind::None:
                    result = {{core::PathState::Down, std::string(name) + " is not an array checker"}};
                    break;
            }
            if (!result.syscall_failed) {
                add_measurements(fd, path, request, result.outcome);
            }
            return result;
        });
}

void ArrayChecker::measure(const ports::CheckRequest& request, ports::CheckOutcome& outcome) {
    if (!request.prio && !request.probe_rdac) {
        return;
    }
    auto opened = devices_.open(request.devnode, request.path(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (!opened.descriptor) {
        return;  // the check itself reports why the path cannot be opened
    }
    add_measurements(opened.descriptor->get(), request.path(), request, outcome);
}

void ArrayChecker::forget(const std::string& devnode) {
    devices_.forget(devnode);
    std::lock_guard lock(wwn_mutex_);
    clariion_wwn_.erase(devnode);
}

ProbeResult ArrayChecker::clariion(int fd, const std::string& path, const ports::CheckRequest& request) {
    std::vector<std::uint8_t> page;
    SgAnswer answer = inquiry(fd, path, core::kClariionUnitReportPage, core::kClariionUnitReportLength,
                              request.timeout, page);
    if (answer.syscall_failed) {
        return syscall_down("emc_clariion", answer);
    }
    if (answer.completion.outcome != core::ScsiOutcome::Good) {
        return {{core::PathState::Down,
                 "emc_clariion: inquiry of page 0xc0 failed: " + answer.completion.detail}};
    }
    auto parsed = core::parse_clariion_unit_report(page);
    if (!parsed) {
        return {{core::PathState::Down, "emc_clariion: " + parsed.error().message}};
    }
    core::PathVerdict verdict = core::clariion_path_state(*parsed);
    if (verdict.state != core::PathState::Up) {
        return {{verdict.state, std::move(verdict.message)}};
    }
    {
        std::lock_guard lock(wwn_mutex_);
        auto [it, inserted] = clariion_wwn_.try_emplace(request.devnode, parsed->lun_wwn);
        if (!inserted && it->second != parsed->lun_wwn) {
            // Kept until the path is forgotten: a path that now leads to another LU stays down.
            return {{core::PathState::Down, "emc_clariion: the logical unit's WWN changed"}};
        }
    }
    if (parsed->lun_state == 2) {
        SgAnswer read = read_block_zero(fd, path, request.timeout);
        if (read.syscall_failed) {
            return syscall_down("emc_clariion", read);
        }
        verdict = core::clariion_read_verdict(read.completion);
    }
    return {{verdict.state, std::move(verdict.message)}};
}

}  // namespace pathkeeper::os
