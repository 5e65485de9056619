#include "os/checkers.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include "temp_dir.hpp"

namespace pathkeeper::os {
namespace {

std::vector<std::uint8_t> fixed_sense(unsigned key, unsigned asc, unsigned ascq) {
    std::vector<std::uint8_t> sense(18, 0);
    sense[0] = 0x70;
    sense[2] = static_cast<std::uint8_t>(key);
    sense[7] = 10;
    sense[12] = static_cast<std::uint8_t>(asc);
    sense[13] = static_cast<std::uint8_t>(ascq);
    return sense;
}

TurReply check_condition(unsigned key, unsigned asc, unsigned ascq) {
    TurReply reply;
    reply.scsi_status = 0x02;
    reply.driver_status = 0x08;
    reply.sense = SenseData{key, asc, ascq};
    return reply;
}

TEST(SenseDecoding, ReadsFixedFormatSense) {
    auto sense = decode_sense(fixed_sense(0x2, 0x04, 0x0b));
    ASSERT_TRUE(sense.has_value());
    EXPECT_EQ(sense->key, 0x2u);
    EXPECT_EQ(sense->asc, 0x04u);
    EXPECT_EQ(sense->ascq, 0x0bu);
}

TEST(SenseDecoding, ReadsDescriptorFormatSense) {
    std::vector<std::uint8_t> sense{0x72, 0x06, 0x2a, 0x06, 0, 0, 0, 0};
    auto decoded = decode_sense(sense);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->key, 0x6u);
    EXPECT_EQ(decoded->asc, 0x2au);
    EXPECT_EQ(decoded->ascq, 0x06u);
}

TEST(SenseDecoding, RejectsEmptyTruncatedAndUnknownFormats) {
    EXPECT_FALSE(decode_sense({}).has_value());
    std::vector<std::uint8_t> short_fixed{0x70, 0x00};
    EXPECT_FALSE(decode_sense(short_fixed).has_value());
    std::vector<std::uint8_t> short_descriptor{0x72, 0x02, 0x04};
    EXPECT_FALSE(decode_sense(short_descriptor).has_value());
    std::vector<std::uint8_t> garbage{0x12, 0x34, 0x56, 0x78};
    EXPECT_FALSE(decode_sense(garbage).has_value());
    // Fixed format whose additional length does not cover ASC/ASCQ: key only.
    std::vector<std::uint8_t> key_only{0x70, 0x00, 0x06, 0, 0, 0, 0, 0};
    auto decoded = decode_sense(key_only);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(decoded->key, 0x6u);
    EXPECT_EQ(decoded->asc, 0u);
}

TEST(ATestUnitReady, ThatSucceedsMeansThePathIsUp) {
    EXPECT_EQ(interpret_tur_reply({}).verdict, TurVerdict::Up);
}

// Another host's reservation (or our key preempted by a fence) is about access, not about the path: failing
// the path would turn a fenced host's I/O errors into a path outage on every host.
TEST(ATestUnitReady, EndingInReservationConflictMeansThePathIsUp) {
    TurReply reply;
    reply.scsi_status = 0x18;
    const TurDecision decision = interpret_tur_reply(reply);
    EXPECT_EQ(decision.verdict, TurVerdict::Up);
    EXPECT_NE(decision.message.find("reservation conflict"), std::string::npos);
}

TEST(ATestUnitReady, AnsweredInAluaStandbyMeansGhost) {
    auto decision = interpret_tur_reply(check_condition(0x2, 0x04, 0x0b));
    EXPECT_EQ(decision.verdict, TurVerdict::Ghost);
    EXPECT_NE(decision.message.find("standby"), std::string::npos);
}

TEST(ATestUnitReady, AnsweredWithAluaTransitionOrPlainNotReadyMeansGhost) {
    EXPECT_EQ(interpret_tur_reply(check_condition(0x2, 0x04, 0x0a)).verdict, TurVerdict::Ghost);
    EXPECT_EQ(interpret_tur_reply(check_condition(0x2, 0x04, 0x01)).verdict, TurVerdict::Ghost);
}

TEST(ATestUnitReady, AnsweredUnavailableOrNeedingInterventionMeansDown) {
    EXPECT_EQ(interpret_tur_reply(check_condition(0x2, 0x04, 0x0c)).verdict, TurVerdict::Down);
    EXPECT_EQ(interpret_tur_reply(check_condition(0x2, 0x04, 0x03)).verdict, TurVerdict::Down);
}

TEST(ATestUnitReady, AnsweredWithUnitAttentionIsRetried) {
    EXPECT_EQ(interpret_tur_reply(check_condition(0x6, 0x2a, 0x06)).verdict, TurVerdict::Retry);
}

TEST(ATestUnitReady, AnsweredWithMediumOrHardwareErrorMeansDown) {
    EXPECT_EQ(interpret_tur_reply(check_condition(0x3, 0x11, 0x00)).verdict, TurVerdict::Down);
    EXPECT_EQ(interpret_tur_reply(check_condition(0x4, 0x44, 0x00)).verdict, TurVerdict::Down);
}

TEST(ATestUnitReady, WithACheckConditionButNoSenseMeansDown) {
    TurReply reply;
    reply.scsi_status = 0x02;
    EXPECT_EQ(interpret_tur_reply(reply).verdict, TurVerdict::Down);
}

TEST(ATestUnitReady, FailedByTheTransportMeansDown) {
    TurReply no_connect;
    no_connect.host_status = 0x01;  // DID_NO_CONNECT
    EXPECT_EQ(interpret_tur_reply(no_connect).verdict, TurVerdict::Down);
    TurReply disrupted;
    disrupted.host_status = 0x0e;  // DID_TRANSPORT_DISRUPTED
    EXPECT_EQ(interpret_tur_reply(disrupted).verdict, TurVerdict::Down);
    TurReply timed_out;
    timed_out.driver_status = 0x06;  // DRIVER_TIMEOUT
    auto decision = interpret_tur_reply(timed_out);
    EXPECT_EQ(decision.verdict, TurVerdict::Down);
    EXPECT_NE(decision.message.find("timed out"), std::string::npos);
}

TEST(ATestUnitReady, AnsweredBusyOrReservedMeansTheTransportIsUp) {
    TurReply busy;
    busy.scsi_status = 0x08;
    EXPECT_EQ(interpret_tur_reply(busy).verdict, TurVerdict::Up);
    TurReply reserved;
    reserved.scsi_status = 0x18;
    EXPECT_EQ(interpret_tur_reply(reserved).verdict, TurVerdict::Up);
}

TEST(TheTurChecker, ReportsDownWhenTheDeviceDoesNotExist) {
    TurChecker checker;
    ports::CheckRequest request;
    request.devnode = "sdnonexistent";
    request.device_path = "/nonexistent/pathkeeper/sdx";
    auto outcome = checker.check(request);
    EXPECT_EQ(outcome.state, core::PathState::Down);
    EXPECT_NE(outcome.message.find("open"), std::string::npos);
}

TEST(TheTurChecker, ReportsDownForSomethingThatIsNotAScsiDevice) {
    testing::TempDir dir;
    testing::write_file(dir.path() / "plain", "not a disk");
    TurChecker checker;
    ports::CheckRequest request;
    request.devnode = "plain";
    request.device_path = (dir.path() / "plain").string();
    EXPECT_EQ(checker.check(request).state, core::PathState::Down);
}

// O_DIRECT works on the temp file system (tmpfs does not support it): the directio tests need it.
bool supports_o_direct(const std::filesystem::path& file) {
    int probe = ::open(file.c_str(), O_RDONLY | O_DIRECT);
    if (probe < 0) {
        return false;
    }
    ::close(probe);
    return true;
}

ports::CheckRequest directio_request(const std::string& devnode, const std::filesystem::path& file) {
    ports::CheckRequest request;
    request.devnode = devnode;
    request.device_path = file.string();
    request.kind = core::CheckerKind::Directio;
    return request;
}

TEST(TheDirectioChecker, ReadsTheFirstBlockOfAReadableDevice) {
    testing::TempDir dir;
    const auto file = dir.path() / "device";
    testing::write_file(file, std::string(8192, 'x'));
    if (!supports_o_direct(file)) {
        GTEST_SKIP() << "temp file system does not support O_DIRECT";
    }
    DirectioChecker checker;
    const auto request = directio_request("device", file);
    auto outcome = checker.check(request);
    EXPECT_EQ(outcome.state, core::PathState::Up) << outcome.message;
}

TEST(TheDirectioChecker, ReportsDownForAnEmptyOrMissingDevice) {
    testing::TempDir dir;
    testing::write_file(dir.path() / "empty", "");
    DispatchingChecker checker;
    ports::CheckRequest request;
    request.kind = core::CheckerKind::Directio;
    request.devnode = "empty";
    request.device_path = (dir.path() / "empty").string();
    EXPECT_EQ(checker.check(request).state, core::PathState::Down);
    request.device_path = (dir.path() / "missing").string();
    EXPECT_EQ(checker.check(request).state, core::PathState::Down);
}

TEST(TheDirectioChecker, KeepsAHealthyDeviceOpenUntilThePathIsForgotten) {
    testing::TempDir dir;
    const auto file = dir.path() / "device";
    testing::write_file(file, std::string(8192, 'x'));
    if (!supports_o_direct(file)) {
        GTEST_SKIP() << "temp file system does not support O_DIRECT";
    }
    DirectioChecker checker;
    const auto request = directio_request("device", file);
    ASSERT_EQ(checker.check(request).state, core::PathState::Up);
    EXPECT_EQ(checker.open_devices(), 1u);
    // The second check reads through the kept descriptor: the name no longer matters until forget().
    const auto moved = dir.path() / "renamed";
    std::filesystem::rename(file, moved);
    EXPECT_EQ(checker.check(request).state, core::PathState::Up);
    checker.forget("device");
    EXPECT_EQ(checker.open_devices(), 0u);
    // Forgotten, the path is opened by name again: the name is gone now, so the path is down.
    auto outcome = checker.check(request);
    EXPECT_EQ(outcome.state, core::PathState::Down);
    EXPECT_NE(outcome.message.find("open"), std::string::npos) << outcome.message;
    checker.forget("never-checked");  // nothing kept: nothing to do
}

TEST(TheDirectioChecker, KeepsNoDescriptorOfADeviceThatFailedItsCheck) {
    testing::TempDir dir;
    const auto file = dir.path() / "empty";
    testing::write_file(file, "");
    if (!supports_o_direct(file)) {
        GTEST_SKIP() << "temp file system does not support O_DIRECT";
    }
    DirectioChecker checker;
    const auto request = directio_request("empty", file);
    EXPECT_EQ(checker.check(request).state, core::PathState::Down);
    EXPECT_EQ(checker.open_devices(), 0u);
    // Once the device has data again the next check opens it afresh and finds the path up.
    testing::write_file(file, std::string(8192, 'y'));
    EXPECT_EQ(checker.check(request).state, core::PathState::Up);
    EXPECT_EQ(checker.open_devices(), 1u);
}

TEST(TheTurChecker, KeepsNoDescriptorOfSomethingThatRejectedTheCommand) {
    testing::TempDir dir;
    testing::write_file(dir.path() / "plain", "not a disk");
    TurChecker checker;
    ports::CheckRequest request;
    request.devnode = "plain";
    request.device_path = (dir.path() / "plain").string();
    auto outcome = checker.check(request);
    EXPECT_EQ(outcome.state, core::PathState::Down);
    EXPECT_NE(outcome.message.find("SG_IO"), std::string::npos) << outcome.message;
    EXPECT_EQ(checker.open_devices(), 0u);
}

TEST(OpenDevices, DropsOnlyTheDescriptorAFailedCheckUsed) {
    testing::TempDir dir;
    testing::write_file(dir.path() / "a", "a");
    OpenDevices devices;
    const std::string path = (dir.path() / "a").string();
    auto first = devices.open("sda", path, O_RDONLY | O_CLOEXEC);
    ASSERT_TRUE(first.descriptor);
    EXPECT_FALSE(first.reused);
    auto again = devices.open("sda", path, O_RDONLY | O_CLOEXEC);
    EXPECT_TRUE(again.reused);
    EXPECT_EQ(again.descriptor, first.descriptor);
    devices.forget("sda");
    auto fresh = devices.open("sda", path, O_RDONLY | O_CLOEXEC);
    ASSERT_TRUE(fresh.descriptor);
    EXPECT_FALSE(fresh.reused);
    // A late failure of a check that used the forgotten descriptor must not drop the fresh one.
    devices.drop("sda", first.descriptor);
    EXPECT_EQ(devices.size(), 1u);
    devices.drop("sda", fresh.descriptor);
    EXPECT_EQ(devices.size(), 0u);
    auto missing = devices.open("sdb", (dir.path() / "missing").string(), O_RDONLY | O_CLOEXEC);
    EXPECT_FALSE(missing.descriptor);
    EXPECT_EQ(missing.error, ENOENT);
    EXPECT_EQ(devices.size(), 0u);
}

TEST(OpenDevices, GivesUpAnIdleDescriptorWhenTheProcessRunsOutOfFiles) {
    testing::TempDir dir;
    testing::write_file(dir.path() / "a", "a");
    testing::write_file(dir.path() / "b", "b");
    OpenDevices devices;
    ASSERT_TRUE(devices.open("sda", (dir.path() / "a").string(), O_RDONLY | O_CLOEXEC).descriptor);
    // No free descriptor below the soft limit: every further open fails with EMFILE until one is closed.
    const int lowest_free = ::dup(0);
    ASSERT_GE(lowest_free, 0);
    ::close(lowest_free);
    struct rlimit saved {};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    struct rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(lowest_free);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
    auto b = devices.open("sdb", (dir.path() / "b").string(), O_RDONLY | O_CLOEXEC);
    // While b's descriptor is in use it cannot be given up: the next open has nothing left to take.
    auto c = devices.open("sdc", (dir.path() / "b").string(), O_RDONLY | O_CLOEXEC);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    ASSERT_TRUE(b.descriptor) << "errno " << b.error;
    EXPECT_EQ(devices.size(), 1u);
    EXPECT_TRUE(devices.open("sdb", (dir.path() / "b").string(), O_RDONLY | O_CLOEXEC).reused);
    EXPECT_FALSE(c.descriptor);
    EXPECT_EQ(c.error, EMFILE);
}

}  // namespace
}  // namespace pathkeeper::os
