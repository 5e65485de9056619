// pk-io-prober: what an application sees during a failover.
//
// Writes stamped 4 KiB blocks with O_DIRECT|O_SYNC to a device for a number of seconds, cycling over a block
// range, and records every write error and the longest gap between two write completions (the I/O pause a
// failover costs). Then reads every written block back and counts blocks whose stamp is not the last
// acknowledged write. Prints one JSON line; exits 0 only with zero write errors, zero read errors and zero
// mismatches.
//
//   pk-io-prober --device /dev/mapper/NAME [--seconds 30] [--blocks 1024] [--first-block 0] [--quiet]
//   pk-io-prober --self-test

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "io_stamp.hpp"

namespace {

using pathkeeper::vm::kBlockSize;
using Clock = std::chrono::steady_clock;

struct Options {
    std::string device;
    double seconds = 30;
    std::uint64_t blocks = 1024;
    std::uint64_t first_block = 0;
    bool quiet = false;
};

struct Summary {
    std::uint64_t writes = 0;
    std::uint64_t errors = 0;
    std::uint64_t read_errors = 0;
    std::uint64_t mismatches = 0;
    std::uint64_t verified = 0;
    double max_gap_ms = 0;
    double max_gap_end_s = 0;      // seconds since the start of the run
    double max_gap_end_epoch = 0;  // wall clock, to line up with the moment a cable was pulled
    std::string first_error;
};

// Stops the write phase early on SIGINT/SIGTERM; the read-back still runs.
volatile std::sig_atomic_t stop_requested = 0;
void request_stop(int) {
    stop_requested = 1;
}

double epoch_seconds() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct AlignedFree {
    void operator()(unsigned char* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<unsigned char[], AlignedFree>;

AlignedBuffer aligned_block() {
    void* memory = nullptr;
    if (posix_memalign(&memory, kBlockSize, kBlockSize) != 0) {
        return nullptr;
    }
    return AlignedBuffer(static_cast<unsigned char*>(memory));
}

bool parse_number(const char* text, double& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtod(text, &end);
    return errno == 0 && end != text && *end == '\0' && out >= 0;
}

int usage() {
    std::fprintf(stderr,
                 "usage: pk-io-prober --device DEV [--seconds S] [--blocks N] [--first-block N] [--quiet]\n"
                 "       pk-io-prober --self-test\n");
    return 2;
}

// Encode/verify round trip and the failures it must catch; lets the VM check the prober itself in one call.
int self_test() {
    using namespace pathkeeper::vm;
    auto block = aligned_block();
    StampHeader header{kStampMagic, 42, 7, 99};
    encode_block({block.get(), kBlockSize}, header);
    StampHeader read{};
    int failures = 0;
    auto expect = [&](bool ok, const char* what) {
        if (!ok) {
            std::fprintf(stderr, "self-test failed: %s\n", what);
            ++failures;
        }
    };
    expect(verify_block({block.get(), kBlockSize}, 7, 99, read) == StampCheck::kOk && read.sequence == 42,
           "round trip");
    expect(verify_block({block.get(), kBlockSize}, 8, 99, read) == StampCheck::kWrongBlock, "wrong block");
    block[100] ^= 1;
    expect(verify_block({block.get(), kBlockSize}, 7, 99, read) == StampCheck::kBadChecksum, "flipped bit");
    std::memset(block.get(), 0, kBlockSize);
    expect(verify_block({block.get(), kBlockSize}, 7, 99, read) == StampCheck::kBadMagic, "zeroed block");
    std::printf("{\"self_test\":\"%s\"}\n", failures == 0 ? "passed" : "failed");
    return failures == 0 ? 0 : 1;
}

void write_phase(int fd, const Options& options, std::uint64_t run_id,
                 std::vector<std::uint64_t>& acknowledged, std::vector<std::uint64_t>& attempted,
                 Summary& summary) {
    using namespace pathkeeper::vm;
    auto buffer = aligned_block();
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration<double>(options.seconds);
    auto last_completion = start;
    std::uint64_t sequence = 0;
    for (std::uint64_t i = 0; !stop_requested && Clock::now() < deadline; ++i) {
        const std::uint64_t index = options.first_block + i % options.blocks;
        const std::uint64_t slot = i % options.blocks;
        ++sequence;
        encode_block({buffer.get(), kBlockSize}, StampHeader{kStampMagic, sequence, index, run_id});
        attempted[slot] = sequence;
        const ssize_t written = pwrite(fd, buffer.get(), kBlockSize, static_cast<off_t>(index * kBlockSize));
        const auto completed = Clock::now();
        const double gap_ms = std::chrono::duration<double, std::milli>(completed - last_completion).count();
        last_completion = completed;
        if (gap_ms > summary.max_gap_ms) {
            summary.max_gap_ms = gap_ms;
            summary.max_gap_end_s = std::chrono::duration<double>(completed - start).count();
            summary.max_gap_end_epoch = epoch_seconds();
        }
        if (gap_ms >= 1000 && !options.quiet) {
            std::fprintf(stderr, "pk-io-prober: writes paused for %.1f s (resumed %.1f s into the run)\n",
                         gap_ms / 1000, std::chrono::duration<double>(completed - start).count());
        }
        if (written != static_cast<ssize_t>(kBlockSize)) {
            ++summary.errors;
            const std::string why = written < 0 ? std::strerror(errno) : "short write";
            if (summary.first_error.empty()) {
                summary.first_error = why;
            }
            if (!options.quiet && summary.errors <= 10) {
                std::fprintf(stderr, "pk-io-prober: write error on block %llu: %s\n",
                             static_cast<unsigned long long>(index), why.c_str());
            }
            usleep(10000);  // an erroring device fails fast; do not spin
            continue;
        }
        ++summary.writes;
        acknowledged[slot] = sequence;
    }
}

void read_back(int fd, const Options& options, std::uint64_t run_id,
               const std::vector<std::uint64_t>& acknowledged, const std::vector<std::uint64_t>& attempted,
               Summary& summary) {
    using namespace pathkeeper::vm;
    auto buffer = aligned_block();
    for (std::uint64_t slot = 0; slot < options.blocks; ++slot) {
        if (attempted[slot] == 0) {
            continue;
        }
        const std::uint64_t index = options.first_block + slot;
        const ssize_t got = pread(fd, buffer.get(), kBlockSize, static_cast<off_t>(index * kBlockSize));
        if (got != static_cast<ssize_t>(kBlockSize)) {
            ++summary.read_errors;
            continue;
        }
        StampHeader header{};
        const StampCheck check = verify_block({buffer.get(), kBlockSize}, index, run_id, header);
        // A block whose last write failed may legitimately hold either that write or the one before it.
        const bool expected_sequence =
            header.sequence == acknowledged[slot] || header.sequence == attempted[slot];
        if (check != StampCheck::kOk || !expected_sequence) {
            ++summary.mismatches;
            if (!options.quiet && summary.mismatches <= 10) {
                std::fprintf(stderr, "pk-io-prober: block %llu: %s (read seq %llu, last acknowledged %llu)\n",
                             static_cast<unsigned long long>(index),
                             check != StampCheck::kOk ? std::string(describe(check)).c_str() : "stale data",
                             static_cast<unsigned long long>(header.sequence),
                             static_cast<unsigned long long>(acknowledged[slot]));
            }
            continue;
        }
        ++summary.verified;
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        double number = 0;
        if (arg == "--self-test") {
            return self_test();
        } else if (arg == "--quiet") {
            options.quiet = true;
        } else if (arg == "--device" && has_value) {
            options.device = argv[++i];
        } else if (arg == "--seconds" && has_value && parse_number(argv[++i], number)) {
            options.seconds = number;
        } else if (arg == "--blocks" && has_value && parse_number(argv[++i], number) && number >= 1) {
            options.blocks = static_cast<std::uint64_t>(number);
        } else if (arg == "--first-block" && has_value && parse_number(argv[++i], number)) {
            options.first_block = static_cast<std::uint64_t>(number);
        } else {
            return usage();
        }
    }
    if (options.device.empty()) {
        return usage();
    }
    const int fd = open(options.device.c_str(), O_RDWR | O_DIRECT | O_SYNC);
    if (fd < 0) {
        std::fprintf(stderr, "pk-io-prober: cannot open %s: %s\n", options.device.c_str(),
                     std::strerror(errno));
        return 2;
    }
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);

    const auto run_id =
        static_cast<std::uint64_t>(epoch_seconds() * 1e6) ^ static_cast<std::uint64_t>(getpid());
    std::vector<std::uint64_t> acknowledged(options.blocks, 0);
    std::vector<std::uint64_t> attempted(options.blocks, 0);
    Summary summary;
    write_phase(fd, options, run_id, acknowledged, attempted, summary);
    read_back(fd, options, run_id, acknowledged, attempted, summary);
    close(fd);

    std::printf(
        "{\"device\":\"%s\",\"writes\":%llu,\"errors\":%llu,\"max_gap_ms\":%.0f,\"max_gap_end_s\":%.3f,"
        "\"max_gap_end_epoch\":%.3f,\"verified\":%llu,\"read_errors\":%llu,\"mismatches\":%llu,"
        "\"first_error\":\"%s\"}\n",
        options.device.c_str(), static_cast<unsigned long long>(summary.writes),
        static_cast<unsigned long long>(summary.errors), summary.max_gap_ms, summary.max_gap_end_s,
        summary.max_gap_end_epoch, static_cast<unsigned long long>(summary.verified),
        static_cast<unsigned long long>(summary.read_errors),
        static_cast<unsigned long long>(summary.mismatches), summary.first_error.c_str());
    std::fflush(stdout);
    const bool clean = summary.errors == 0 && summary.read_errors == 0 && summary.mismatches == 0;
    return clean ? 0 : 1;
}
