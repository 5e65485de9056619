#include <gtest/gtest.h>

#include "os/device_mapper.hpp"
#include "os/logger.hpp"

namespace pathkeeper::os {
namespace {

TEST(LogLines, NameTheMapAndThePathBeforeTheMessage) {
    EXPECT_EQ(JournalLogger::format_line({"mpatha", "sdb"}, "tur checker reports path is down"),
              "mpatha: sdb: tur checker reports path is down");
    EXPECT_EQ(JournalLogger::format_line({"", "sdb"}, "added"), "sdb: added");
    EXPECT_EQ(JournalLogger::format_line({}, "ready"), "ready");
}

TEST(LogLines, AStructuredEventReadsOnStderrLikeAnyLine) {
    JournalLogger logger(LoggerOptions{.to_stderr = true, .to_journal = false});
    ports::LogEvent event;
    event.level = core::LogLevel::Warning;
    event.message_id = "996359377edb431d9c7c49138d90e433";
    event.context = {"mpatha", "sdb"};
    event.fields = {{"WWID", "3600"}, {"OLD", "up"}, {"NEW", "down"}};
    event.message = "path up -> down: checker reports down";
    testing::internal::CaptureStderr();
    logger.log_event(event);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "pathkeeperd[warning]: mpatha: sdb: path up -> down: checker reports down\n");
}

TEST(TheLibdevmapperAdaptor, ReturnsErrorsInsteadOfCrashingWhenAMapDoesNotExist) {
    // On a host without device-mapper this exercises the "no control device" path; in the VM the "no such
    // map" path. Either way: an error Result, no exception, no abort.
    LibDeviceMapper dm(DeviceMapperOptions{false, true});
    auto map = dm.get_map("pathkeeper-test-no-such-map");
    EXPECT_FALSE(map.ok());
    EXPECT_FALSE(dm.send_message("pathkeeper-test-no-such-map", "fail_path 8:16").ok());
    EXPECT_FALSE(dm.remove_map("pathkeeper-test-no-such-map", {}).ok());
}

TEST(ADmMapInfo, TakesItsWwidFromTheMpathUuid) {
    ports::DmMapInfo map;
    map.uuid = "mpath-36001405abc";
    EXPECT_EQ(map.wwid(), "36001405abc");
    map.uuid = "CRYPT-LUKS2-xyz";
    EXPECT_EQ(map.wwid(), "");
}

}  // namespace
}  // namespace pathkeeper::os
