#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "daemon/options.hpp"

namespace pathkeeper::daemon {
namespace {

CommandLine parse(std::vector<const char*> args) {
    args.insert(args.begin(), "pathkeeperd");
    return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST(TheCommandLine, DefaultsToTheSystemConfigStateDirAndRealBackend) {
    auto cl = parse({});
    ASSERT_TRUE(cl.options);
    EXPECT_EQ(cl.options->config_path, "/etc/pathkeeper/pathkeeper.yaml");
    EXPECT_FALSE(cl.options->config_path_explicit);
    EXPECT_EQ(cl.options->state_dir, "/var/lib/pathkeeper");
    EXPECT_EQ(cl.options->backend, BackendKind::Real);
    EXPECT_TRUE(cl.options->dbus);
    EXPECT_FALSE(cl.options->check_config);
}

TEST(TheCommandLine, MarksAGivenConfigAsExplicitEvenWhenItIsTheDefaultPath) {
    auto cl = parse({"--config", "/etc/pathkeeper/pathkeeper.yaml"});
    ASSERT_TRUE(cl.options);
    EXPECT_TRUE(cl.options->config_path_explicit);
}

TEST(TheCommandLine, AcceptsTheSimulatedBackendWithAScenario) {
    auto cl = parse({"--backend", "sim", "--sim-scenario", "x.yaml", "--state-dir", "/tmp/s", "--no-dbus",
                     "--log-level", "debug", "--foreground"});
    ASSERT_TRUE(cl.options);
    EXPECT_EQ(cl.options->backend, BackendKind::Sim);
    EXPECT_EQ(cl.options->sim_scenario, "x.yaml");
    EXPECT_EQ(cl.options->state_dir, "/tmp/s");
    EXPECT_FALSE(cl.options->dbus);
    EXPECT_EQ(cl.options->log_level, core::LogLevel::Debug);
    EXPECT_TRUE(cl.options->foreground);
}

TEST(TheCommandLine, RejectsTheSimulatedBackendWithoutAScenario) {
    auto cl = parse({"--backend", "sim"});
    EXPECT_FALSE(cl.options);
    EXPECT_EQ(cl.exit_code, 2);
}

TEST(TheCommandLine, RejectsAScenarioForTheRealBackend) {
    auto cl = parse({"--sim-scenario", "x.yaml"});
    EXPECT_FALSE(cl.options);
    EXPECT_NE(cl.exit_code, 0);
}

TEST(TheCommandLine, RejectsAnUnknownBackend) {
    auto cl = parse({"--backend", "fake"});
    EXPECT_FALSE(cl.options);
    EXPECT_NE(cl.exit_code, 0);
}

TEST(TheCommandLine, RejectsAnUnknownLogLevel) {
    auto cl = parse({"--log-level", "chatty"});
    EXPECT_FALSE(cl.options);
    EXPECT_EQ(cl.exit_code, 2);
}

TEST(TheCommandLine, RejectsAnUnknownFlag) {
    auto cl = parse({"--frobnicate"});
    EXPECT_FALSE(cl.options);
    EXPECT_NE(cl.exit_code, 0);
}

TEST(TheCommandLine, CarriesTheFileToCheck) {
    auto cl = parse({"--check-config", "a.yaml"});
    ASSERT_TRUE(cl.options);
    EXPECT_EQ(cl.options->check_config, "a.yaml");
}

TEST(TheCommandLine, ExitsZeroAfterHelpAndVersion) {
    EXPECT_EQ(parse({"--help"}).exit_code, 0);
    EXPECT_FALSE(parse({"--help"}).options);
    EXPECT_EQ(parse({"--version"}).exit_code, 0);
    EXPECT_FALSE(parse({"--version"}).options);
}

}  // namespace
}  // namespace pathkeeper::daemon
