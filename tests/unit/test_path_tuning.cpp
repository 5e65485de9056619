// The SCSI settings of a map's paths: eh_deadline and max_sectors_kb as configuration text, the kernel's
// rules for an FC remote port's timeouts (from the configuration alone: --check-config), and which transport
// gets what.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config_file.hpp"
#include "core/path_tuning.hpp"

namespace pathkeeper::core {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(AnEhDeadline, ReadsKernelOffAndWholeSeconds) {
    EXPECT_EQ(parse_eh_deadline("kernel").value(), EhDeadline::kernel());
    EXPECT_EQ(parse_eh_deadline("OFF").value(), EhDeadline::off());
    EXPECT_EQ(parse_eh_deadline("30").value(), EhDeadline::after(30s));
    EXPECT_EQ(parse_eh_deadline("2m").value(), EhDeadline::after(120s));
    EXPECT_EQ(to_string(EhDeadline::after(120s)), "2m");
    EXPECT_EQ(to_string(EhDeadline::off()), "off");
    EXPECT_EQ(to_string(EhDeadline::kernel()), "kernel");
}

TEST(AnEhDeadline, RefusesFractionsAndMoreThanTheKernelHolds) {
    EXPECT_THAT(parse_eh_deadline("1500ms").error().message,
                HasSubstr("invalid eh_deadline \"1500ms\" (valid: kernel, off, or whole seconds"));
    EXPECT_THAT(parse_eh_deadline("4294968").error().message, HasSubstr("longer than 4294967s"));
    EXPECT_FALSE(parse_eh_deadline("-1").ok());
}

TEST(AMaxSectorsKb, ReadsKernelOrKibWithinTheBlockLayersRange) {
    EXPECT_TRUE(parse_max_sectors_kb("kernel").value().is_kernel());
    EXPECT_EQ(parse_max_sectors_kb("512").value(), MaxSectorsKb::of(512));
    EXPECT_EQ(to_string(MaxSectorsKb::of(512)), "512");
    EXPECT_THAT(parse_max_sectors_kb("2").error().message,
                HasSubstr("invalid max_sectors_kb \"2\" (valid: kernel, or KiB from 4 to 2147483647)"));
    EXPECT_FALSE(parse_max_sectors_kb("512k").ok());
    EXPECT_FALSE(parse_max_sectors_kb("").ok());
}

TEST(FcTimeouts, AcceptAFastIoFailNotShorterThanDevLossTmo) {
    // Applied as fast_io_fail off (below); an array's recommended settings may say so (equal values).
    EXPECT_TRUE(check_fc_timeouts(40s, DevLossTmo::after(30s)).ok());
    EXPECT_TRUE(check_fc_timeouts(30s, DevLossTmo::after(30s)).ok());
    EXPECT_TRUE(check_fc_timeouts(5s, DevLossTmo::after(30s)).ok());
    EXPECT_TRUE(check_fc_timeouts(5s, DevLossTmo::infinity()).ok());
}

TEST(FcTimeouts, NeedFastIoFailOnForDevLossTmoAbove600s) {
    EXPECT_EQ(check_fc_timeouts(kFastIoFailOff, DevLossTmo::after(900s)).error().message,
              "dev_loss_tmo 900s is longer than 600s while fast_io_fail is off: the kernel refuses it (give "
              "fast_io_fail seconds)");
    EXPECT_THAT(check_fc_timeouts(kFastIoFailOff, DevLossTmo::infinity()).error().message,
                HasSubstr("dev_loss_tmo infinity is longer than 600s"));
    EXPECT_TRUE(check_fc_timeouts(kFastIoFailOff, DevLossTmo::after(600s)).ok());
}

TEST(FcTimeouts, CapFastIoFailAt600sAndDevLossTmoAtTheKernelsU32) {
    EXPECT_EQ(check_fc_timeouts(700s, DevLossTmo::after(900s)).error().message,
              "fast_io_fail 700s is longer than 600s, the most the kernel accepts for an FC remote port's "
              "fast_io_fail_tmo");
    EXPECT_THAT(check_fc_timeouts(5s, DevLossTmo::after(std::chrono::seconds(4294967296))).error().message,
                HasSubstr("dev_loss_tmo 4294967296s is longer than 4294967295s"));
    EXPECT_TRUE(check_fc_timeouts(std::nullopt, DevLossTmo::after(900s)).ok());
}

ResolvedMapOptions resolved(const std::string& yaml) {
    auto config = config::parse_config(yaml, "test.yaml");
    EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().message);
    return resolve_map_options(config.ok() ? *config : Config{}, "3600a", "ACME", "X");
}

TEST(PathTuningPlan, GivesAnFcPathItsRemotePortsTimeouts) {
    const auto options = resolved("defaults:\n  fast_io_fail: 5s\n  dev_loss_tmo: infinity\n");
    const PlannedTuning fc = plan_path_tuning(options, Transport::Fc);
    EXPECT_EQ(to_string(fc.tuning), "fast_io_fail_tmo=5 dev_loss_tmo=4294967295");
    EXPECT_EQ(fc.refused, "");
}

TEST(PathTuningPlan, GivesIscsiSasAndOtherPathsNoFcTimeouts) {
    const auto options = resolved("defaults:\n  fast_io_fail: 5s\n  dev_loss_tmo: 600s\n");
    for (Transport t : {Transport::Iscsi, Transport::Sas, Transport::Other, Transport::Unknown}) {
        EXPECT_TRUE(plan_path_tuning(options, t).tuning.empty()) << to_string(t);
    }
}

TEST(PathTuningPlan, LeavesFcPortsAloneOnTheBuiltInDefaults) {
    // The built-in fast_io_fail (0 s) is iSCSI's switched recovery_tmo; it is no reason to touch FC ports.
    EXPECT_TRUE(plan_path_tuning(resolved(""), Transport::Fc).tuning.empty());
}

TEST(PathTuningPlan, TurnsFastIoFailOffWhenItIsNotShorterThanDevLossTmo) {
    const auto options = resolved(
        "defaults:\n  fast_io_fail: 40s\n  eh_deadline: 10s\n  max_sectors_kb: 256\n"
        "overrides:\n  dev_loss_tmo: 30s\n");
    const PlannedTuning fc = plan_path_tuning(options, Transport::Fc);
    EXPECT_EQ(fc.refused, "");
    EXPECT_EQ(
        fc.adjusted,
        "fast_io_fail 40s is not shorter than dev_loss_tmo 30s: the FC remote port's fast_io_fail_tmo is "
        "turned off instead");
    EXPECT_EQ(to_string(fc.tuning), "fast_io_fail_tmo=off dev_loss_tmo=30 eh_deadline=10 max_sectors_kb=256");
}

TEST(PathTuningPlan, RefusesFcTimeoutsTheKernelWouldButKeepsTheRest) {
    const auto options = resolved(
        "defaults:\n  fast_io_fail: off\n  eh_deadline: 10s\n  max_sectors_kb: 256\n"
        "overrides:\n  dev_loss_tmo: 900s\n");
    const PlannedTuning fc = plan_path_tuning(options, Transport::Fc);
    EXPECT_THAT(fc.refused, HasSubstr("dev_loss_tmo 900s is longer than 600s while fast_io_fail is off"));
    EXPECT_EQ(to_string(fc.tuning), "eh_deadline=10 max_sectors_kb=256");
}

TEST(PathTuningPlan, GivesEveryScsiPathItsHostDeadlineAndQueueSize) {
    const auto options = resolved("defaults:\n  eh_deadline: off\n  max_sectors_kb: 1024\n");
    for (Transport t : {Transport::Iscsi, Transport::Fc, Transport::Sas, Transport::Other}) {
        EXPECT_EQ(to_string(plan_path_tuning(options, t).tuning), "eh_deadline=off max_sectors_kb=1024")
            << to_string(t);
    }
}

TEST(ACheckedConfig, RefusesABlockWhoseFcTimeoutsTheKernelWouldRefuse) {
    auto r = config::parse_config("defaults:\n  fast_io_fail: 700s\n  dev_loss_tmo: 900s\n", "test.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.error().message, HasSubstr("defaults.dev_loss_tmo: fast_io_fail 700s is longer than 600s"));
    auto off = config::parse_config(
        "devices:\n  - vendor: ACME\n    product: X\n    fast_io_fail: off\n    dev_loss_tmo: 900s\n",
        "test.yaml");
    ASSERT_FALSE(off.ok());
    EXPECT_THAT(off.error().message,
                HasSubstr("dev_loss_tmo 900s is longer than 600s while fast_io_fail is off"));
}

TEST(ACheckedConfig, ReadsEhDeadlineAndMaxSectorsKb) {
    auto r = config::parse_config("defaults:\n  eh_deadline: 30s\n  max_sectors_kb: 512\n", "test.yaml");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->defaults.map.eh_deadline, EhDeadline::after(30s));
    EXPECT_EQ(r->defaults.map.max_sectors_kb, MaxSectorsKb::of(512));
    auto bad = config::parse_config("defaults:\n  max_sectors_kb: lots\n", "test.yaml");
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().message, HasSubstr("defaults.max_sectors_kb"));
}

}  // namespace
}  // namespace pathkeeper::core
