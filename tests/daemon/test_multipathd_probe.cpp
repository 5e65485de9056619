#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "daemon/multipathd_probe.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::daemon {
namespace {

class AFakeHost : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(proc() + "/net");
        std::filesystem::create_directories(run());
        std::ofstream(proc() + "/net/unix") << "Num       RefCount Protocol Flags    Type St Inode Path\n";
        add_process("1", "systemd");
        add_process("42", "udevd");
    }
    std::string proc() const { return dir_.path() + "/proc"; }
    std::string run() const { return dir_.path() + "/run"; }
    void add_process(const std::string& pid, const std::string& comm) {
        std::filesystem::create_directories(proc() + "/" + pid);
        std::ofstream(proc() + "/" + pid + "/comm") << comm << "\n";
    }
    std::optional<std::string> probe() const { return find_running_multipathd({run(), proc()}); }

    TempDir dir_;
};

TEST_F(AFakeHost, WithoutMultipathdAllowsStarting) {
    EXPECT_EQ(probe(), std::nullopt);
}

TEST_F(AFakeHost, WithALivePidFileRefusesAndNamesThePid) {
    add_process("777", "multipathd");
    std::ofstream(run() + "/multipathd.pid") << "777\n";
    auto found = probe();
    ASSERT_TRUE(found);
    EXPECT_NE(found->find("pid 777"), std::string::npos);
    EXPECT_NE(found->find("systemctl disable --now multipathd"), std::string::npos);
}

TEST_F(AFakeHost, WithAStalePidFileOfAnotherProcessAllowsStarting) {
    std::ofstream(run() + "/multipathd.pid") << "42\n";
    EXPECT_EQ(probe(), std::nullopt);
}

TEST_F(AFakeHost, WithGarbageInThePidFileStillScansProcesses) {
    std::ofstream(run() + "/multipathd.pid") << "../../etc\n";
    EXPECT_EQ(probe(), std::nullopt);
    add_process("900", "multipathd");
    auto found = probe();
    ASSERT_TRUE(found);
    EXPECT_NE(found->find("pid 900"), std::string::npos);
}

TEST_F(AFakeHost, WithAListeningMultipathdSocketRefuses) {
    std::ofstream(proc() + "/net/unix", std::ios::app) << "0000000000000000: 00000002 00000000 00010000 0001 "
                                                          "01 12345 @/org/kernel/linux/storage/multipathd\n";
    auto found = probe();
    ASSERT_TRUE(found);
    EXPECT_NE(found->find("multipathd.socket"), std::string::npos);
}

}  // namespace
}  // namespace pathkeeper::daemon
