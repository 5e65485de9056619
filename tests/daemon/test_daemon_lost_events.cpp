// pathkeeperd on the simulated back end when its view and the host's part: a map removed behind its back,
// uevents lost to an overflowing udev monitor.
#include <gtest/gtest.h>

#include <fstream>

#include "daemon_process.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::daemon {
namespace {

const std::string kData = PATHKEEPER_DAEMON_TEST_DATA_DIR;
const std::string kLu1 = "36001405aaaaaaaaaaaaaaaaaaaaaaaa1";
const std::string kLu2 = "36001405bbbbbbbbbbbbbbbbbbbbbbbb2";
const std::string kLu3 = "36001405cccccccccccccccccccccccc3";

// The table line of a map in the sim's tables file ("" while it has none).
std::string table_of(const std::string& tables, const std::string& map) {
    const auto at = tables.find(map + ": ");
    return at == std::string::npos ? std::string() : tables.substr(at, tables.find('\n', at) - at);
}

class AHostThatChangesBehindTheDaemon : public ::testing::Test {
protected:
    std::string state() const { return dir_.path() + "/state"; }
    std::string tables() const { return read_text(state() + "/sim/tables"); }
    std::string ops() const { return read_text(state() + "/sim/ops.log"); }

    std::unique_ptr<DaemonProcess> start(const std::string& scenario) const {
        const std::string config = dir_.path() + "/pathkeeper.yaml";
        std::ofstream(config) << "defaults:\n  polling_interval: 1s\n  user_friendly_names: false\n";
        return std::make_unique<DaemonProcess>(
            std::vector<std::string>{"--backend", "sim", "--sim-scenario", kData + "/" + scenario,
                                     "--state-dir", state(), "--foreground", "--no-dbus", "--config", config,
                                     "--log-level", "info"},
            dir_.path() + "/daemon.log");
    }

    TempDir dir_;
};

TEST_F(AHostThatChangesBehindTheDaemon, DropsAMapRemovedBehindItsBackAndCreatesItAgainOnlyOnAPathEvent) {
    auto daemon = start("map-removed.yaml");
    ASSERT_TRUE(eventually([&] { return daemon->log_contains("map is gone from device-mapper"); }))
        << ops() << daemon->log();
    EXPECT_EQ(tables().find(kLu1 + ": "), std::string::npos) << tables();
    // Three check intervals pass before the change uevent at 4 s: the map is not created again meanwhile,
    // and nothing is sent to it.
    ASSERT_TRUE(eventually([&] { return ops().find("sim change sdc") != std::string::npos; })) << ops();
    ASSERT_TRUE(eventually([&] { return tables().find(kLu1 + ": ") != std::string::npos; }))
        << ops() << daemon->log();
    const std::string log = ops();
    const auto removed = log.find("sim dm-remove " + kLu1);
    const auto changed = log.find("sim change sdc");
    ASSERT_NE(removed, std::string::npos);
    const std::string between = log.substr(removed, changed - removed);
    EXPECT_EQ(between.find(kLu1), between.rfind(kLu1)) << between;  // only the dm-remove line names it
    // Created again with both of its paths.
    const std::string table = tables().substr(tables().find(kLu1 + ": "));
    EXPECT_NE(table.substr(0, table.find('\n')).find("8:16"), std::string::npos) << table;
    EXPECT_NE(table.substr(0, table.find('\n')).find("8:32"), std::string::npos) << table;
    EXPECT_FALSE(daemon->log_contains("error")) << daemon->log();
}

TEST_F(AHostThatChangesBehindTheDaemon, EnumeratesAgainAfterLostUeventsAndConvergesOnTheDisksPresent) {
    auto daemon = start("uevents-lost.yaml");
    ASSERT_TRUE(eventually([&] { return tables().find(kLu3 + ": ") != std::string::npos; }))
        << ops() << daemon->log();
    EXPECT_TRUE(daemon->log_contains("uevents were lost; enumerating every disk again")) << daemon->log();
    EXPECT_TRUE(daemon->log_contains("after lost uevents: 2 added, 0 changed, 1 removed")) << daemon->log();
    EXPECT_TRUE(eventually([&] {
        const std::string t = tables();
        const std::string lu1 = t.substr(t.find(kLu1 + ": "));
        return lu1.substr(0, lu1.find('\n')).find("8:16") == std::string::npos;
    })) << tables();
    // The checker lets go of the disk whose removal was lost, as after its uevent.
    EXPECT_TRUE(eventually([&] { return ops().find("checker forget sdb") != std::string::npos; })) << ops();
}

// The enumeration after the loss takes 8 s on the sim host. The loop goes on meanwhile: sdd's failed check is
// answered with a fail_path before the enumeration's result creates the third LU's map. sde's removal uevent,
// received during the enumeration, is applied after its snapshot (which still has sde), so sde stays gone.
TEST_F(AHostThatChangesBehindTheDaemon, HandlesChecksWhileASlowEnumerationRunsAndAppliesNewerUeventsAfterIt) {
    auto daemon = start("uevents-lost-slow-scan.yaml");
    ASSERT_TRUE(eventually([&] { return table_of(tables(), kLu3).find("8:96") != std::string::npos; },
                           std::chrono::seconds(20)))
        << ops() << daemon->log();
    const std::string log = ops();
    const auto scan = log.find("sim enumeration 5 disks");  // sdb gone, sdf and sdg added, sde still there
    const auto failed = log.find("message " + kLu2 + " fail_path 8:48");
    const auto created = log.find("create " + kLu3);
    ASSERT_NE(scan, std::string::npos) << log;
    ASSERT_NE(failed, std::string::npos) << log;
    ASSERT_NE(created, std::string::npos) << log;
    EXPECT_LT(scan, failed) << log;
    EXPECT_LT(failed, created) << "the check completion waited for the enumeration\n" << log;
    EXPECT_TRUE(daemon->log_contains("after lost uevents: 2 added, 0 changed, 1 removed")) << daemon->log();
    EXPECT_TRUE(
        daemon->log_contains("applying the 1 uevent batch(es) received during the enumeration after it"))
        << daemon->log();
    EXPECT_TRUE(eventually([&] {
        const std::string t = tables();
        return table_of(t, kLu2).find("8:64") == std::string::npos &&
               table_of(t, kLu1).find("8:16") == std::string::npos;
    })) << tables();
    EXPECT_TRUE(eventually([&] { return ops().find("checker forget sde") != std::string::npos; })) << ops();
    EXPECT_FALSE(daemon->log_contains("error")) << daemon->log();
}

}  // namespace
}  // namespace pathkeeper::daemon
