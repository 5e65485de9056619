#pragma once
// Value types of the SCSI settings a map puts on its paths beside the dm table: the SCSI host's eh_deadline
// and the block queue's max_sectors_kb (dev_loss_tmo's type lives with the other option types in config.hpp),
// the kernel's limits on them, and what one path gets written (PathTuning, sent as the TunePath action).
// Which path gets what, and the kernel's range rules, are path_tuning.hpp's business.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace pathkeeper::core {

// The SCSI host's error-handler deadline: how long the host's error recovery may run before the host is
// reset. Kernel: leave it as the kernel has it (the default); Off: no deadline.
struct EhDeadline {
    enum class Mode { Kernel, Off, Seconds };
    Mode mode = Mode::Kernel;
    std::chrono::seconds value{0};  // Seconds only

    static EhDeadline kernel() { return {Mode::Kernel, {}}; }
    static EhDeadline off() { return {Mode::Off, {}}; }
    static EhDeadline after(std::chrono::seconds s) { return {Mode::Seconds, s}; }
    bool operator==(const EhDeadline&) const = default;
};
std::string to_string(const EhDeadline& v);  // "kernel", "off", "30s"
// "kernel" | "off" | whole seconds ("30s", "30"), at most kEhDeadlineMax.
Result<EhDeadline> parse_eh_deadline(std::string_view text);

// The largest I/O the block layer sends down a path (and the map), in KiB. 0: leave it as the kernel has it.
struct MaxSectorsKb {
    unsigned kb = 0;

    static MaxSectorsKb kernel() { return {0}; }
    static MaxSectorsKb of(unsigned kb) { return {kb}; }
    bool is_kernel() const { return kb == 0; }
    bool operator==(const MaxSectorsKb&) const = default;
};
std::string to_string(const MaxSectorsKb& v);  // "kernel", "512"
// "kernel" | KiB from kMaxSectorsKbMin to kMaxSectorsKbMax.
Result<MaxSectorsKb> parse_max_sectors_kb(std::string_view text);

// The kernel's limits. SCSI_DEVICE_BLOCK_MAX_TIMEOUT: the longest an FC remote port's fast_io_fail_tmo may
// be, and the longest its dev_loss_tmo may be while fast_io_fail_tmo is off.
inline constexpr std::chrono::seconds kScsiBlockMaxTimeout{600};
// dev_loss_tmo is a u32 in the FC transport; "infinity" is written as its largest value.
inline constexpr std::uint64_t kFcDevLossTmoMax = 4294967295u;
// eh_deadline is kept in jiffies (u32): at HZ 1000, the fastest tick, this many seconds fit.
inline constexpr std::chrono::seconds kEhDeadlineMax{4294967};
// The block layer refuses less than a page; 4 KiB pages are the smallest Linux has.
inline constexpr unsigned kMaxSectorsKbMin = 4;
// max_sectors_kb doubled must fit the kernel's sector count (an unsigned int).
inline constexpr unsigned kMaxSectorsKbMax = 2147483647u;

// What one path gets written; an unset field is left as the kernel has it.
struct PathTuning {
    std::optional<std::chrono::seconds> fc_fast_io_fail_tmo;  // FC remote port; kFastIoFailOff: "off"
    std::optional<std::uint64_t> fc_dev_loss_tmo_s;           // FC remote port
    std::optional<EhDeadline> eh_deadline;                    // SCSI host; Off or Seconds
    std::optional<unsigned> max_sectors_kb;                   // the path's block queue

    bool empty() const {
        return !fc_fast_io_fail_tmo && !fc_dev_loss_tmo_s && !eh_deadline && !max_sectors_kb;
    }
    bool operator==(const PathTuning&) const = default;
};
// "fast_io_fail_tmo=5 dev_loss_tmo=600 eh_deadline=off max_sectors_kb=512" (set fields only, in this order).
std::string to_string(const PathTuning& t);

}  // namespace pathkeeper::core
