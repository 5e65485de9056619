#include <gtest/gtest.h>

#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_with_prefix;
using test_support::path;
const TimePoint t0{};

struct Started {
    Engine engine{Config{}, Bindings{}, {}};
    std::vector<Action> created;
    Started() {
        (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
        (void)engine.handle(PathAdded{path("sdc", 32)}, t0);
        created = engine.handle(MapsDiscovered{}, t0);
    }
};

TEST(TheEngine, DoesNotCheckOrCreateAnythingBeforeStartupDiscoveryIsDone) {
    Engine e(Config{}, Bindings{}, {});
    auto a = e.handle(PathAdded{path("sdb", 16)}, t0);
    auto b = e.handle(PathAdded{path("sdc", 32)}, t0);
    EXPECT_EQ(count_with_prefix(a, "create") + count_with_prefix(b, "create") + count_with_prefix(b, "check"),
              0U);
    EXPECT_FALSE(e.started());
}

TEST(TheEngine, CreatesTheMapAndChecksBothPathsOnceStarted) {
    Started s;
    EXPECT_EQ(count_with_prefix(s.created, "create 3600a"), 1U);
    EXPECT_EQ(count_with_prefix(s.created, "check "), 2U);
}

TEST(TheEngine, SnapshotShowsTheMapItsGroupsAndPaths) {
    Started s;
    TopologySnapshot snap = s.engine.snapshot(t0);
    ASSERT_EQ(snap.maps.size(), 1U);
    EXPECT_EQ(snap.maps[0].uuid, "mpath-3600a");
    EXPECT_EQ(snap.maps[0].groups.size(), 2U);
    EXPECT_EQ(snap.maps[0].groups[0].state, "active");
    ASSERT_NE(snap.find_path("sdc"), nullptr);
    EXPECT_EQ(snap.find_path("sdc")->map, "3600a");
    EXPECT_EQ(snap.find_path("sdc")->group, 2U);
    EXPECT_EQ(snap.find_path("sdc")->devt, "8:32");
}

TEST(TheEngine, RefusesAdminRequestsForUnknownPathsAndGroups) {
    Started s;
    EXPECT_EQ(s.engine.validate(AdminFailPath{"sdz"}).error().code, ErrorCode::NotFound);
    EXPECT_EQ(s.engine.validate(AdminSwitchGroup{"3600a", 3}).error().code, ErrorCode::InvalidArgument);
    EXPECT_TRUE(s.engine.validate(AdminSwitchGroup{"3600a", 2}).ok());
}

TEST(TheEngine, KeepsAnAdminFailedPathFailedWhenItChecksUp) {
    Started s;
    auto fail = s.engine.handle(AdminRequest{AdminFailPath{"sdb"}}, t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(fail, "message 3600a fail_path 8:16"), 1U);
    auto tick = s.engine.handle(Tick{}, t0 + seconds(1));
    (void)tick;
    TopologySnapshot snap = s.engine.snapshot(t0);
    EXPECT_EQ(snap.find_path("sdb")->state, PathState::Down);
    auto reinstate = s.engine.handle(AdminRequest{AdminReinstatePath{"sdb"}}, t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(reinstate, "message 3600a reinstate_path 8:16"), 1U);
}

TEST(TheEngine, NextDeadlineIsTheFirstDueCheck) {
    Started s;
    std::uint64_t id = 0;
    for (const Action& a : s.created) {
        if (const auto* c = std::get_if<StartCheck>(&a); c != nullptr && c->devnode == "sdb") {
            id = c->check_id;
        }
    }
    EXPECT_FALSE(s.engine.next_deadline().has_value());  // both checks in flight
    (void)s.engine.handle(CheckerResult{"sdb", PathState::Up, "", id}, t0);
    EXPECT_EQ(s.engine.next_deadline(), t0 + seconds(5));
}

std::uint64_t check_id_of(const std::vector<Action>& actions, const std::string& dev) {
    for (const Action& a : actions) {
        if (const auto* c = std::get_if<StartCheck>(&a); c != nullptr && c->devnode == dev) {
            return c->check_id;
        }
    }
    return 0;
}

// next_deadline() is cached between events; a result that confirms its path's state updates the cache with
// that path's next check instead of a rescan, and must still yield the earliest check of all.
TEST(TheEngine, NextDeadlineStaysTheEarliestCheckAcrossResultsThatConfirmThePathsState) {
    Started s;
    (void)s.engine.handle(CheckerResult{"sdb", PathState::Up, "", check_id_of(s.created, "sdb")}, t0);
    (void)s.engine.handle(CheckerResult{"sdc", PathState::Up, "", check_id_of(s.created, "sdc")}, t0);
    EXPECT_EQ(s.engine.next_deadline(), t0 + seconds(5));
    auto tick = s.engine.handle(Tick{}, t0 + seconds(5));
    ASSERT_EQ(count_with_prefix(tick, "check "), 2U);
    EXPECT_FALSE(s.engine.next_deadline().has_value());  // both checks in flight
    // Healthy paths are checked less and less often (max_polling_interval), both alike: sdc, answered a
    // second before sdb, stays first.
    (void)s.engine.handle(CheckerResult{"sdc", PathState::Up, "", check_id_of(tick, "sdc")}, t0 + seconds(6));
    const std::optional<TimePoint> sdc_next = s.engine.next_deadline();
    ASSERT_TRUE(sdc_next.has_value());
    EXPECT_GT(*sdc_next, t0 + seconds(6));
    (void)s.engine.handle(CheckerResult{"sdb", PathState::Up, "", check_id_of(tick, "sdb")}, t0 + seconds(7));
    EXPECT_EQ(s.engine.next_deadline(), sdc_next);  // not the later one of sdb, answered last
    // A stale result (an id already answered) changes nothing.
    (void)s.engine.handle(CheckerResult{"sdb", PathState::Down, "", check_id_of(tick, "sdb")},
                          t0 + seconds(8));
    EXPECT_EQ(s.engine.next_deadline(), sdc_next);
    auto second = s.engine.handle(Tick{}, *sdc_next);
    ASSERT_EQ(count_with_prefix(second, "check "), 1U);
    ASSERT_EQ(count_with_prefix(second, "check sdc"), 1U);
    EXPECT_EQ(s.engine.next_deadline(), *sdc_next + seconds(1));  // sdb's, now that sdc is in flight again
    // A result that changes the path's state re-plans: sdc down is re-checked sooner than sdb's next check.
    (void)s.engine.handle(CheckerResult{"sdc", PathState::Down, "", check_id_of(second, "sdc")}, *sdc_next);
    ASSERT_TRUE(s.engine.next_deadline().has_value());
    EXPECT_LT(*s.engine.next_deadline(), *sdc_next + seconds(1));
}

// A check that waits in the worker pool's queue (behind hung ones) is not late: only a check its worker
// started and never answered fails its path.
TEST(TheEngine, FailsOnlyAStartedCheckThatNeverAnsweredNotAQueuedOne) {
    Started s;
    auto long_wait = s.engine.handle(Tick{}, t0 + seconds(3600));
    EXPECT_EQ(count_with_prefix(long_wait, "message 3600a fail_path"), 0U);
    EXPECT_EQ(s.engine.snapshot(t0 + seconds(3600)).find_path("sdb")->state, PathState::Pending);
    (void)s.engine.handle(CheckStarted{"sdb", check_id_of(s.created, "sdb")}, t0 + seconds(3600));
    auto before = s.engine.handle(Tick{}, t0 + seconds(3634));
    EXPECT_EQ(count_with_prefix(before, "message 3600a fail_path"), 0U);
    auto after = s.engine.handle(Tick{}, t0 + seconds(3635));
    EXPECT_EQ(count_with_prefix(after, "message 3600a fail_path 8:16"), 1U);
    EXPECT_EQ(count_with_prefix(after, "message 3600a fail_path 8:32"), 0U);
    const TopologySnapshot snap = s.engine.snapshot(t0 + seconds(3635));
    EXPECT_EQ(snap.find_path("sdb")->state, PathState::Down);
    EXPECT_EQ(snap.find_path("sdc")->state, PathState::Pending);
}

TEST(TheEngine, DoesNothingButRecordAResultThatConfirmsThePathsState) {
    Started s;
    // First results: pending -> up, a real change.
    auto first = s.engine.handle(CheckerResult{"sdb", PathState::Up, "", check_id_of(s.created, "sdb")}, t0);
    EXPECT_EQ(count_with_prefix(first, "publish-path"), 1U);
    (void)s.engine.handle(CheckerResult{"sdc", PathState::Up, "", check_id_of(s.created, "sdc")}, t0);
    // The next round confirms "up": no dm message, no publication, no other path's check started early.
    auto round = s.engine.handle(Tick{}, t0 + seconds(5));
    ASSERT_EQ(count_with_prefix(round, "check "), 2U);
    auto again =
        s.engine.handle(CheckerResult{"sdb", PathState::Up, "", check_id_of(round, "sdb")}, t0 + seconds(5));
    for (const Action& a : again) {
        EXPECT_NE(to_string(a).rfind("log", 0), std::string::npos) << "unexpected action " << to_string(a);
    }
}

TEST(TheEngine, StartsNoChecksOnATickBeforeAnyIsDue) {
    Started s;
    (void)s.engine.handle(CheckerResult{"sdb", PathState::Up, "", check_id_of(s.created, "sdb")}, t0);
    (void)s.engine.handle(CheckerResult{"sdc", PathState::Up, "", check_id_of(s.created, "sdc")}, t0);
    EXPECT_TRUE(s.engine.handle(Tick{}, t0 + seconds(1)).empty());
    EXPECT_EQ(count_with_prefix(s.engine.handle(Tick{}, t0 + seconds(5)), "check "), 2U);
}

TEST(TheEngine, RetriesAFailedCreateAfterAPollingInterval) {
    Started s;
    CreateMap create;
    for (const Action& a : s.created) {
        if (const auto* c = std::get_if<CreateMap>(&a)) {
            create = *c;
        }
    }
    auto failed = s.engine.handle(ActionFailed{create, Error{ErrorCode::Io, "EBUSY"}}, t0);
    EXPECT_EQ(count_with_prefix(failed, "log error 3600a: creating the map failed"), 1U);
    EXPECT_EQ(count_with_prefix(s.engine.handle(Tick{}, t0 + seconds(1)), "create"), 0U);
    EXPECT_EQ(count_with_prefix(s.engine.handle(Tick{}, t0 + seconds(5)), "create 3600a"), 1U);
}

TEST(TheEngine, AsksForTheMapStatusOnADmEvent) {
    Started s;
    auto a = s.engine.handle(DmEvent{"3600a"}, t0);
    EXPECT_EQ(count_with_prefix(a, "read-status 3600a"), 1U);
    EXPECT_TRUE(s.engine.handle(DmEvent{"other"}, t0).empty());
}

TEST(TheEngine, PlansABatchOfUeventsOnceSoAPathThatGoesAndReturnsInItLeavesTheMapAlone) {
    Started one_by_one;
    auto removed = one_by_one.engine.handle(PathRemoved{"sdb", 0}, t0 + seconds(1));
    auto added = one_by_one.engine.handle(PathAdded{path("sdb", 16)}, t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(removed, "reload 3600a") + count_with_prefix(added, "reload 3600a"),
              2U);  // without sdb, with

    Started batched;
    auto actions = batched.engine.handle(PathEvents{{PathRemoved{"sdb", 0}, PathAdded{path("sdb", 16)}}},
                                         t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(actions, "reload"), 0U);
    EXPECT_EQ(count_with_prefix(actions, "remove"), 0U);
    ASSERT_NE(batched.engine.snapshot(t0).find_path("sdb"), nullptr);
    EXPECT_EQ(batched.engine.snapshot(t0).find_path("sdb")->map, "3600a");
}

TEST(TheEngine, CreatesAMapWhosePathsArriveInOneBatchWithAllOfThem) {
    Started s;
    PathInfo d = path("sdd", 48);
    PathInfo e = path("sde", 64);
    d.wwid = e.wwid = "3600b";
    auto actions = s.engine.handle(PathEvents{{PathAdded{d}, PathAdded{e}}}, t0 + seconds(1));
    ASSERT_EQ(count_with_prefix(actions, "create 3600b"), 1U);
    EXPECT_EQ(count_with_prefix(actions, "reload"), 0U);
    for (const Action& action : actions) {
        if (to_string(action).rfind("create 3600b", 0) == 0) {
            EXPECT_NE(to_string(action).find("8:48"), std::string::npos) << to_string(action);
            EXPECT_NE(to_string(action).find("8:64"), std::string::npos) << to_string(action);
        }
    }
}

// udev's helper answers find_multipaths "on" from the disks whose events it has seen: the first path of a new
// LUN is left unclaimed. Once the map exists (and its WWID is saved as known), that path gets a change event.
struct NewLunFoundByUdev {
    Engine engine{on_config(), Bindings{}, {}};
    std::vector<Action> planned;
    static Config on_config() {
        Config c;
        c.defaults.global.find_multipaths = FindMultipaths::On;
        return c;
    }
    static PathInfo with_claim(PathInfo p, UdevClaim claim) {
        p.udev_claim = claim;
        return p;
    }
    template <class A>
    static A only(const std::vector<Action>& actions) {
        std::vector<A> found;
        for (const Action& a : actions) {
            if (const auto* one = std::get_if<A>(&a)) {
                found.push_back(*one);
            }
        }
        EXPECT_EQ(found.size(), 1U) << to_string(actions);
        return found.empty() ? A{} : found.front();
    }
    NewLunFoundByUdev() {
        (void)engine.handle(MapsDiscovered{}, t0);
        (void)engine.handle(PathAdded{with_claim(path("sdb", 16), UdevClaim::NotClaimed)}, t0);
        planned = engine.handle(PathAdded{with_claim(path("sdc", 32), UdevClaim::Claimed)}, t0);
    }
};

TEST(TheEngine, SavesTheWwidAsKnownBeforeItCreatesTheMapAndTriggersNothingYet) {
    NewLunFoundByUdev s;
    const std::string text = to_string(s.planned);
    ASSERT_NE(text.find("save-wwids 3600a"), std::string::npos) << text;
    ASSERT_NE(text.find("create 3600a"), std::string::npos) << text;
    EXPECT_LT(text.find("save-wwids 3600a"), text.find("create 3600a"));
    EXPECT_EQ(count_with_prefix(s.planned, "trigger-change"), 0U);  // dm does not have the map yet
}

TEST(TheEngine, TriggersAChangeEventOnlyOnTheMembersUdevLeftUnclaimedOnceTheMapIsCreated) {
    NewLunFoundByUdev s;
    auto created = s.engine.handle(ActionCompleted{s.only<CreateMap>(s.planned)}, t0);
    EXPECT_EQ(count_with_prefix(created, "trigger-change sdb"), 1U) << to_string(created);
    EXPECT_EQ(count_with_prefix(created, "trigger-change"), 1U) << to_string(created);  // sdc is claimed
}

TEST(TheEngine, DoesNotTriggerAgainOnTheChangeEventItCausedNorOnALaterReload) {
    NewLunFoundByUdev s;
    (void)s.engine.handle(ActionCompleted{s.only<CreateMap>(s.planned)}, t0);
    // Even if the helper still says no, the change event it caused triggers nothing more.
    auto changed = s.engine.handle(PathChanged{s.with_claim(path("sdb", 16), UdevClaim::NotClaimed)}, t0);
    EXPECT_EQ(count_with_prefix(changed, "trigger-change"), 0U) << to_string(changed);
    // A third path joins (unclaimed, its udev data unknown for a fourth): only the newcomer is triggered.
    auto joined = s.engine.handle(PathEvents{{PathAdded{s.with_claim(path("sdd", 48), UdevClaim::NotClaimed)},
                                              PathAdded{s.with_claim(path("sde", 64), UdevClaim::Unknown)}}},
                                  t0);
    auto reloaded = s.engine.handle(ActionCompleted{s.only<ReloadMap>(joined)}, t0);
    EXPECT_EQ(count_with_prefix(reloaded, "trigger-change sdd"), 1U) << to_string(reloaded);
    EXPECT_EQ(count_with_prefix(reloaded, "trigger-change"), 1U) << to_string(reloaded);
}

TEST(TheEngine, TriggersNothingForAMapWhosePathsUdevClaimedOrDidNotDescribe) {
    Started s;  // udev's data unknown (as in plan input and simulation)
    CreateMap create;
    for (const Action& a : s.created) {
        if (const auto* c = std::get_if<CreateMap>(&a)) {
            create = *c;
        }
    }
    EXPECT_EQ(count_with_prefix(s.engine.handle(ActionCompleted{create}, t0), "trigger-change"), 0U);
}

TEST(TheEngine, TriggersAgainWhenTheMapIsCreatedAnewAroundTheSamePaths) {
    NewLunFoundByUdev s;
    (void)s.engine.handle(ActionCompleted{s.only<CreateMap>(s.planned)}, t0);
    Config excluded = NewLunFoundByUdev::on_config();
    excluded.blacklist.wwid.push_back(PatternRule{*Pattern::compile("^3600a$"), {}});
    auto gone = s.engine.handle(ConfigApplied{excluded}, t0 + seconds(1));
    (void)s.engine.handle(ActionCompleted{s.only<RemoveMap>(gone)}, t0 + seconds(1));
    // While excluded, udev's helper said no to both paths.
    for (const auto& [dev, minor] : {std::pair{"sdb", 16U}, std::pair{"sdc", 32U}}) {
        (void)s.engine.handle(PathChanged{s.with_claim(path(dev, minor), UdevClaim::NotClaimed)},
                              t0 + seconds(1));
    }
    auto back = s.engine.handle(ConfigApplied{NewLunFoundByUdev::on_config()}, t0 + seconds(2));
    auto created = s.engine.handle(ActionCompleted{s.only<CreateMap>(back)}, t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(created, "trigger-change sdb"), 1U) << to_string(created);
    EXPECT_EQ(count_with_prefix(created, "trigger-change sdc"), 1U) << to_string(created);
}

}  // namespace
}  // namespace pathkeeper::core
