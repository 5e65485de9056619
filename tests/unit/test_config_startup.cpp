#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "config/startup.hpp"

namespace pathkeeper::config {
namespace {

using ::testing::HasSubstr;

const std::string data_dir = std::string(PATHKEEPER_TEST_DATA_DIR) + "/config";

TEST(DaemonStartup, FallsBackToBuiltInsWhenTheDefaultFileIsMissing) {
    auto r = load_startup_config("/nonexistent/pathkeeper.yaml", false);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->builtin_only);
    EXPECT_TRUE(r->config.multipaths.empty());
}

TEST(DaemonStartup, RefusesAMissingFileNamedOnTheCommandLine) {
    auto r = load_startup_config("/nonexistent/pathkeeper.yaml", true);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::ErrorCode::NotFound);
}

TEST(DaemonStartup, RefusesAnInvalidDefaultFileRatherThanIgnoringIt) {
    auto r = load_startup_config(data_dir + "/typo.yaml", false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::ErrorCode::InvalidConfig);
}

TEST(CheckConfig, AcceptsTheShippedExample) {
    std::ostringstream out, err;
    EXPECT_EQ(check_config_file(std::string(PATHKEEPER_SOURCE_DIR) + "/conf/pathkeeper.yaml", out, err), 0);
    EXPECT_THAT(out.str(), HasSubstr(": OK"));
    EXPECT_EQ(err.str(), "");
}

TEST(CheckConfig, PrintsEveryProblemAndFailsOnATypoAndABadDuration) {
    std::ostringstream out, err;
    const std::string path = data_dir + "/typo.yaml";
    EXPECT_EQ(check_config_file(path, out, err), 1);
    EXPECT_THAT(err.str(), HasSubstr(path + ":3:3: defaults.no_path_retyr: unknown key"));
    EXPECT_THAT(err.str(),
                HasSubstr(path + ":4:21: defaults.polling_interval: invalid duration \"5 seconds\""));
}

TEST(CheckConfig, FailsOnAMissingFile) {
    std::ostringstream out, err;
    EXPECT_EQ(check_config_file("/nonexistent.yaml", out, err), 1);
    EXPECT_THAT(err.str(), HasSubstr("/nonexistent.yaml"));
}

TEST(CheckConfig, AcceptsAFullValidExampleWithEverySection) {
    std::ostringstream out, err;
    EXPECT_EQ(check_config_file(data_dir + "/full.yaml", out, err), 0) << err.str();
    EXPECT_THAT(out.str(), HasSubstr("2 device rule(s), 2 multipath entries"));
}

}  // namespace
}  // namespace pathkeeper::config
