#include "os/scsi_persistent_reservations.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace pathkeeper::os {
namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(SgIoClassification, HostStatusWithGoodStatusIsATransportFailure) {
    auto completion = classify_sg_io("/dev/sdc", SgIoStatus{0x00, 0x01, 0x00}, {});
    EXPECT_EQ(completion.outcome, core::ScsiOutcome::Failed);
    EXPECT_EQ(completion.detail, "/dev/sdc: transport error: host status 0x01 (DID_NO_CONNECT)");
    auto unknown = classify_sg_io("/dev/sdc", SgIoStatus{0x00, 0x42, 0x00}, {});
    EXPECT_EQ(unknown.detail, "/dev/sdc: transport error: host status 0x42");
}

TEST(SgIoClassification, TheTargetsStatusWinsOverTheHostByte) {
    // Older kernels add DID_NEXUS_FAILURE to a reservation conflict; it is still the target's answer.
    auto completion = classify_sg_io("/dev/sdc", SgIoStatus{0x18, 0x11, 0x00}, {});
    EXPECT_EQ(completion.outcome, core::ScsiOutcome::ReservationConflict);
}

TEST(SgIoClassification, DriverSenseIsNotAFailureButATimeoutIs) {
    const std::vector<std::uint8_t> sense{0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29, 0x00, 0, 0, 0, 0};
    auto attention = classify_sg_io("/dev/sdc", SgIoStatus{0x02, 0x00, 0x08}, sense);
    EXPECT_EQ(attention.outcome, core::ScsiOutcome::UnitAttention);
    auto timed_out = classify_sg_io("/dev/sdc", SgIoStatus{0x00, 0x00, 0x06}, {});
    EXPECT_EQ(timed_out.outcome, core::ScsiOutcome::Failed);
    EXPECT_TRUE(contains(timed_out.detail, "timed out")) << timed_out.detail;
    EXPECT_EQ(classify_sg_io("/dev/sdc", SgIoStatus{0x00, 0x00, 0x00}, {}).outcome, core::ScsiOutcome::Good);
}

TEST(SgIoPersistentReservations, OpenFailureNamesTheDeviceAndTheCause) {
    SgIoPersistentReservations transport;
    auto reply =
        transport.pr_in("/nonexistent/sdx", core::PrInAction::ReadKeys, 4096, std::chrono::seconds(1));
    EXPECT_EQ(reply.completion.outcome, core::ScsiOutcome::Failed);
    EXPECT_EQ(reply.completion.detail, "/nonexistent/sdx: cannot open: No such file or directory");
    EXPECT_TRUE(reply.data.empty());
}

TEST(SgIoPersistentReservations, SgIoOnANonScsiFileFailsAsAnIoctlError) {
    SgIoPersistentReservations transport;
    auto completion =
        transport.pr_out("/dev/null", core::PrOutAction::Register, std::nullopt, {}, std::chrono::seconds(1));
    EXPECT_EQ(completion.outcome, core::ScsiOutcome::Failed);
    EXPECT_TRUE(contains(completion.detail, "/dev/null: SG_IO: ")) << completion.detail;
}

}  // namespace
}  // namespace pathkeeper::os
