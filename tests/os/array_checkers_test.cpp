// The array checkers' adaptor on what a host test can offer: a missing device and a plain file (SG_IO
// refused). Their readings of real replies are core/array_pages.hpp's, unit tested on constructed pages.

#include "os/array_checkers.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace pathkeeper::os {
namespace {

ports::CheckRequest request_for(core::CheckerKind kind, const std::string& device_path) {
    ports::CheckRequest request;
    request.devnode = "sdx";
    request.device_path = device_path;
    request.kind = kind;
    return request;
}

TEST(TheArrayCheckers, ReportADeviceThatCannotBeOpenedDownByName) {
    ArrayChecker checker;
    for (auto kind : {core::CheckerKind::Readsector0, core::CheckerKind::Rdac, core::CheckerKind::HpSw,
                      core::CheckerKind::EmcClariion}) {
        auto outcome = checker.check(request_for(kind, "/nonexistent/pathkeeper/sdx"));
        EXPECT_EQ(outcome.state, core::PathState::Down) << core::to_string(kind);
        EXPECT_NE(outcome.message.find(core::to_string(kind)), std::string::npos) << outcome.message;
        EXPECT_NE(outcome.message.find("open"), std::string::npos) << outcome.message;
    }
}

TEST(TheArrayCheckers, ReportSomethingThatIsNotAScsiDeviceDownAndMeasureNothing) {
    testing::TempDir dir;
    testing::write_file(dir.path() / "plain", "not a disk");
    ArrayChecker checker;
    for (auto kind : {core::CheckerKind::Readsector0, core::CheckerKind::Rdac, core::CheckerKind::HpSw,
                      core::CheckerKind::EmcClariion}) {
        auto request = request_for(kind, (dir.path() / "plain").string());
        request.prio = core::PrioKind::Rdac;
        request.probe_rdac = true;
        auto outcome = checker.check(request);
        EXPECT_EQ(outcome.state, core::PathState::Down) << core::to_string(kind);
        EXPECT_NE(outcome.message.find("SG_IO"), std::string::npos) << outcome.message;
        EXPECT_FALSE(outcome.priority.has_value());  // a path that did not answer is not measured
        EXPECT_FALSE(outcome.reports_rdac.has_value());
    }
}

TEST(TheDispatchingChecker, RoutesTheArrayCheckersToTheirImplementation) {
    DispatchingChecker checker;
    auto outcome = checker.check(request_for(core::CheckerKind::HpSw, "/nonexistent/pathkeeper/sdx"));
    EXPECT_EQ(outcome.state, core::PathState::Down);
    EXPECT_EQ(outcome.message.find("not implemented"), std::string::npos) << outcome.message;
    EXPECT_NE(outcome.message.find("hp_sw"), std::string::npos) << outcome.message;
}

}  // namespace
}  // namespace pathkeeper::os
