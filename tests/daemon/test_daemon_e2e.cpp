// pathkeeperd itself, end to end on the simulated back end: scenario file -> daemon -> fake dm state.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon_process.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::daemon {
namespace {

const std::string kData = PATHKEEPER_DAEMON_TEST_DATA_DIR;

class ASimulatedHost : public ::testing::Test {
protected:
    std::string state() const { return dir_.path() + "/state"; }
    std::string tables() const { return read_text(state() + "/sim/tables"); }
    std::string status() const { return read_text(state() + "/sim/status"); }
    std::string ops() const { return read_text(state() + "/sim/ops.log"); }
    std::string config_path() const { return dir_.path() + "/pathkeeper.yaml"; }
    void write_config(const std::string& text) const { std::ofstream(config_path()) << text; }

    std::unique_ptr<DaemonProcess> start(const std::string& scenario, const std::string& log = "daemon.log",
                                         bool with_config = true) const {
        std::vector<std::string> args{"--backend",   "sim",   "--sim-scenario", kData + "/" + scenario,
                                      "--state-dir", state(), "--foreground",   "--no-dbus"};
        if (with_config) {
            args.push_back("--config");
            args.push_back(config_path());
        }
        return std::make_unique<DaemonProcess>(args, dir_.path() + "/" + log);
    }

    void SetUp() override {
        write_config("defaults:\n  polling_interval: 1s\n  user_friendly_names: false\n");
    }

    TempDir dir_;
};

TEST_F(ASimulatedHost, GetsOneMapPerLunWithBothPathsAndTheWwidUuid) {
    auto daemon = start("two-luns.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready: 2 maps, 4 paths"); })) << daemon->log();
    EXPECT_NE(
        tables().find("36001405aaaaaaaaaaaaaaaaaaaaaaaa1: 1 queue_if_no_path 1 alua 1 1 service-time 0 2 1 "
                      "8:16 1 8:32 1"),
        std::string::npos)
        << tables();
    EXPECT_NE(tables().find("36001405bbbbbbbbbbbbbbbbbbbbbbbb2: "), std::string::npos) << tables();
    EXPECT_NE(ops().find("create 36001405aaaaaaaaaaaaaaaaaaaaaaaa1 mpath-36001405aaaaaaaaaaaaaaaaaaaaaaaa1 "),
              std::string::npos)
        << ops();
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("sde: path pending -> up"); })) << daemon->log();
}

TEST_F(ASimulatedHost, AdoptsAnEquivalentMapWithoutReloadingIt) {
    // user_friendly_names keeps the existing name mpatha (with it off the map would be renamed to its WWID).
    write_config("defaults:\n  polling_interval: 1s\n  user_friendly_names: true\n");
    auto daemon = start("adopt-existing.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready: 2 maps"); })) << daemon->log();
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("sde: path pending -> up"); })) << daemon->log();
    const std::string log = ops();
    EXPECT_EQ(log.find("reload mpatha"), std::string::npos) << log;
    EXPECT_EQ(log.find("create mpatha"), std::string::npos) << log;
    EXPECT_EQ(log.find("rename mpatha"), std::string::npos) << log;
    EXPECT_TRUE(daemon->log_contains("adopted existing map; table matches, not reloaded")) << daemon->log();
    EXPECT_NE(log.find("create mpathb mpath-36001405bbbbbbbbbbbbbbbbbbbbbbbb2 "), std::string::npos) << log;
    // Both names are persisted in the bindings file (multipath-tools' format) so they survive a restart.
    EXPECT_TRUE(eventually([&] {
        const auto bindings = read_text(state() + "/bindings");
        return bindings.find("mpatha 36001405aaaaaaaaaaaaaaaaaaaaaaaa1") != std::string::npos &&
               bindings.find("mpathb 36001405bbbbbbbbbbbbbbbbbbbbbbbb2") != std::string::npos;
    })) << read_text(state() + "/bindings");
    EXPECT_NE(tables().find("mpatha: "), std::string::npos);
}

TEST_F(ASimulatedHost, GroupsPathsByThePriorityTheirChecksMeasure) {
    write_config(
        "defaults:\n  polling_interval: 1s\n  user_friendly_names: false\n  path_checker: rdac\n"
        "  prio: rdac\n  path_grouping_policy: group_by_prio\n  failback: immediate\n");
    auto daemon = start("array-priorities.yaml");
    const std::string map = "36001405ffffffffffffffffffffffff6";
    // Created with both paths unmeasured in one group; the measured priorities split it, and failback
    // immediate puts I/O on the owner's path sdc (group order alone does not reload a table).
    ASSERT_TRUE(eventually([&] {
        return daemon->log_contains("sdb: priority unknown -> 1") &&
               daemon->log_contains("sdc: priority unknown -> 6");
    })) << daemon->log();
    // The sim's table shows the group dm uses as the initial one: sdc's, wherever it is listed.
    ASSERT_TRUE(eventually([&] {
        const std::string t = tables();
        return t.find(map + ": 0 0 2 1 service-time 0 1 1 8:32 1 service-time 0 1 1 8:16 1") !=
                   std::string::npos ||
               t.find(map + ": 0 0 2 2 service-time 0 1 1 8:16 1 service-time 0 1 1 8:32 1") !=
                   std::string::npos;
    })) << tables()
        << ops() << daemon->log();
    EXPECT_TRUE(daemon->log_contains("sdb: path pending -> ghost")) << daemon->log();
}

TEST_F(ASimulatedHost, FailsAPathTheCheckerReportsDownAndReinstatesItWhenItComesBack) {
    auto daemon = start("path-failure.yaml");
    ASSERT_TRUE(eventually([&] {
        return ops().find("message 36001405cccccccccccccccccccccccc3 fail_path 8:16") != std::string::npos;
    })) << ops()
        << daemon->log();
    EXPECT_TRUE(eventually([&] {
        return ops().find("message 36001405cccccccccccccccccccccccc3 reinstate_path 8:16") !=
               std::string::npos;
    })) << ops();
    EXPECT_TRUE(eventually([&] { return status().find("8:16 A") != std::string::npos; })) << status();
}

TEST_F(ASimulatedHost, ReinstatesAPathTheKernelFailedWhileItsCheckerSaysUp) {
    auto daemon = start("path-failure.yaml");
    ASSERT_TRUE(eventually([&] { return ops().find("sim kernel-fail sdc") != std::string::npos; })) << ops();
    EXPECT_TRUE(eventually([&] {
        return ops().find("message 36001405cccccccccccccccccccccccc3 reinstate_path 8:32") !=
               std::string::npos;
    })) << ops()
        << daemon->log();
}

TEST_F(ASimulatedHost, ShortensRecoveryTmoOfSessionsWhoseMapHasAnotherPath) {
    auto daemon = start("iscsi-session-failure.yaml");
    EXPECT_TRUE(eventually([&] {
        // The default fast_io_fail is 0 s: fail stuck I/O over as soon as the session is declared dead.
        return ops().find("recovery_tmo session1 0") != std::string::npos &&
               ops().find("recovery_tmo session2 0") != std::string::npos;
    })) << ops()
        << daemon->log();
}

TEST_F(ASimulatedHost, FailsAPathWhenItsIscsiSessionFailsWithoutWaitingForTheChecker) {
    // A 30 s polling interval: only the session-state poll can notice the failure within a few seconds.
    write_config("defaults:\n  polling_interval: 30s\n  user_friendly_names: false\n");
    auto daemon = start("iscsi-session-failure.yaml");
    ASSERT_TRUE(eventually([&] {
        return ops().find("message 36001405dddddddddddddddddddddddd4 fail_path 8:16") != std::string::npos;
    })) << ops()
        << daemon->log();
    EXPECT_TRUE(daemon->log_contains("iSCSI session state LOGGED_IN -> FAILED")) << daemon->log();
    // The session logs in again: the path is checked at once and reinstated, not at the next 30 s tick.
    EXPECT_TRUE(eventually([&] {
        return ops().find("message 36001405dddddddddddddddddddddddd4 reinstate_path 8:16") !=
               std::string::npos;
    })) << ops()
        << daemon->log();
    EXPECT_TRUE(daemon->log_contains("iSCSI session state FAILED -> LOGGED_IN")) << daemon->log();
}

TEST_F(ASimulatedHost, FailsAPathWhoseScsiDeviceGoesOfflineWithoutWaitingForTheChecker) {
    // Not iSCSI, 30 s polling interval: only the SCSI device-state poll can notice within a few seconds. (The
    // simulated host shows a path whose target stopped answering as an offline device.)
    write_config("defaults:\n  polling_interval: 30s\n  user_friendly_names: false\n");
    auto daemon = start("path-failure.yaml");
    ASSERT_TRUE(eventually([&] {
        return ops().find("message 36001405cccccccccccccccccccccccc3 fail_path 8:16") != std::string::npos;
    })) << ops()
        << daemon->log();
    EXPECT_TRUE(daemon->log_contains("SCSI device state running -> offline")) << daemon->log();
    // Running again: checked at once and reinstated, not at the next 30 s tick.
    EXPECT_TRUE(eventually([&] {
        return ops().find("message 36001405cccccccccccccccccccccccc3 reinstate_path 8:16") !=
               std::string::npos;
    })) << ops()
        << daemon->log();
    // The fast re-check of the failed path may reinstate it before the once-a-second state poll runs.
    EXPECT_TRUE(eventually([&] { return daemon->log_contains("SCSI device state offline -> running"); }))
        << daemon->log();
}

TEST_F(ASimulatedHost, FailsEveryPathOfATargetTheTransportOfflinedWithoutWaitingForTheChecker) {
    // A transport offlines a target's disks together, without a uevent: every one of them is failed, through
    // the device-state poll, and the other target's paths keep carrying I/O.
    write_config("defaults:\n  polling_interval: 30s\n  user_friendly_names: false\n");
    auto daemon = start("target-offline.yaml");
    for (const char* fail : {"message 36001405ffffffffffffffffffffffff6 fail_path 8:16",
                             "message 36001405ffffffffffffffffffffffff7 fail_path 8:48"}) {
        EXPECT_TRUE(eventually([&] { return ops().find(fail) != std::string::npos; }))
            << fail << "\n"
            << ops() << daemon->log();
    }
    EXPECT_TRUE(daemon->log_contains("sdb: SCSI device state running -> offline")) << daemon->log();
    EXPECT_TRUE(daemon->log_contains("sdd: SCSI device state running -> offline")) << daemon->log();
    // The other target's disks carry on.
    EXPECT_EQ(ops().find("fail_path 8:32"), std::string::npos) << ops();
    EXPECT_EQ(ops().find("fail_path 8:64"), std::string::npos) << ops();
}

TEST_F(ASimulatedHost, FollowsAnAluaSwapTheKernelMadeWithoutAUeventWithoutWaitingForTheChecker) {
    // The kernel updates access_state of every path of the LU from one REPORT TARGET PORT GROUPS, with no
    // uevent for them: with a 30 s polling interval only the ALUA state poll can notice, and it sees both
    // paths change in one tick, so the map switches to the newly optimized group without passing through a
    // merged table.
    write_config(
        "defaults:\n  polling_interval: 30s\n  user_friendly_names: false\n"
        "overrides:\n  path_grouping_policy: group_by_prio\n  prio: alua\n  failback: immediate\n");
    auto daemon = start("alua-swap.yaml");
    ASSERT_TRUE(eventually([&] {
        return ops().find("message 36001405eeeeeeeeeeeeeeeeeeeeeeee5 switch_group 2") != std::string::npos;
    })) << ops()
        << daemon->log();
    EXPECT_TRUE(daemon->log_contains("sdb: ALUA state active/optimized -> active/non-optimized"))
        << daemon->log();
    EXPECT_TRUE(daemon->log_contains("sdc: ALUA state active/non-optimized -> active/optimized"))
        << daemon->log();
    EXPECT_EQ(ops().find("reload 36001405eeeeeeeeeeeeeeeeeeeeeeee5"), std::string::npos) << ops();
}

TEST_F(ASimulatedHost, AddsAndRemovesMapsAsLunsComeAndGo) {
    auto daemon = start("hotplug.yaml");
    ASSERT_TRUE(eventually([&] {
        return tables().find("36001405eeeeeeeeeeeeeeeeeeeeeeee5: ") != std::string::npos;
    })) << ops()
        << daemon->log();
    EXPECT_TRUE(eventually([&] {
        return ops().find("remove 36001405dddddddddddddddddddddddd4") != std::string::npos;
    })) << ops()
        << daemon->log();
    EXPECT_EQ(ops().find("reload 36001405eeeeeeeeeeeeeeeeeeeeeeee5"), std::string::npos) << ops();
    // The checker lets go of the unplugged disks (it keeps each path's device open between checks).
    EXPECT_TRUE(eventually([&] {
        return ops().find("checker forget sdb") != std::string::npos &&
               ops().find("checker forget sdc") != std::string::npos;
    })) << ops();
    EXPECT_EQ(ops().find("checker forget sdd"), std::string::npos) << ops();
}

TEST_F(ASimulatedHost, FailsAPathOfOneMapWhileUdevIsStuckOnAnotherMapsReload) {
    auto daemon = start("udev-stuck.yaml");
    const std::string fail_sdd = "message 36001405bbbbbbbbbbbbbbbbbbbbbbbb2 fail_path 8:48";
    ASSERT_TRUE(eventually([&] { return ops().find(fail_sdd) != std::string::npos; }))
        << ops() << daemon->log();
    const std::string log = ops();
    const auto reload = log.find("reload 36001405aaaaaaaaaaaaaaaaaaaaaaaa1 ");
    ASSERT_NE(reload, std::string::npos) << log;
    EXPECT_LT(reload, log.find(fail_sdd)) << log;
    // Before udev is released at 4 s: a dm worker waiting for udev inside the reload would send it only then.
    EXPECT_LT(log.find(fail_sdd), log.find("sim udev-release")) << log;
    // The held reload completes once udev finishes; the daemon then stops without waiting out its grace time.
    ASSERT_TRUE(eventually([&] { return ops().find("sim udev-release") != std::string::npos; })) << ops();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(std::chrono::seconds(5)), 0) << daemon->log();
}

// A stuck udev at boot must not hold READY=1: past the stall limit the daemon is ready with the map still
// pending, serves the other map, and completes the held one when udev finishes.
TEST_F(ASimulatedHost, IsReadyDespiteAStuckUdevAndCompletesTheMapLater) {
    std::vector<std::string> args{
        "--backend",   "sim",         "--sim-scenario",      kData + "/udev-stuck-at-start.yaml",
        "--state-dir", state(),       "--foreground",        "--no-dbus",
        "--config",    config_path(), "--startup-udev-wait", "0.5"};
    auto daemon = std::make_unique<DaemonProcess>(args, dir_.path() + "/daemon.log");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready:"); })) << daemon->log();
    EXPECT_TRUE(daemon->log_contains("1 map operation(s) still wait for udev")) << daemon->log();
    // Ready before udev was released: the release is on the timeline, which only runs once the daemon is up.
    EXPECT_EQ(ops().find("sim udev-release"), std::string::npos) << ops();
    EXPECT_NE(tables().find("36001405bbbbbbbbbbbbbbbbbbbbbbbb2: "), std::string::npos) << tables();
    ASSERT_TRUE(eventually([&] { return ops().find("sim udev-release") != std::string::npos; })) << ops();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(std::chrono::seconds(5)), 0) << daemon->log();
    EXPECT_FALSE(daemon->log_contains("failed")) << daemon->log();
}

// Six checks hang (more than the four checker threads) far past their deadline: the healthy LUN's checks
// keep running on threads started in place of the held ones, and its paths are never failed.
TEST_F(ASimulatedHost, KeepsCheckingAndNeverFailsHealthyPathsWhileMoreChecksHangThanItHasWorkers) {
    write_config(
        "defaults:\n  polling_interval: 1s\n  max_polling_interval: 1s\n  checker_timeout: 1s\n"
        "  user_friendly_names: false\n  log_level: debug\n");
    auto daemon = start("hung-checks.yaml");
    ASSERT_TRUE(eventually([&] { return ops().find("sim checker-release sdi") != std::string::npos; }))
        << ops() << daemon->log();
    const std::string log = ops();
    // The hung paths are failed once their checks overran the deadline ...
    EXPECT_NE(log.find("message 36001405bbbbbbbbbbbbbbbbbbbbbbbb2 fail_path 8:48"), std::string::npos) << log;
    // ... and the healthy ones never, while their checks went on.
    EXPECT_EQ(log.find("fail_path 8:16"), std::string::npos) << log << daemon->log();
    EXPECT_EQ(log.find("fail_path 8:32"), std::string::npos) << log << daemon->log();
    const std::string text = daemon->log();
    std::size_t checks_of_sdb = 0;
    for (auto at = text.find("sdb: sim tur checker reports path up"); at != std::string::npos;
         at = text.find("sdb: sim tur checker reports path up", at + 1)) {
        ++checks_of_sdb;
    }
    EXPECT_GE(checks_of_sdb, 4U) << text;
    EXPECT_EQ(text.find("sdb: path up -> down"), std::string::npos) << text;
    EXPECT_EQ(text.find("sdc: path up -> down"), std::string::npos) << text;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(std::chrono::seconds(5)), 0) << daemon->log();
}

TEST_F(ASimulatedHost, FailsAPathOfOneMapWhileAnotherMapsSuspendIsBlocked) {
    auto daemon = start("suspend-stuck.yaml");
    const std::string fail_sdd = "message 36001405bbbbbbbbbbbbbbbbbbbbbbbb2 fail_path 8:48";
    ASSERT_TRUE(eventually([&] { return ops().find(fail_sdd) != std::string::npos; }))
        << ops() << daemon->log();
    // Before the suspend ends at 4 s: one dm worker for every map would send it only then.
    const std::string log = ops();
    EXPECT_EQ(log.find("sim suspend-release"), std::string::npos) << log;
    ASSERT_TRUE(eventually([&] {
        return ops().find("reload 36001405aaaaaaaaaaaaaaaaaaaaaaaa1 ") != std::string::npos;
    })) << ops();
    EXPECT_LT(ops().find("sim suspend-release"), ops().find("reload 36001405aaaaaaaaaaaaaaaaaaaaaaaa1 "))
        << ops();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(std::chrono::seconds(5)), 0) << daemon->log();
}

TEST_F(ASimulatedHost, ResumesAMapAFailedReloadLeftSuspendedRetryingUntilItRuns) {
    auto daemon = start("resume-fails.yaml");
    const std::string map = "36001405aaaaaaaaaaaaaaaaaaaaaaaa1";
    ASSERT_TRUE(eventually([&] {
        return ops().find("reload " + map + " left suspended") != std::string::npos;
    })) << ops()
        << daemon->log();
    ASSERT_TRUE(eventually([&] { return ops().find("resume " + map + "\n") != std::string::npos; }))
        << ops() << daemon->log();
    const std::string log = ops();
    EXPECT_LT(log.find("resume " + map + " failed"), log.find("resume " + map + "\n")) << log;
    EXPECT_TRUE(eventually([&] { return daemon->log().find("resumed after") != std::string::npos; }))
        << daemon->log();
    EXPECT_NE(daemon->log().find("left suspended by a failed reload"), std::string::npos) << daemon->log();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(std::chrono::seconds(5)), 0) << daemon->log();
}

TEST_F(ASimulatedHost, ImportsMultipathToolsBindingsOnFirstStartSoDevicesKeepTheirNames) {
    write_config(
        "defaults:\n  user_friendly_names: true\n  import_multipath_bindings: true\n"
        "  multipath_bindings_file: " +
        kData + "/legacy-bindings.txt\n");
    auto daemon = start("two-luns.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready:"); })) << daemon->log();
    EXPECT_TRUE(daemon->log_contains("imported 1 aliases from")) << daemon->log();
    EXPECT_NE(tables().find("mpathq: "), std::string::npos) << tables();
    EXPECT_NE(read_text(state() + "/bindings").find("mpathq 36001405aaaaaaaaaaaaaaaaaaaaaaaa1"),
              std::string::npos);
}

TEST_F(ASimulatedHost, StopsOnSigtermLeavingEveryMapInPlace) {
    auto daemon = start("two-luns.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready:"); })) << daemon->log();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(), 0);
    EXPECT_TRUE(daemon->log_contains("dm maps are left in place"));
    EXPECT_EQ(ops().find("remove"), std::string::npos) << ops();
    // queue_without_daemon no (the default): nobody would reinstate a path, so no map queues any more.
    EXPECT_NE(ops().find("message 36001405aaaaaaaaaaaaaaaaaaaaaaaa1 fail_if_no_path"), std::string::npos)
        << ops();
}

TEST_F(ASimulatedHost, KeepsMapsQueueingAtStopWithQueueWithoutDaemon) {
    write_config(
        "defaults:\n  polling_interval: 1s\n  user_friendly_names: false\n  queue_without_daemon: yes\n");
    auto daemon = start("two-luns.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready:"); })) << daemon->log();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(), 0);
    EXPECT_TRUE(daemon->log_contains("(queue_without_daemon yes)")) << daemon->log();
    EXPECT_EQ(ops().find("fail_if_no_path"), std::string::npos) << ops();
}

TEST_F(ASimulatedHost, FailsFastOnMirrorLegsAndQueuesOnTheLastCopy) {
    auto daemon = start("md-mirror.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready: 2 maps, 4 paths"); })) << daemon->log();
    const std::string a = "36001405aaaaaaaaaaaaaaaaaaaaaaaa1";
    const std::string b = "36001405bbbbbbbbbbbbbbbbbbbbbbbb2";
    // Both legs in sync: each map fails fast (its built-in no_path_retry 12 gives way).
    ASSERT_TRUE(eventually([&] {
        return ops().find("message " + a + " fail_if_no_path") != std::string::npos &&
               ops().find("message " + b + " fail_if_no_path") != std::string::npos;
    })) << ops();
    EXPECT_TRUE(daemon->log_contains(a + ": holder md0 (raid1) has another in-sync leg: fail fast"))
        << daemon->log();
    // md failed the first leg: the second map holds the only copy and queues again; the first stays failing.
    ASSERT_TRUE(eventually([&] {
        return ops().find("message " + b + " queue_if_no_path") != std::string::npos;
    })) << ops();
    EXPECT_TRUE(daemon->log_contains(b + ": holder md0 (raid1) is degraded: queue to protect the only copy"))
        << daemon->log();
    EXPECT_TRUE(daemon->log_contains(a + ": holder md0 (raid1) has already failed this leg: fail fast"))
        << daemon->log();
    EXPECT_EQ(ops().find("message " + a + " queue_if_no_path"), std::string::npos) << ops();
}

TEST_F(ASimulatedHost, KeepsTheOldConfigWhenSighupFindsABadOneAndAppliesAGoodOneLater) {
    auto daemon = start("two-luns.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready:"); })) << daemon->log();
    write_config("defaults:\n  polling_interval: 1s\n  path_grouping_polcy: failover\n");
    daemon->signal(SIGHUP);
    ASSERT_TRUE(eventually([&] {
        return daemon->log_contains("configuration reload failed, keeping the previous configuration");
    })) << daemon->log();
    EXPECT_TRUE(daemon->log_contains(config_path() + ":3:3")) << daemon->log();
    EXPECT_TRUE(daemon->log_contains("path_grouping_polcy")) << daemon->log();
    EXPECT_TRUE(daemon->running());
    EXPECT_EQ(ops().find("reload"), std::string::npos) << ops();

    write_config("defaults:\n  polling_interval: 1s\noverrides:\n  path_grouping_policy: failover\n");
    daemon->signal(SIGHUP);
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("new configuration from"); })) << daemon->log();
    // failover: one path per group, so both maps are reloaded with two groups.
    EXPECT_TRUE(eventually([&] {
        return tables().find(
                   "36001405aaaaaaaaaaaaaaaaaaaaaaaa1: 1 queue_if_no_path 1 alua 2 1 service-time 0 1 1 "
                   "8:16 1 service-time 0 1 1 8:32 1") != std::string::npos;
    })) << tables()
        << daemon->log();
}

TEST_F(ASimulatedHost, KeepsTheOldConfigWhenSighupFindsABadDropInAndAppliesItOnceFixed) {
    auto daemon = start("two-luns.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("ready:"); })) << daemon->log();
    std::filesystem::create_directory(dir_.path() + "/conf.d");
    const std::string drop_in = dir_.path() + "/conf.d/50-grouping.yaml";
    std::ofstream(drop_in) << "overrides:\n  path_grouping_policy: failover\n  flap_treshold: 2\n";
    daemon->signal(SIGHUP);
    ASSERT_TRUE(eventually([&] {
        return daemon->log_contains("configuration reload failed, keeping the previous configuration");
    })) << daemon->log();
    EXPECT_TRUE(daemon->log_contains(drop_in + ":3:3")) << daemon->log();
    EXPECT_TRUE(daemon->running());
    EXPECT_EQ(ops().find("reload"), std::string::npos) << ops();

    std::ofstream(drop_in) << "overrides:\n  path_grouping_policy: failover\n";
    daemon->signal(SIGHUP);
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("new configuration from"); })) << daemon->log();
    EXPECT_TRUE(eventually([&] {
        return tables().find(
                   "36001405aaaaaaaaaaaaaaaaaaaaaaaa1: 1 queue_if_no_path 1 alua 2 1 service-time 0 1 1 "
                   "8:16 1 service-time 0 1 1 8:32 1") != std::string::npos;
    })) << tables()
        << daemon->log();
}

TEST_F(ASimulatedHost, RefusesASecondDaemonOnTheSameStateDir) {
    auto first = start("two-luns.yaml");
    ASSERT_TRUE(eventually([&] { return first->log_contains("ready:"); })) << first->log();
    auto second = start("two-luns.yaml", "second.log");
    EXPECT_EQ(second->wait_exit(), 1);
    EXPECT_TRUE(second->log_contains("refusing to start: another pathkeeperd is already running"))
        << second->log();
    EXPECT_TRUE(first->running());
}

TEST_F(ASimulatedHost, RefusesToStartWithAMissingExplicitConfig) {
    std::filesystem::remove(config_path());
    auto daemon = start("two-luns.yaml");
    EXPECT_EQ(daemon->wait_exit(), 1);
    EXPECT_TRUE(daemon->log_contains("configuration file does not exist")) << daemon->log();
}

TEST_F(ASimulatedHost, RefusesABrokenScenarioNamingItsPosition) {
    std::ofstream(dir_.path() + "/broken.yaml") << "paths:\n  - {dev: sdb, devt: \"8:16\"}\n";
    DaemonProcess daemon({"--backend", "sim", "--sim-scenario", dir_.path() + "/broken.yaml", "--state-dir",
                          state(), "--foreground", "--no-dbus"},
                         dir_.path() + "/broken.log");
    EXPECT_EQ(daemon.wait_exit(), 1);
    EXPECT_TRUE(daemon.log_contains("broken.yaml:2:5")) << daemon.log();
}

TEST(CheckConfigFlag, ExitsZeroForTheShippedExample) {
    TempDir dir;
    DaemonProcess check({"--check-config", PATHKEEPER_SOURCE_DIR "/conf/pathkeeper.yaml"},
                        dir.path() + "/out");
    EXPECT_EQ(check.wait_exit(), 0) << check.log();
    EXPECT_TRUE(check.log_contains("configuration is valid"));
}

TEST(CheckConfigFlag, ExitsNonZeroPrintingFileLineColumnAndKey) {
    TempDir dir;
    std::ofstream(dir.path() + "/bad.yaml") << "defaults:\n  polling_interval: 5 fortnights\n";
    DaemonProcess check({"--check-config", dir.path() + "/bad.yaml"}, dir.path() + "/out");
    EXPECT_EQ(check.wait_exit(), 1);
    EXPECT_TRUE(check.log_contains(dir.path() + "/bad.yaml:2:")) << check.log();
    EXPECT_TRUE(check.log_contains("polling_interval")) << check.log();
}

TEST(VersionFlag, PrintsTheVersion) {
    TempDir dir;
    DaemonProcess version({"--version"}, dir.path() + "/out");
    EXPECT_EQ(version.wait_exit(), 0);
    EXPECT_TRUE(version.log_contains("pathkeeperd 0.1.0")) << version.log();
}

}  // namespace
}  // namespace pathkeeper::daemon
