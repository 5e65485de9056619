#pragma once
// The monotonic clock at timer-tick resolution, read without a system call.
//
// CLOCK_MONOTONIC_COARSE is answered by the vDSO from the last timer tick without reading the clocksource.
// CLOCK_MONOTONIC becomes a real system call whenever the clocksource cannot be read from user space (HPET,
// as in the bench's qemu guest, where each read is an emulated device access). The value is a steady_clock
// time (same epoch, CLOCK_MONOTONIC on Linux), up to one tick (at most 10 ms) behind: for deadlines of a
// second or more that are also compared against this clock, never for waking up at an exact time.

#include <time.h>

#include <chrono>

namespace pathkeeper::os {

inline std::chrono::steady_clock::time_point coarse_monotonic_now() noexcept {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec)));
}

}  // namespace pathkeeper::os
