#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "daemon/instance_lock.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::daemon {
namespace {

TEST(TheInstanceLock, IsTakenInAFreshStateDirAndRecordsOurPid) {
    TempDir dir;
    auto lock = InstanceLock::acquire(dir.path() + "/state");
    ASSERT_TRUE(lock.ok()) << lock.error().message;
    std::ifstream in(lock->path());
    std::string pid;
    in >> pid;
    EXPECT_EQ(pid, std::to_string(getpid()));
}

TEST(TheInstanceLock, RefusesASecondHolderAndNamesTheFirst) {
    TempDir dir;
    auto first = InstanceLock::acquire(dir.path());
    ASSERT_TRUE(first.ok());
    // flock conflicts between open file descriptions even in one process, like two daemons would.
    auto second = InstanceLock::acquire(dir.path());
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, core::ErrorCode::Conflict);
    EXPECT_NE(second.error().message.find("already running"), std::string::npos);
    EXPECT_NE(second.error().message.find("pid " + std::to_string(getpid())), std::string::npos);
}

TEST(TheInstanceLock, IsFreeAgainOnceTheHolderIsGone) {
    TempDir dir;
    {
        auto first = InstanceLock::acquire(dir.path());
        ASSERT_TRUE(first.ok());
    }
    EXPECT_TRUE(InstanceLock::acquire(dir.path()).ok());
}

TEST(TheInstanceLock, IsReleasedByTheKernelWhenTheHolderDies) {
    TempDir dir;
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto lock = InstanceLock::acquire(dir.path());
        _exit(lock.ok() ? 0 : 1);  // dies holding the lock, without running destructors
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_EQ(WEXITSTATUS(status), 0);
    EXPECT_TRUE(InstanceLock::acquire(dir.path()).ok());
}

TEST(TheInstanceLock, ReportsAStateDirThatCannotBeCreated) {
    TempDir dir;
    std::ofstream(dir.path() + "/file") << "x";
    auto lock = InstanceLock::acquire(dir.path() + "/file/state");
    ASSERT_FALSE(lock.ok());
    EXPECT_EQ(lock.error().code, core::ErrorCode::Io);
}

}  // namespace
}  // namespace pathkeeper::daemon
