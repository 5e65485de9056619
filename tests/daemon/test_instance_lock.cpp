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

TEST(TheMachineWideLock, RefusesASecondDaemonWithAnotherStateDir) {
    TempDir dir;
    auto first_state = InstanceLock::acquire(dir.path() + "/state-a");
    auto first_machine = InstanceLock::acquire_machine_wide(dir.path() + "/run");
    ASSERT_TRUE(first_state.ok());
    ASSERT_TRUE(first_machine.ok()) << first_machine.error().message;
    // A second daemon's own state dir is free, the machine is not.
    auto second_state = InstanceLock::acquire(dir.path() + "/state-b");
    EXPECT_TRUE(second_state.ok());
    auto second_machine = InstanceLock::acquire_machine_wide(dir.path() + "/run");
    ASSERT_FALSE(second_machine.ok());
    EXPECT_EQ(second_machine.error().code, core::ErrorCode::Conflict);
    EXPECT_NE(second_machine.error().message.find("already manages this machine"), std::string::npos);
    EXPECT_NE(second_machine.error().message.find("pid " + std::to_string(getpid())), std::string::npos);
    EXPECT_NE(second_machine.error().message.find(dir.path() + "/run/machine.lock"), std::string::npos);
}

TEST(TheMachineWideLock, DoesNotCollideWithAStateDirLockInTheSameDirectory) {
    TempDir dir;
    auto state = InstanceLock::acquire(dir.path());
    auto machine = InstanceLock::acquire_machine_wide(dir.path());
    EXPECT_TRUE(state.ok());
    EXPECT_TRUE(machine.ok());
}

TEST(TheMachineWideLock, IsReleasedByTheKernelWhenTheHolderDies) {
    TempDir dir;
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto lock = InstanceLock::acquire_machine_wide(dir.path());
        _exit(lock.ok() ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_EQ(WEXITSTATUS(status), 0);
    EXPECT_TRUE(InstanceLock::acquire_machine_wide(dir.path()).ok());
}

}  // namespace
}  // namespace pathkeeper::daemon
