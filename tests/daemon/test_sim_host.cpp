#include <gtest/gtest.h>
#include <poll.h>

#include "core/dm_table.hpp"
#include "core/persistent_reservation.hpp"
#include "sim/sim_host.hpp"

namespace pathkeeper::sim {
namespace {

constexpr const char* kScenario = R"(
paths:
  - {dev: sdb, devt: "8:16", wwid: "3600a", state: up}
  - {dev: sdc, devt: "8:32", wwid: "3600a", state: down}
  - {dev: sdd, devt: "8:48", wwid: "3600b", present: false}
maps:
  - name: mpatha
    wwid: "3600a"
    table: "0 0 2 1 service-time 0 1 2 8:16 1 1 service-time 0 1 2 8:32 1 1"
    failed: [sdc]
)";

class ASimHost : public ::testing::Test {
protected:
    ASimHost() : host_(*parse_scenario(kScenario, "s.yaml"), "") {}
    ports::DeviceMapper& dm() { return host_.device_mapper(); }
    SimHost host_;
};

core::DmMultipathTable table(const char* text) {
    return *core::parse_table(text);
}

TEST_F(ASimHost, ListsTheScenarioMapsWithParsedTableAndStatus) {
    auto maps = dm().list_multipath_maps();
    ASSERT_TRUE(maps.ok());
    ASSERT_EQ(maps->size(), 1U);
    const auto& m = (*maps)[0];
    EXPECT_EQ(m.uuid, "mpath-3600a");
    EXPECT_EQ(m.wwid(), "3600a");
    ASSERT_TRUE(m.table) << m.table_error;
    ASSERT_TRUE(m.status) << m.status_error;
    EXPECT_EQ(m.status->groups.size(), 2U);
    EXPECT_EQ(m.status->groups[0].paths[0].state, core::DmPathState::Active);
    EXPECT_EQ(m.status->groups[1].paths[0].state, core::DmPathState::Failed);
    EXPECT_EQ(m.status->active_group(), 1U);
}

// Each present path is a nexus of the LU of its WWID: a key registered through sdb is listed through sdb; a
// path whose checker says down delivers nothing.
TEST_F(ASimHost, AnswersPersistentReservationsPerWwidAndNotThroughADownPath) {
    ports::PersistentReservations& pr = host_.reservations();
    const auto ms = std::chrono::milliseconds(1000);
    core::PrOutParameters reg;
    reg.service_action_key = 0xa1;
    EXPECT_EQ(pr.pr_out("/dev/sdb", core::PrOutAction::Register, std::nullopt, reg, ms).outcome,
              core::ScsiOutcome::Good);
    const ports::PrInReply keys = pr.pr_in("/dev/sdb", core::PrInAction::ReadKeys, 4096, ms);
    ASSERT_EQ(keys.completion.outcome, core::ScsiOutcome::Good);
    auto parsed = core::parse_read_keys(keys.data);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->keys, std::vector<core::PrKey>{0xa1});
    EXPECT_EQ(pr.pr_in("/dev/sdc", core::PrInAction::ReadKeys, 4096, ms).completion.outcome,
              core::ScsiOutcome::Failed);
}

TEST_F(ASimHost, ColdplugShowsOnlyPresentDisks) {
    auto disks = host_.udev().enumerate();
    ASSERT_TRUE(disks.ok());
    ASSERT_EQ(disks->size(), 2U);
    EXPECT_EQ((*disks)[0].devnode, "sdb");
    ASSERT_TRUE((*disks)[0].path);
    EXPECT_EQ((*disks)[0].path->wwid, "3600a");
}

TEST_F(ASimHost, FailsAPathOnMessageCountsTheFailureAndRaisesADmEvent) {
    ASSERT_TRUE(dm().changed_maps().ok());  // the first call reports everything
    ASSERT_TRUE(dm().send_message("mpatha", "fail_path 8:16").ok());
    auto changed = dm().changed_maps();
    ASSERT_TRUE(changed.ok());
    EXPECT_EQ(*changed, std::vector<std::string>{"mpatha"});
    auto m = dm().get_map("mpatha");
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->status->groups[0].paths[0].state, core::DmPathState::Failed);
    EXPECT_EQ(m->status->groups[0].paths[0].fail_count, 1U);
    EXPECT_EQ(*dm().changed_maps(), std::vector<std::string>{});
}

TEST_F(ASimHost, ReinstatesAPathAndSwitchesGroupLikeTheKernel) {
    ASSERT_TRUE(dm().send_message("mpatha", "reinstate_path 8:32").ok());
    ASSERT_TRUE(dm().send_message("mpatha", "switch_group 2").ok());
    auto m = dm().get_map("mpatha");
    EXPECT_EQ(m->status->groups[1].paths[0].state, core::DmPathState::Active);
    EXPECT_EQ(m->status->active_group(), 2U);
}

TEST_F(ASimHost, RejectsMessagesTheKernelWouldRejectWithEinval) {
    EXPECT_EQ(dm().send_message("mpatha", "fail_path 8:99").error().code, core::ErrorCode::InvalidArgument);
    EXPECT_EQ(dm().send_message("mpatha", "switch_group 3").error().code, core::ErrorCode::InvalidArgument);
    EXPECT_EQ(dm().send_message("mpatha", "frobnicate").error().code, core::ErrorCode::InvalidArgument);
    EXPECT_EQ(dm().send_message("mpathz", "queue_if_no_path").error().code, core::ErrorCode::NotFound);
}

TEST_F(ASimHost, TogglesQueueingAndEchoesItInTheTable) {
    ASSERT_TRUE(dm().send_message("mpatha", "queue_if_no_path").ok());
    auto m = dm().get_map("mpatha");
    EXPECT_TRUE(core::has_feature(*m->table, "queue_if_no_path"));
    ASSERT_TRUE(dm().send_message("mpatha", "fail_if_no_path").ok());
    EXPECT_FALSE(core::has_feature(*dm().get_map("mpatha")->table, "queue_if_no_path"));
}

TEST_F(ASimHost, RefusesToLoadATableNamingAnAbsentDevice) {
    auto created =
        dm().create_map("mpathb", "mpath-3600b", 2097152, table("0 0 1 1 round-robin 0 1 1 8:48 1"));
    ASSERT_FALSE(created.ok());
    EXPECT_NE(created.error().message.find("8:48"), std::string::npos);
}

TEST_F(ASimHost, RefusesADuplicateNameOrUuid) {
    const auto t = table("0 0 1 1 round-robin 0 1 1 8:16 1");
    EXPECT_EQ(dm().create_map("mpatha", "mpath-x", 1, t).error().code, core::ErrorCode::AlreadyExists);
    EXPECT_EQ(dm().create_map("other", "mpath-3600a", 1, t).error().code, core::ErrorCode::AlreadyExists);
}

TEST_F(ASimHost, KeepsPathStatesAcrossAReloadAndLogsEveryOperation) {
    ASSERT_TRUE(dm().reload_map("mpatha", 2097152, table("0 0 1 1 round-robin 0 2 1 8:16 1 8:32 1")).ok());
    auto m = dm().get_map("mpatha");
    ASSERT_EQ(m->status->groups.size(), 1U);
    EXPECT_EQ(m->status->groups[0].paths[1].state, core::DmPathState::Failed);  // sdc stays failed
    ASSERT_EQ(host_.operations().size(), 1U);
    EXPECT_EQ(host_.operations()[0].rfind("reload mpatha ", 0), 0U);
}

TEST_F(ASimHost, DoesNotRemoveAnOpenMap) {
    ASSERT_TRUE(host_.apply(*parse_sim_command("open mpatha 1")).ok());
    EXPECT_EQ(dm().remove_map("mpatha", {}).error().code, core::ErrorCode::Conflict);
    ASSERT_TRUE(host_.apply(*parse_sim_command("open mpatha 0")).ok());
    EXPECT_TRUE(dm().remove_map("mpatha", {}).ok());
    EXPECT_TRUE(dm().list_multipath_maps()->empty());
}

TEST_F(ASimHost, FailsAPathOnAnInjectedIoErrorAndRaisesADmEvent) {
    ASSERT_TRUE(dm().changed_maps().ok());
    ASSERT_TRUE(host_.apply(*parse_sim_command("kernel-fail sdb")).ok());
    EXPECT_EQ(*dm().changed_maps(), std::vector<std::string>{"mpatha"});
    auto m = dm().get_map("mpatha");
    EXPECT_EQ(m->status->groups[0].paths[0].state, core::DmPathState::Failed);
    EXPECT_TRUE(m->status->active_group() == 0 || m->status->active_group() == 1);
}

TEST_F(ASimHost, QueuesUeventsForPlugAndUnplug) {
    ASSERT_TRUE(host_.apply(*parse_sim_command("add sdd")).ok());
    ASSERT_TRUE(host_.apply(*parse_sim_command("remove sdb")).ok());
    auto events = host_.udev().receive(16);
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[0].action, ports::UdevAction::Add);
    EXPECT_EQ(events[0].disk.devnode, "sdd");
    EXPECT_EQ(events[1].action, ports::UdevAction::Remove);
    EXPECT_EQ(events[1].disk.devt.to_string(), "8:16");
    EXPECT_TRUE(host_.udev().receive(16).empty());
    EXPECT_FALSE(host_.apply(*parse_sim_command("add sdd")).ok());
}

TEST_F(ASimHost, HandsOutUeventsInBoundedBatchesAndStaysReadableWhileSomeAreQueued) {
    ASSERT_TRUE(host_.apply(*parse_sim_command("add sdd")).ok());
    ASSERT_TRUE(host_.apply(*parse_sim_command("remove sdb")).ok());
    ASSERT_TRUE(host_.apply(*parse_sim_command("remove sdc")).ok());
    auto readable = [&] {
        pollfd fd{host_.udev().fd(), POLLIN, 0};
        return ::poll(&fd, 1, 0) == 1;
    };
    auto first = host_.udev().receive(2);
    ASSERT_EQ(first.size(), 2U);
    EXPECT_EQ(first[0].disk.devnode, "sdd");
    EXPECT_EQ(first[1].disk.devnode, "sdb");
    EXPECT_TRUE(readable());
    auto rest = host_.udev().receive(2);
    ASSERT_EQ(rest.size(), 1U);
    EXPECT_EQ(rest[0].disk.devnode, "sdc");
    EXPECT_FALSE(readable());
}

TEST_F(ASimHost, ChecksPathsWithTheScenarioStates) {
    auto checker = host_.checker();
    ports::CheckRequest request;
    request.devnode = "sdb";
    EXPECT_EQ(checker->check(request).state, core::PathState::Up);
    request.devnode = "sdc";
    EXPECT_EQ(checker->check(request).state, core::PathState::Down);
    ASSERT_TRUE(host_.apply(*parse_sim_command("checker sdc ghost")).ok());
    EXPECT_EQ(checker->check(request).state, core::PathState::Ghost);
    request.devnode = "sdd";  // not plugged in
    EXPECT_EQ(checker->check(request).state, core::PathState::Down);
}

TEST_F(ASimHost, RunsTimelineStepsWhenTheyAreDue) {
    auto scenario = *parse_scenario(
        "paths:\n  - {dev: sdb, devt: \"8:16\", wwid: w}\ntimeline:\n  - {at: 1s, do: checker sdb down}\n",
        "t");
    SimHost host(scenario, "");
    const auto t0 = SimHost::Clock::now();
    host.start_timeline(t0);
    EXPECT_EQ(host.next_step_due(), t0 + std::chrono::seconds(1));
    EXPECT_TRUE(host.run_due_steps(t0).empty());
    auto lines = host.run_due_steps(t0 + std::chrono::seconds(1));
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(lines[0], "sim: checker sdb down");
    EXPECT_EQ(host.next_step_due(), std::nullopt);
    ports::CheckRequest request;
    request.devnode = "sdb";
    EXPECT_EQ(host.checker()->check(request).state, core::PathState::Down);
}

}  // namespace
}  // namespace pathkeeper::sim
