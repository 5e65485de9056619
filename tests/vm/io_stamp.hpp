// Stamped 4 KiB blocks for the I/O prober: each block says which write produced it, so a read-back can tell a
// block that holds the last acknowledged write from one that is stale, torn or misplaced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace pathkeeper::vm {

inline constexpr std::size_t kBlockSize = 4096;
inline constexpr std::uint64_t kStampMagic = 0x31424f5250'4b50ULL;  // "PKPROB1" little-endian

// Layout of a stamped block: header words, a filler derived from the sequence number, checksum last.
struct StampHeader {
    std::uint64_t magic;
    std::uint64_t sequence;     // global write counter, unique per write
    std::uint64_t block_index;  // where on the device this block belongs
    std::uint64_t run_id;       // distinguishes blocks from an earlier prober run
};

enum class StampCheck { kOk, kTooShort, kBadMagic, kBadChecksum, kWrongBlock, kWrongRun };

inline std::string_view describe(StampCheck check) {
    switch (check) {
        case StampCheck::kOk:
            return "ok";
        case StampCheck::kTooShort:
            return "buffer shorter than one block";
        case StampCheck::kBadMagic:
            return "no prober stamp";
        case StampCheck::kBadChecksum:
            return "checksum mismatch (torn or corrupted block)";
        case StampCheck::kWrongBlock:
            return "stamp belongs to another block (misdirected write)";
        case StampCheck::kWrongRun:
            return "stamp from another prober run (stale data)";
    }
    return "unknown";
}

// FNV-1a, 64 bit: enough to notice torn or mixed blocks; this is not a cryptographic check.
inline std::uint64_t checksum(std::span<const unsigned char> bytes) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char byte : bytes) {
        hash ^= byte;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

inline void encode_block(std::span<unsigned char> block, const StampHeader& header) {
    if (block.size() < kBlockSize) {
        return;
    }
    std::memcpy(block.data(), &header, sizeof header);
    // Filler varies with every write so a stale block with a valid header for the same index still differs.
    std::uint64_t filler = header.sequence * 0x9e3779b97f4a7c15ULL + header.block_index;
    for (std::size_t offset = sizeof header; offset + sizeof filler <= kBlockSize - sizeof(std::uint64_t);
         offset += sizeof filler) {
        std::memcpy(block.data() + offset, &filler, sizeof filler);
        filler = filler * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    const std::uint64_t sum = checksum(block.first(kBlockSize - sizeof(std::uint64_t)));
    std::memcpy(block.data() + kBlockSize - sizeof sum, &sum, sizeof sum);
}

// Checks a block read back from `expected_index`; on success `header_out` holds its stamp.
inline StampCheck verify_block(std::span<const unsigned char> block, std::uint64_t expected_index,
                               std::uint64_t expected_run, StampHeader& header_out) {
    if (block.size() < kBlockSize) {
        return StampCheck::kTooShort;
    }
    std::memcpy(&header_out, block.data(), sizeof header_out);
    if (header_out.magic != kStampMagic) {
        return StampCheck::kBadMagic;
    }
    std::uint64_t stored_sum = 0;
    std::memcpy(&stored_sum, block.data() + kBlockSize - sizeof stored_sum, sizeof stored_sum);
    if (checksum(block.first(kBlockSize - sizeof(std::uint64_t))) != stored_sum) {
        return StampCheck::kBadChecksum;
    }
    if (header_out.run_id != expected_run) {
        return StampCheck::kWrongRun;
    }
    if (header_out.block_index != expected_index) {
        return StampCheck::kWrongBlock;
    }
    return StampCheck::kOk;
}

}  // namespace pathkeeper::vm
