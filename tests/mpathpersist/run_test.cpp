#include "cli/mpathpersist/run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "fake_map.hpp"
#include "sim/pr_target.hpp"

namespace pathkeeper::mpathpersist {
namespace {

using testing::FakeMaps;

// One cluster node: its own view of the map (sysfs, dm status) and its own paths to the shared LU.
class Node {
public:
    Node(sim::SimPrTarget& target, std::vector<testing::FakePath> paths) {
        maps_.add_map("253:0", "mpatha", paths);
        for (const auto& path : paths) {
            target.add_path("/dev/" + path.devnode, "lu0", path.host);
        }
        env_.device_number = [](const std::string& device) -> core::Result<core::DevT> {
            if (device == "/dev/mapper/mpatha") {
                return core::DevT{253, 0};
            }
            return core::Error{core::ErrorCode::NotFound, "No such file or directory"};
        };
        env_.sysfs_root = maps_.root();
        env_.read_status = maps_.reader();
        env_.transport = &target;
    }

    FakeMaps& maps() { return maps_; }

    int run(std::vector<std::string_view> args) {
        out_.str("");
        err_.str("");
        env_.out = &out_;
        env_.err = &err_;
        return mpathpersist::run(args, env_);
    }
    std::string out() const { return out_.str(); }
    std::string err() const { return err_.str(); }

private:
    FakeMaps maps_;
    Environment env_;
    std::ostringstream out_;
    std::ostringstream err_;
};

constexpr const char* kDev = "/dev/mapper/mpatha";

TEST(MpathpersistRun, FenceMpathSequenceBetweenTwoNodes) {
    sim::SimPrTarget target;
    Node a(target, {{"sdc", "8:32", "host3", 'A'}, {"sdd", "8:48", "host4", 'A'}});
    Node b(target, {{"sde", "8:64", "host5", 'A'}, {"sdf", "8:80", "host6", 'A'}});

    EXPECT_EQ(a.run({"-i", "-k", "-d", kDev}), 0) << a.err();
    EXPECT_EQ(a.out(), "  PR generation=0x0, there are NO registered reservation keys\n");

    // fence_mpath "on": register through every path, then reserve.
    ASSERT_EQ(a.run({"-o", "--register", "--param-sark=1f2e0001", "-d", kDev}), 0) << a.err();
    EXPECT_EQ(target.key_of("/dev/sdc"), 0x1f2e0001U);
    EXPECT_EQ(target.key_of("/dev/sdd"), 0x1f2e0001U);
    ASSERT_EQ(a.run({"-o", "--reserve", "--prout-type=5", "--param-rk=1f2e0001", "-d", kDev}), 0) << a.err();
    ASSERT_EQ(b.run({"-o", "--register", "--param-sark=0x1f2e0002", "-d", kDev}), 0) << b.err();

    ASSERT_EQ(b.run({"-i", "-k", "-d", kDev}), 0) << b.err();
    EXPECT_EQ(b.out(),
              "  PR generation=0x4, 4 registered reservation key(s) follow:\n"
              "    0x1f2e0001\n"
              "    0x1f2e0001\n"
              "    0x1f2e0002\n"
              "    0x1f2e0002\n");
    ASSERT_EQ(b.run({"-i", "-r", "-d", kDev}), 0) << b.err();
    EXPECT_EQ(b.out(),
              "  PR generation=0x4, Reservation follows:\n"
              "   Key = 0x1f2e0001\n"
              "  scope = LU_SCOPE, type = Write Exclusive, registrants only\n");

    // b fences a: preempt a's key (and its reservation) with b's.
    ASSERT_EQ(b.run({"-o", "--preempt-abort", "--prout-type=5", "--param-rk=1f2e0002",
                     "--param-sark=1f2e0001", "-d", kDev}),
              0)
        << b.err();
    EXPECT_EQ(target.key_of("/dev/sdc"), std::nullopt);
    ASSERT_EQ(a.run({"-i", "-r", "-d", kDev}), 0) << a.err();
    EXPECT_NE(a.out().find("Key = 0x1f2e0002\n"), std::string::npos) << a.out();

    // a, fenced, can no longer reserve: reservation conflict, exit status 11, one line naming the device.
    EXPECT_EQ(a.run({"-o", "--reserve", "--prout-type=5", "--param-rk=1f2e0001", "-d", kDev}), 11);
    EXPECT_TRUE(a.out().empty());
    EXPECT_EQ(a.err().rfind("pathkeeper-mpathpersist: /dev/mapper/mpatha: reservation conflict: ", 0), 0U)
        << a.err();
    const std::string err = a.err();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST(MpathpersistRun, FailedPathsAreSkippedAndListedWhenVerbose) {
    sim::SimPrTarget target;
    Node a(target, {{"sdc", "8:32", "host3", 'F'}, {"sdd", "8:48", "host4", 'A'}});
    ASSERT_EQ(a.run({"-v", "2", "-o", "-G", "-S", "abc", kDev}), 0) << a.err();
    EXPECT_EQ(target.command_count("/dev/sdc"), 0U);
    EXPECT_EQ(target.key_of("/dev/sdd"), 0xabcU);
    EXPECT_NE(a.err().find("/dev/mapper/mpatha: skipping path sdc (failed in dm)"), std::string::npos)
        << a.err();
    EXPECT_NE(a.err().find("1 of 2 paths usable"), std::string::npos) << a.err();

    // Without -v 2 a success prints nothing on stderr.
    ASSERT_EQ(a.run({"-i", "-k", kDev}), 0);
    EXPECT_TRUE(a.err().empty()) << a.err();
}

TEST(MpathpersistRun, NoUsablePathIsADmmpError) {
    sim::SimPrTarget target;
    Node a(target, {{"sdc", "8:32", "host3", 'F'}, {"sdd", "8:48", "host4", 'F'}});
    EXPECT_EQ(a.run({"-i", "-k", "-d", kDev}), 13);
    EXPECT_EQ(a.err(),
              "pathkeeper-mpathpersist: /dev/mapper/mpatha: no usable path: every path of map mpatha "
              "is failed\n");
    EXPECT_EQ(target.command_count("/dev/sdc") + target.command_count("/dev/sdd"), 0U);
}

TEST(MpathpersistRun, DeviceErrors) {
    sim::SimPrTarget target;
    Node a(target, {{"sdc", "8:32", "host3", 'A'}});
    EXPECT_EQ(a.run({"-i", "-k", "-d", "/dev/mapper/nothere"}), 12);
    EXPECT_EQ(a.err(), "pathkeeper-mpathpersist: /dev/mapper/nothere: no such device\n");

    a.maps().set_targets("253:0", {DmTargetStatus{"linear", "8:0 0"}});
    EXPECT_EQ(a.run({"-i", "-k", "-d", kDev}), 13);
    EXPECT_NE(a.err().find("/dev/mapper/mpatha: not a multipath map"), std::string::npos) << a.err();

    EXPECT_EQ(a.run({"-i", "-k", "--bogus", kDev}), 1);
    EXPECT_NE(a.err().find("unknown option '--bogus'"), std::string::npos);
}

TEST(MpathpersistRun, UnsupportedTargetAndHexAndCapabilities) {
    sim::SimPrTarget target;
    Node a(target, {{"sdc", "8:32", "host3", 'A'}});
    ASSERT_EQ(a.run({"-i", "-c", kDev}), 0) << a.err();
    EXPECT_EQ(a.out().rfind("Report capabilities response:\n", 0), 0U) << a.out();

    ASSERT_EQ(a.run({"-o", "-G", "-S", "0x5", kDev}), 0) << a.err();
    ASSERT_EQ(a.run({"-i", "-k", "-H", kDev}), 0) << a.err();
    EXPECT_EQ(a.out(), "00     00 00 00 01 00 00 00 08  00 00 00 00 00 00 00 05\n");
    // --alloc-length caps what the target may return: 8 bytes hold the header only.
    ASSERT_EQ(a.run({"-i", "-k", "-H", "-l", "8", kDev}), 0) << a.err();
    EXPECT_EQ(a.out(), "00     00 00 00 01 00 00 00 08\n");

    target.set_supported("lu0", false);
    EXPECT_EQ(a.run({"-i", "-k", kDev}), 7);
    EXPECT_NE(a.err().find("not supported"), std::string::npos) << a.err();
}

TEST(MpathpersistRun, HelpGoesToStdout) {
    sim::SimPrTarget target;
    Node a(target, {});
    EXPECT_EQ(a.run({"--help"}), 0);
    EXPECT_EQ(a.out().rfind("Usage: pathkeeper-mpathpersist", 0), 0U);
}

TEST(MpathpersistRun, ExitCodesFollowMpathpersist) {
    core::ScsiCompletion completion;
    completion.outcome = core::ScsiOutcome::Busy;
    EXPECT_EQ(exit_code_for(completion), ExitCode::Other);
    completion.sense = core::SenseData{0x70, false, false, core::SenseKey::NotReady, false, 0, 0};
    EXPECT_EQ(exit_code_for(completion), ExitCode::NotReady);
    completion.outcome = core::ScsiOutcome::Failed;
    completion.sense->sense_key = core::SenseKey::MediumError;
    EXPECT_EQ(exit_code_for(completion), ExitCode::MediumError);
    completion.sense->sense_key = core::SenseKey::HardwareError;
    EXPECT_EQ(exit_code_for(completion), ExitCode::HardwareError);
    completion.outcome = core::ScsiOutcome::UnitAttention;
    EXPECT_EQ(exit_code_for(completion), ExitCode::UnitAttention);
    completion.outcome = core::ScsiOutcome::IllegalRequest;
    EXPECT_EQ(exit_code_for(completion), ExitCode::IllegalRequest);
    EXPECT_EQ(to_int(ExitCode::ReservationConflict), 11);
    EXPECT_EQ(to_int(ExitCode::DmmpError), 13);
}

}  // namespace
}  // namespace pathkeeper::mpathpersist
