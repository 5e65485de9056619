// pathkeeperd on the simulated back end, published on a private system bus (dbus-daemon of type system with
// its socket in a temp dir, DBUS_SYSTEM_BUS_ADDRESS pointing at it), driven with busctl.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <fstream>

#include "daemon_process.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::daemon {
namespace {

int run(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class APrivateBus : public ::testing::Test {
protected:
    void SetUp() override {
        if (run("command -v dbus-daemon >/dev/null && command -v busctl >/dev/null") != 0) {
            GTEST_SKIP() << "dbus-daemon or busctl not installed";
        }
        std::ofstream(dir_.path() + "/bus.conf")
            << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
               "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
               "<busconfig><type>system</type><listen>unix:path="
            << dir_.path() << "/bus</listen><auth>EXTERNAL</auth><policy context=\"default\">"
            << "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/><allow "
               "own=\"*\"/>"
            << "<allow user=\"*\"/></policy></busconfig>\n";
        ASSERT_TRUE(start_bus());
        address_ = "unix:path=" + dir_.path() + "/bus";
        setenv("DBUS_SYSTEM_BUS_ADDRESS", address_.c_str(), 1);
    }
    void TearDown() override {
        if (!address_.empty()) {
            stop_bus();
            unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
        }
    }
    bool start_bus() const {
        return run("dbus-daemon --config-file=" + dir_.path() + "/bus.conf --fork --print-pid > " +
                   dir_.path() + "/bus.pid") == 0;
    }
    // Returns once the bus is gone and its socket with it, so that it can start again at the same address.
    void stop_bus() const {
        const std::string pid = "$(cat " + dir_.path() + "/bus.pid)";
        run("kill " + pid + " 2>/dev/null; while kill -0 " + pid +
            " 2>/dev/null; do sleep 0.05; done; rm -f " + dir_.path() + "/bus");
    }
    std::string busctl(const std::string& args) const {
        const std::string out = dir_.path() + "/busctl.out";
        run("busctl --system " + args + " > " + out + " 2>&1");
        return read_text(out);
    }

    TempDir dir_;
    std::string address_;
};

TEST_F(APrivateBus, ShowsOneObjectPerMapAndPathAndFailsAPathOnRequest) {
    DaemonProcess daemon(
        {"--backend", "sim", "--sim-scenario", PATHKEEPER_DAEMON_TEST_DATA_DIR "/two-luns.yaml",
         "--state-dir", dir_.path() + "/state", "--foreground"},
        dir_.path() + "/daemon.log");
    ASSERT_TRUE(eventually([&] { return daemon.log_contains("ready:"); })) << daemon.log();
    EXPECT_TRUE(daemon.log_contains("published on the system bus as org.pathkeeper.PathKeeper1"))
        << daemon.log();
    const std::string tree = busctl("tree org.pathkeeper.PathKeeper1");
    EXPECT_NE(tree.find("/org/pathkeeper/PathKeeper1/paths/sdb"), std::string::npos) << tree;
    EXPECT_NE(tree.find("/org/pathkeeper/PathKeeper1/maps/36001405aaaaaaaaaaaaaaaaaaaaaaaa1"),
              std::string::npos)
        << tree;
    // The map's dm device as the create reported it (the kernel's dm-N, here the simulator's).
    const std::string device = busctl(
        "get-property org.pathkeeper.PathKeeper1 "
        "/org/pathkeeper/PathKeeper1/maps/36001405aaaaaaaaaaaaaaaaaaaaaaaa1 "
        "org.pathkeeper.PathKeeper1.Map DmDevice");
    EXPECT_NE(device.find("s \"dm-"), std::string::npos) << device;
    const std::string maps = busctl(
        "call org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1 org.pathkeeper.PathKeeper1.Manager "
        "GetMaps");
    EXPECT_NE(maps.find("\"36001405aaaaaaaaaaaaaaaaaaaaaaaa1\""), std::string::npos) << maps;
    EXPECT_NE(maps.find("\"dm-"), std::string::npos) << maps;
    const std::string paths = busctl(
        "call org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1 org.pathkeeper.PathKeeper1.Manager "
        "GetPaths");
    EXPECT_NE(paths.find("\"sdb\""), std::string::npos) << paths;
    EXPECT_NE(paths.find("\"36001405aaaaaaaaaaaaaaaaaaaaaaaa1\""), std::string::npos) << paths;
    const std::string reply = busctl(
        "call org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1 org.pathkeeper.PathKeeper1.Manager "
        "FailPath s sdb");
    EXPECT_TRUE(eventually([&] {
        return read_text(dir_.path() + "/state/sim/status").find("8:16 F") != std::string::npos;
    })) << reply
        << daemon.log();
}

TEST_F(APrivateBus, RefusesALoadConfigWhoseWwidBreaksTheRuleNamingTheArgumentAndLine) {
    if (geteuid() != 0) {
        GTEST_SKIP() << "LoadConfig is allowed to root only";
    }
    DaemonProcess daemon(
        {"--backend", "sim", "--sim-scenario", PATHKEEPER_DAEMON_TEST_DATA_DIR "/two-luns.yaml",
         "--state-dir", dir_.path() + "/state", "--foreground"},
        dir_.path() + "/daemon.log");
    ASSERT_TRUE(eventually([&] { return daemon.log_contains("ready:"); })) << daemon.log();
    const std::string reply = busctl(
        "call org.pathkeeper.PathKeeper1 /org/pathkeeper/PathKeeper1 org.pathkeeper.PathKeeper1.Manager "
        "LoadConfig ss 'multipaths:\n  - wwid: 3600/a0b8\n' bad-wwid.yaml");
    EXPECT_NE(reply.find("bad-wwid.yaml:2:11: multipaths[0].wwid: WWID '3600/a0b8' contains '/'"),
              std::string::npos)
        << reply;
    const std::string wwids = read_text(dir_.path() + "/state/wwids");
    EXPECT_EQ(wwids.find("3600/a0b8"), std::string::npos) << wwids;
}

TEST_F(APrivateBus, LosingTheBusNeverKillsTheDaemonAndSigtermStillStopsItCleanly) {
    DaemonProcess daemon(
        {"--backend", "sim", "--sim-scenario", PATHKEEPER_DAEMON_TEST_DATA_DIR "/path-failure.yaml",
         "--state-dir", dir_.path() + "/state", "--foreground"},
        dir_.path() + "/daemon.log");
    ASSERT_TRUE(eventually([&] { return daemon.log_contains("published on the system bus"); }))
        << daemon.log();
    ASSERT_EQ(run("kill $(cat " + dir_.path() + "/bus.pid)"), 0);
    // Path events after the bus is gone (the kernel fails sdc, it is reinstated) would emit signals.
    ASSERT_TRUE(eventually([&] {
        return read_text(dir_.path() + "/state/sim/ops.log").find("reinstate_path 8:32") != std::string::npos;
    })) << daemon.log();
    ASSERT_TRUE(daemon.running()) << daemon.log();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
    EXPECT_FALSE(daemon.log_contains("terminate called")) << daemon.log();
    EXPECT_TRUE(daemon.log_contains("stopped; dm maps are left in place")) << daemon.log();
}

TEST_F(APrivateBus, IsJoinedWhenItAppearsAfterTheDaemonAndAgainAfterItRestarts) {
    stop_bus();
    DaemonProcess daemon(
        {"--backend", "sim", "--sim-scenario", PATHKEEPER_DAEMON_TEST_DATA_DIR "/two-luns.yaml",
         "--state-dir", dir_.path() + "/state", "--foreground"},
        dir_.path() + "/daemon.log");
    ASSERT_TRUE(eventually([&] { return daemon.log_contains("ready:"); })) << daemon.log();
    EXPECT_TRUE(daemon.log_contains("(no D-Bus)")) << daemon.log();
    auto published = [&] {
        return busctl("tree org.pathkeeper.PathKeeper1").find("/org/pathkeeper/PathKeeper1/paths/sdb") !=
               std::string::npos;
    };
    // The first retries come after 0.5, 1 and 2 s: the bus started meanwhile is joined within seconds.
    ASSERT_TRUE(start_bus());
    EXPECT_TRUE(eventually(published, std::chrono::seconds(15))) << daemon.log();

    stop_bus();
    ASSERT_TRUE(eventually([&] { return daemon.log_contains("D-Bus connection lost"); })) << daemon.log();
    ASSERT_TRUE(start_bus());
    EXPECT_TRUE(eventually(published, std::chrono::seconds(15))) << daemon.log();
    ASSERT_TRUE(daemon.running()) << daemon.log();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
}

// A bus that takes the connection but never answers (a dbus-daemon stuck at boot, or overloaded): the daemon
// becomes ready after a short wait, handles its paths meanwhile, and still stops at once on SIGTERM.
TEST_F(APrivateBus, ThatNeverAnswersHoldsNeitherTheStartNorPathHandling) {
    stop_bus();
    const std::string silent = dir_.path() + "/silent";
    const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, silent.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(listener, 16), 0);  // connections wait in the backlog: never accepted, never answered
    setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + silent).c_str(), 1);

    DaemonProcess daemon(
        {"--backend", "sim", "--sim-scenario", PATHKEEPER_DAEMON_TEST_DATA_DIR "/path-failure.yaml",
         "--state-dir", dir_.path() + "/state", "--foreground"},
        dir_.path() + "/daemon.log");
    // sd-bus would wait 25 s for the bus's answer; the daemon's start does not.
    ASSERT_TRUE(eventually([&] { return daemon.log_contains("ready:"); })) << daemon.log();
    EXPECT_TRUE(daemon.log_contains("(no D-Bus)")) << daemon.log();
    EXPECT_TRUE(eventually([&] {
        return read_text(dir_.path() + "/state/sim/ops.log").find("reinstate_path 8:32") != std::string::npos;
    })) << daemon.log();
    EXPECT_FALSE(daemon.log_contains("published on the system bus")) << daemon.log();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(), 0) << daemon.log();
    close(listener);
    setenv("DBUS_SYSTEM_BUS_ADDRESS", address_.c_str(), 1);
}

}  // namespace
}  // namespace pathkeeper::daemon
