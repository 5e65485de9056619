// The prober's verdicts are only as good as its stamps: these tests pin what a read-back must catch.
#include "io_stamp.hpp"

#include <gtest/gtest.h>

#include <array>

namespace pathkeeper::vm {
namespace {

using Block = std::array<unsigned char, kBlockSize>;

Block stamped(std::uint64_t sequence, std::uint64_t index, std::uint64_t run) {
    Block block{};
    encode_block(block, StampHeader{kStampMagic, sequence, index, run});
    return block;
}

TEST(AStampedBlock, VerifiesAndReportsTheSequenceThatWroteIt) {
    const Block block = stamped(1234, 56, 7);
    StampHeader header{};
    EXPECT_EQ(verify_block(block, 56, 7, header), StampCheck::kOk);
    EXPECT_EQ(header.sequence, 1234u);
}

TEST(AStampedBlock, WithOneFlippedBitFailsItsChecksum) {
    for (std::size_t offset : {std::size_t{40}, std::size_t{2048}, kBlockSize - 9}) {
        Block block = stamped(1, 2, 3);
        block[offset] ^= 0x10;
        StampHeader header{};
        EXPECT_EQ(verify_block(block, 2, 3, header), StampCheck::kBadChecksum) << "offset " << offset;
    }
}

TEST(AStampedBlock, ReadFromAnotherIndexIsAMisdirectedWrite) {
    StampHeader header{};
    EXPECT_EQ(verify_block(stamped(1, 2, 3), 5, 3, header), StampCheck::kWrongBlock);
}

TEST(AStampedBlock, FromAnEarlierRunIsStale) {
    StampHeader header{};
    EXPECT_EQ(verify_block(stamped(1, 2, 3), 2, 4, header), StampCheck::kWrongRun);
}

TEST(ATornBlock, MixingTwoWritesOfTheSameIndexIsDetected) {
    const Block older = stamped(10, 2, 3);
    Block torn = stamped(11, 2, 3);
    std::copy(older.begin() + 2048, older.end(), torn.begin() + 2048);
    StampHeader header{};
    EXPECT_EQ(verify_block(torn, 2, 3, header), StampCheck::kBadChecksum);
}

TEST(GarbageInput, ZeroedRandomAndTruncatedBlocksAreRejected) {
    StampHeader header{};
    Block zeroes{};
    EXPECT_EQ(verify_block(zeroes, 0, 0, header), StampCheck::kBadMagic);
    Block noise{};
    for (std::size_t i = 0; i < noise.size(); ++i) {
        noise[i] = static_cast<unsigned char>(i * 131 + 17);
    }
    EXPECT_EQ(verify_block(noise, 0, 0, header), StampCheck::kBadMagic);
    const Block good = stamped(1, 2, 3);
    EXPECT_EQ(verify_block(std::span(good).first(100), 2, 3, header), StampCheck::kTooShort);
    EXPECT_EQ(verify_block(std::span<const unsigned char>(), 2, 3, header), StampCheck::kTooShort);
}

TEST(EncodingIntoAShortBuffer, LeavesItUntouched) {
    std::array<unsigned char, 64> small{};
    encode_block(small, StampHeader{kStampMagic, 1, 2, 3});
    EXPECT_EQ(small, (std::array<unsigned char, 64>{}));
}

}  // namespace
}  // namespace pathkeeper::vm
