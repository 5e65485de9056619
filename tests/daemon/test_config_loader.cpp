#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon/config_loader.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::daemon {
namespace {

TEST(TheDaemonConfigLoader, FallsBackToBuiltInDefaultsWhenTheDefaultFileIsMissing) {
    TempDir dir;
    auto config = load_daemon_config(dir.path() + "/pathkeeper.yaml", false);
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_TRUE(config->source_file.empty());
    EXPECT_TRUE(config->multipaths.empty());
}

TEST(TheDaemonConfigLoader, RefusesAMissingFileNamedExplicitly) {
    TempDir dir;
    auto config = load_daemon_config(dir.path() + "/pathkeeper.yaml", true);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, core::ErrorCode::NotFound);
    EXPECT_NE(config.error().message.find("does not exist"), std::string::npos);
}

TEST(TheDaemonConfigLoader, RefusesAnInvalidFileEvenAtTheDefaultPath) {
    TempDir dir;
    const std::string path = dir.path() + "/pathkeeper.yaml";
    std::ofstream(path) << "defaults:\n  polling_intervall: 5s\n";
    auto config = load_daemon_config(path, false);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, core::ErrorCode::InvalidConfig);
    EXPECT_NE(config.error().message.find(path + ":2:3"), std::string::npos) << config.error().message;
}

TEST(TheDaemonConfigLoader, MergesDropInsEvenWhenTheDefaultFileIsMissing) {
    TempDir dir;
    std::filesystem::create_directory(dir.path() + "/conf.d");
    std::ofstream(dir.path() + "/conf.d/10-site.yaml") << "defaults:\n  polling_interval: 7s\n";
    auto config = load_daemon_config(dir.path() + "/pathkeeper.yaml", false);
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->defaults.global.polling_interval, std::chrono::seconds(7));
    EXPECT_EQ(config->defaults.global.locations.at("polling_interval").file,
              dir.path() + "/conf.d/10-site.yaml");
}

TEST(CheckConfig, NamesTheBadDropInAndItsLine) {
    TempDir dir;
    const std::string path = dir.path() + "/pathkeeper.yaml";
    std::ofstream(path) << "defaults:\n  polling_interval: 5s\n";
    std::filesystem::create_directory(dir.path() + "/conf.d");
    std::ofstream(dir.path() + "/conf.d/20-bad.yaml") << "\ndefaults:\n  polling_interval: soon\n";
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(check_config_file(path, out, err), 1);
    EXPECT_NE(err.str().find(dir.path() + "/conf.d/20-bad.yaml:3:"), std::string::npos) << err.str();
}

TEST(CheckConfig, ListsTheDropInsItMerged) {
    TempDir dir;
    const std::string path = dir.path() + "/pathkeeper.yaml";
    std::ofstream(path) << "defaults:\n  polling_interval: 5s\n";
    std::filesystem::create_directory(dir.path() + "/conf.d");
    std::ofstream(dir.path() + "/conf.d/20-site.yaml") << "overrides:\n  no_path_retry: queue\n";
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(check_config_file(path, out, err), 0) << err.str();
    EXPECT_NE(out.str().find(dir.path() + "/conf.d/20-site.yaml: drop-in merged"), std::string::npos)
        << out.str();
}

TEST(CheckConfig, ReportsTheShippedExampleAsValid) {
    std::ostringstream out;
    std::ostringstream err;
    const std::string path = PATHKEEPER_SOURCE_DIR "/conf/pathkeeper.yaml";
    EXPECT_EQ(check_config_file(path, out, err), 0) << err.str();
    EXPECT_EQ(out.str(), path + ": configuration is valid\n");
}

TEST(CheckConfig, PrintsFileLineColumnAndKeyForATypoAndFails) {
    TempDir dir;
    const std::string path = dir.path() + "/bad.yaml";
    std::ofstream(path) << "defaults:\n  polling_interval: 5s\n  no_path_retyr: queue\n";
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(check_config_file(path, out, err), 1);
    EXPECT_NE(err.str().find(path + ":3:3"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find("no_path_retyr"), std::string::npos) << err.str();
}

TEST(CheckConfig, PrintsEveryProblemOfAFileWithSeveral) {
    TempDir dir;
    const std::string path = dir.path() + "/bad.yaml";
    std::ofstream(path) << "defaults:\n  polling_interval: 5 parsecs\n  frob: 1\n";
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(check_config_file(path, out, err), 1);
    EXPECT_NE(err.str().find(path + ":2:"), std::string::npos) << err.str();
    EXPECT_NE(err.str().find(path + ":3:"), std::string::npos) << err.str();
}

TEST(CheckConfig, FailsForAMissingFile) {
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(check_config_file("/nonexistent/pathkeeper.yaml", out, err), 1);
    EXPECT_NE(err.str().find("does not exist"), std::string::npos);
}

}  // namespace
}  // namespace pathkeeper::daemon
