#include <gtest/gtest.h>

#include <string>

#include "sim/scenario.hpp"

namespace pathkeeper::sim {
namespace {

constexpr const char* kTwoPaths = R"(
paths:
  - dev: sdb
    devt: "8:16"
    wwid: "36001405aaaa"
    vendor: LIO-ORG
    product: disk1
    alua_state: active/optimized
    portal: "10.0.0.1:3260"
    target_iqn: iqn.2003-01.org.linux-iscsi:t1
    session_id: 1
  - dev: sdc
    devt: "8:32"
    wwid: "36001405aaaa"
    state: ghost
    present: false
checker_delay: 20ms
timeline:
  - at: 2s
    do: remove sdb
  - at: 500ms
    do: checker sdb down
)";

TEST(AScenario, ParsesPathsWithTheirCheckerStatesAndIscsiFacts) {
    auto s = parse_scenario(kTwoPaths, "two.yaml");
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_EQ(s->paths.size(), 2U);
    EXPECT_EQ(s->paths[0].info.devnode, "sdb");
    EXPECT_EQ(s->paths[0].info.devt.to_string(), "8:16");
    EXPECT_EQ(s->paths[0].info.transport, core::Transport::Iscsi);
    EXPECT_EQ(s->paths[0].info.alua_state, core::AluaState::ActiveOptimized);
    EXPECT_TRUE(s->paths[0].info.tpgs);
    ASSERT_TRUE(s->paths[0].info.iscsi);
    EXPECT_EQ(s->paths[0].info.iscsi->portal, "10.0.0.1:3260");
    EXPECT_EQ(s->paths[1].checker_state, core::PathState::Ghost);
    EXPECT_FALSE(s->paths[1].present);
    EXPECT_EQ(s->checker_delay, std::chrono::milliseconds(20));
}

TEST(AScenario, SortsTheTimelineByTime) {
    auto s = parse_scenario(kTwoPaths, "two.yaml");
    ASSERT_TRUE(s.ok());
    ASSERT_EQ(s->timeline.size(), 2U);
    EXPECT_EQ(s->timeline[0].text, "checker sdb down");
    EXPECT_EQ(s->timeline[1].command.kind, SimCommand::Kind::Remove);
}

TEST(AScenario, ThatIsEmptyHasNothingInIt) {
    auto s = parse_scenario("", "empty.yaml");
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(s->paths.empty());
}

TEST(AScenario, WithAnUnknownKeyIsRejectedWithItsPosition) {
    auto s =
        parse_scenario("paths:\n  - dev: sdb\n    devt: \"8:16\"\n    wwid: x\n    wwwid: y\n", "k.yaml");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("k.yaml:5:5"), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("wwwid"), std::string::npos);
}

TEST(AScenario, WithAMissingRequiredKeyIsRejected) {
    auto s = parse_scenario("paths:\n  - dev: sdb\n    wwid: x\n", "m.yaml");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("devt"), std::string::npos);
}

TEST(AScenario, WithDuplicateDevicesIsRejected) {
    auto s = parse_scenario(
        "paths:\n  - {dev: sdb, devt: \"8:16\", wwid: x}\n  - {dev: sdb, devt: \"8:32\", wwid: x}\n",
        "d.yaml");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("duplicate"), std::string::npos);
}

TEST(AScenario, WithAnUnparsableMapTableIsRejected) {
    auto s = parse_scenario("maps:\n  - {name: mpatha, wwid: x, table: \"1 2 3\"}\n", "t.yaml");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("maps[0].table"), std::string::npos);
}

TEST(AScenario, WithABadTimelineCommandIsRejected) {
    auto s = parse_scenario("timeline:\n  - {at: 1s, do: explode sdb}\n", "c.yaml");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("unknown command"), std::string::npos);
}

TEST(AScenario, TruncatedAnywhereIsAnErrorOrAPrefixNeverACrash) {
    const std::string text = kTwoPaths;
    for (std::size_t n = 0; n < text.size(); ++n) {
        auto s = parse_scenario(text.substr(0, n), "cut.yaml");
        if (!s.ok()) {
            EXPECT_NE(s.error().message.find("cut.yaml"), std::string::npos);
        }
    }
}

TEST(AScenario, MadeOfGarbageIsAnError) {
    for (const char* garbage :
         {"{{{{", "paths: 7", "- a\n- b", "paths:\n  - [1, 2]", "\x01\x02\xff", "maps: {}",
          "paths:\n  - {dev: sdb, devt: \"8:x\", wwid: w}", "checker_delay: soon"}) {
        auto s = parse_scenario(garbage, "g.yaml");
        EXPECT_FALSE(s.ok()) << garbage;
    }
}

TEST(AScenario, OverOneMebibyteIsRefused) {
    const std::string huge(2U << 20, '#');
    auto s = parse_scenario(huge, "huge.yaml");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message.find("1 MiB"), std::string::npos);
}

TEST(ASimCommand, NeedsItsArguments) {
    EXPECT_FALSE(parse_sim_command("checker sdb").ok());
    EXPECT_FALSE(parse_sim_command("checker sdb sideways").ok());
    EXPECT_FALSE(parse_sim_command("remove").ok());
    EXPECT_FALSE(parse_sim_command("open mpatha lots").ok());
    EXPECT_FALSE(parse_sim_command("").ok());
    EXPECT_TRUE(parse_sim_command("kernel-fail sdc").ok());
    EXPECT_TRUE(parse_sim_command("alua sdc standby").ok());
}

}  // namespace
}  // namespace pathkeeper::sim
