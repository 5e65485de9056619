#include "os/state_files.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "temp_dir.hpp"

namespace pathkeeper::os {
namespace {

using testing::read_file;
using testing::TempDir;
using testing::write_file;

std::size_t entries_in(const std::filesystem::path& dir) {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) {
        ++count;
    }
    return count;
}

TEST(AtomicStateFiles, WritesTheContentAndReadsItBack) {
    TempDir dir;
    AtomicStateFiles files;
    const auto path = (dir.path() / "bindings").string();
    ASSERT_TRUE(files.write_atomic(path, "mpatha 36001405aaa\n").ok());
    auto content = files.read(path);
    ASSERT_TRUE(content.ok());
    EXPECT_EQ(*content, "mpatha 36001405aaa\n");
}

TEST(AtomicStateFiles, ReplacesAnExistingFileAndLeavesNoTempFileBehind) {
    TempDir dir;
    AtomicStateFiles files;
    const auto path = (dir.path() / "wwids").string();
    write_file(path, "old\n");
    ASSERT_TRUE(files.write_atomic(path, "new\n").ok());
    EXPECT_EQ(read_file(path), "new\n");
    EXPECT_EQ(entries_in(dir.path()), 1u);
}

TEST(AtomicStateFiles, CreatesFilesWithMode0644WhateverTheUmask) {
    TempDir dir;
    AtomicStateFiles files;
    const auto path = (dir.path() / "bindings").string();
    mode_t old_umask = ::umask(0);
    auto written = files.write_atomic(path, "x\n");
    ::umask(old_umask);
    ASSERT_TRUE(written.ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST(AtomicStateFiles, CreatesAMissingStateDirectory) {
    TempDir dir;
    AtomicStateFiles files;
    const auto path = (dir.path() / "var/lib/pathkeeper/bindings").string();
    ASSERT_TRUE(files.write_atomic(path, "x\n").ok());
    EXPECT_EQ(read_file(path), "x\n");
}

TEST(AtomicStateFiles, ReportsAMissingFileAsNotFound) {
    TempDir dir;
    AtomicStateFiles files;
    auto content = files.read((dir.path() / "absent").string());
    ASSERT_FALSE(content.ok());
    EXPECT_EQ(content.error().code, core::ErrorCode::NotFound);
}

TEST(AtomicStateFiles, KeepsTheOldFileIntactWhenTheWriteFailsHalfway) {
    TempDir dir;
    AtomicStateFiles files;
    const auto path = (dir.path() / "bindings").string();
    write_file(path, "mpatha 36001405aaa\n");

    // A file size limit makes write() fail with EFBIG part-way through, as a full disk would with ENOSPC.
    rlimit old_limit{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old_limit;
    small.rlim_cur = 4096;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    auto written = files.write_atomic(path, std::string(64 * 1024, 'x'));
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    ::signal(SIGXFSZ, old_handler);

    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().code, core::ErrorCode::Io);
    EXPECT_EQ(read_file(path), "mpatha 36001405aaa\n");
    EXPECT_EQ(entries_in(dir.path()), 1u) << "the temp file is removed";
}

TEST(AtomicStateFiles, FailsCleanlyWhenTheParentIsNotADirectory) {
    TempDir dir;
    AtomicStateFiles files;
    write_file(dir.path() / "plainfile", "");
    auto written = files.write_atomic((dir.path() / "plainfile/bindings").string(), "x\n");
    EXPECT_FALSE(written.ok());
}

}  // namespace
}  // namespace pathkeeper::os
