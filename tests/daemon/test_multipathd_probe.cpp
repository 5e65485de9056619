#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <map>

#include "daemon/multipathd_probe.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::daemon {
namespace {

constexpr std::uint32_t kRoot = 0;
constexpr std::uint32_t kUser = 1000;

class AFakeHost : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(proc() + "/net");
        std::filesystem::create_directories(run());
        std::ofstream(proc() + "/net/unix") << "Num       RefCount Protocol Flags    Type St Inode Path\n";
        add_process("1", "systemd", kRoot, "/usr/lib/systemd/systemd");
        add_process("42", "udevd", kRoot, "/usr/lib/systemd/systemd-udevd");
    }
    std::string proc() const { return dir_.path() + "/proc"; }
    std::string run() const { return dir_.path() + "/run"; }
    // A process as /proc shows it: comm, the uid line of status (real, effective, saved, fs) and the exe
    // link.
    void add_process(const std::string& pid, const std::string& comm, std::uint32_t uid = kRoot,
                     const std::string& exe = "/usr/sbin/multipathd") {
        const std::string dir = proc() + "/" + pid;
        std::filesystem::create_directories(dir);
        std::ofstream(dir + "/comm") << comm << "\n";
        std::ofstream(dir + "/status") << "Name:\t" << comm << "\nUid:\t" << uid << "\t" << uid << "\t" << uid
                                       << "\t" << uid << "\nGid:\t0\t0\t0\t0\n";
        std::filesystem::create_symlink(exe, dir + "/exe");
    }
    void add_listening_multipathd_socket(std::uint64_t inode, std::uint32_t owner) {
        std::ofstream(proc() + "/net/unix", std::ios::app)
            << "0000000000000000: 00000002 00000000 00010000 0001 01 " << inode
            << " @/org/kernel/linux/storage/multipathd\n";
        socket_owners_[inode] = owner;
    }
    std::optional<std::string> probe() {
        ignored_.clear();
        MultipathdProbeRoots roots{run(), proc(),
                                   [this](std::uint64_t inode) -> std::optional<std::uint32_t> {
                                       const auto found = socket_owners_.find(inode);
                                       if (found == socket_owners_.end()) {
                                           return std::nullopt;
                                       }
                                       return found->second;
                                   }};
        return find_running_multipathd(roots, &ignored_);
    }

    TempDir dir_;
    std::map<std::uint64_t, std::uint32_t> socket_owners_;
    std::vector<std::string> ignored_;
};

TEST_F(AFakeHost, WithoutMultipathdAllowsStarting) {
    EXPECT_EQ(probe(), std::nullopt);
    EXPECT_TRUE(ignored_.empty());
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

TEST_F(AFakeHost, RefusesARootMultipathdFoundByScanning) {
    add_process("900", "multipathd", kRoot, "/sbin/multipathd");
    auto found = probe();
    ASSERT_TRUE(found);
    EXPECT_NE(found->find("pid 900"), std::string::npos);
}

TEST_F(AFakeHost, RefusesARootMultipathdWhoseBinaryWasReplacedByAnUpgrade) {
    add_process("900", "multipathd", kRoot, "/usr/sbin/multipathd (deleted)");
    EXPECT_TRUE(probe());
}

TEST_F(AFakeHost, IgnoresAUsersProcessNamedMultipathd) {
    add_process("900", "multipathd", kUser, "/usr/sbin/multipathd");
    std::ofstream(run() + "/multipathd.pid") << "900\n";
    EXPECT_EQ(probe(), std::nullopt);
    ASSERT_EQ(ignored_.size(), 1U);
    EXPECT_NE(ignored_[0].find("pid 900"), std::string::npos);
    EXPECT_NE(ignored_[0].find("ignored"), std::string::npos);
}

TEST_F(AFakeHost, IgnoresASetUidProgramStartedUnderTheNameMultipathd) {
    const std::string dir = proc() + "/900";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/comm") << "multipathd\n";
    std::ofstream(dir + "/status") << "Uid:\t1000\t0\t0\t0\n";
    std::filesystem::create_symlink("/usr/bin/passwd", dir + "/exe");
    EXPECT_EQ(probe(), std::nullopt);
    EXPECT_EQ(ignored_.size(), 1U);
}

TEST_F(AFakeHost, IgnoresARootProcessNamedMultipathdRunningAnotherExecutable) {
    add_process("900", "multipathd", kRoot, "/home/user/multipathd");
    EXPECT_EQ(probe(), std::nullopt);
    ASSERT_EQ(ignored_.size(), 1U);
    EXPECT_NE(ignored_[0].find("/home/user/multipathd"), std::string::npos);
}

TEST_F(AFakeHost, WithAListeningMultipathdSocketRefuses) {
    add_listening_multipathd_socket(12345, kRoot);
    auto found = probe();
    ASSERT_TRUE(found);
    EXPECT_NE(found->find("multipathd.socket"), std::string::npos);
}

TEST_F(AFakeHost, IgnoresTheMultipathdSocketNameBoundByAUser) {
    add_listening_multipathd_socket(12345, kUser);
    EXPECT_EQ(probe(), std::nullopt);
    ASSERT_EQ(ignored_.size(), 1U);
    EXPECT_NE(ignored_[0].find("uid 1000"), std::string::npos);
}

TEST_F(AFakeHost, IgnoresTheMultipathdSocketNameWhenItsOwnerCannotBeTold) {
    std::ofstream(proc() + "/net/unix", std::ios::app)
        << "0000000000000000: 00000002 00000000 00010000 0001 01 "
           "777 @/org/kernel/linux/storage/multipathd\n";
    EXPECT_EQ(probe(), std::nullopt);
    EXPECT_EQ(ignored_.size(), 1U);
}

TEST_F(AFakeHost, IgnoresAConnectionToTheSocketThatIsNotListening) {
    std::ofstream(proc() + "/net/unix", std::ios::app)
        << "0000000000000000: 00000003 00000000 00000000 0001 03 "
           "888 @/org/kernel/linux/storage/multipathd\n";
    socket_owners_[888] = kRoot;
    EXPECT_EQ(probe(), std::nullopt);
}

// The kernel's answer for a socket this test binds itself: owned by whoever runs the test.
TEST(TheSocketOwnerLookup, NamesTheUidOfAListeningAbstractSocket) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string name = "pathkeeper-probe-test-" + std::to_string(::getpid());
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), length), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    struct stat info {};
    ASSERT_EQ(::fstat(fd, &info), 0);
    const auto owner = listening_unix_socket_owner(info.st_ino);
    ::close(fd);
    ASSERT_TRUE(owner);
    EXPECT_EQ(*owner, ::geteuid());
}

}  // namespace
}  // namespace pathkeeper::daemon
