// A map removed outside the daemon, and paths read again after lost uevents: the engine's view follows dm and
// the disks, without fighting an admin who removed a map on purpose.
#include <gtest/gtest.h>

#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_with_prefix;
using test_support::path;
const TimePoint t0{};

std::size_t count_containing(const std::vector<Action>& actions, const std::string& text) {
    std::size_t n = 0;
    for (const Action& a : actions) {
        n += to_string(a).find(text) != std::string::npos ? 1 : 0;
    }
    return n;
}

std::uint64_t check_id_of(const std::vector<Action>& actions, const std::string& dev) {
    for (const Action& a : actions) {
        if (const auto* c = std::get_if<StartCheck>(&a); c != nullptr && c->devnode == dev) {
            return c->check_id;
        }
    }
    return 0;
}

// Two paths of 3600a in map 3600a, both checked up; the map then removed behind the daemon's back and found
// gone by the status read that its dm event asked for.
struct Vanished {
    Engine engine{Config{}, Bindings{}, {}};
    std::vector<Action> vanished;
    Vanished() {
        (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
        (void)engine.handle(PathAdded{path("sdc", 32)}, t0);
        auto created = engine.handle(MapsDiscovered{}, t0);
        (void)engine.handle(CheckerResult{"sdb", PathState::Up, "", check_id_of(created, "sdb")}, t0);
        (void)engine.handle(CheckerResult{"sdc", PathState::Up, "", check_id_of(created, "sdc")}, t0);
        vanished = engine.handle(
            ActionFailed{ReadMapStatus{"3600a"}, Error{ErrorCode::NotFound, "no such device 3600a"}},
            t0 + seconds(1));
    }
};

TEST(AMapRemovedOutsideTheDaemon, IsDroppedFromTheTopologyAndItsPathsShownUnmapped) {
    Vanished s;
    EXPECT_EQ(count_with_prefix(s.vanished, "log warning 3600a: map is gone from device-mapper"), 1U);
    const TopologySnapshot snap = s.engine.snapshot();
    EXPECT_TRUE(snap.maps.empty());
    ASSERT_NE(snap.find_path("sdb"), nullptr);
    EXPECT_EQ(snap.find_path("sdb")->map, "");
    EXPECT_EQ(snap.find_path("sdc")->map, "");
    EXPECT_EQ(snap.find_path("sdb")->dm_state, DmPathState::Unknown);
}

TEST(AMapRemovedOutsideTheDaemon, IsSentNothingAfterwards) {
    Vanished s;
    EXPECT_TRUE(s.engine.handle(DmEvent{"3600a"}, t0 + seconds(2)).empty());
    EXPECT_EQ(s.engine.validate(AdminSwitchGroup{"3600a", 1}).error().code, ErrorCode::NotFound);
    EXPECT_EQ(s.engine.validate(AdminFailPath{"sdb"}).error().code, ErrorCode::NotFound);
    // Its paths are unmapped: like any path in no map, not checked, and nothing goes to dm for them.
    EXPECT_TRUE(s.engine.handle(Tick{}, t0 + seconds(30)).empty());
}

TEST(AMapRemovedOutsideTheDaemon, IsNotCreatedAgainByCheckerTicksOrRetries) {
    Vanished s;
    for (int second = 2; second <= 120; ++second) {
        auto actions = s.engine.handle(Tick{}, t0 + seconds(second));
        for (const Action& a : actions) {
            if (const auto* c = std::get_if<StartCheck>(&a)) {
                actions = s.engine.handle(CheckerResult{c->devnode, PathState::Up, "", c->check_id},
                                          t0 + seconds(second));
                EXPECT_EQ(count_with_prefix(actions, "create"), 0U);
            }
        }
        EXPECT_EQ(count_with_prefix(actions, "create"), 0U) << "at " << second << " s";
    }
    EXPECT_TRUE(s.engine.snapshot().maps.empty());
}

TEST(AMapRemovedOutsideTheDaemon, IsNotCreatedAgainByAnotherWwidsPathEvent) {
    Vanished s;
    auto other = s.engine.handle(
        PathEvents{{PathAdded{path("sdd", 48, "3600b")}, PathAdded{path("sde", 64, "3600b")}}},
        t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(other, "create 3600b"), 1U);
    EXPECT_EQ(count_with_prefix(other, "create 3600a"), 0U);
}

TEST(AMapRemovedOutsideTheDaemon, IsCreatedAgainOnAChangeEventOfOneOfItsPaths) {
    Vanished s;
    auto changed = s.engine.handle(PathEvents{{PathChanged{path("sdb", 16)}}}, t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(changed, "create 3600a"), 1U);
    const TopologySnapshot snap = s.engine.snapshot();
    ASSERT_EQ(snap.maps.size(), 1U);
    EXPECT_EQ(snap.find_path("sdb")->map, "3600a");
    EXPECT_EQ(snap.find_path("sdc")->map, "3600a");  // with all of its paths, not only the one that changed
}

TEST(AMapRemovedOutsideTheDaemon, IsCreatedAgainWhenOneOfItsPathsIsAdded) {
    Vanished s;
    (void)s.engine.handle(PathRemoved{"sdc", 0}, t0 + seconds(2));
    EXPECT_TRUE(s.engine.snapshot().maps.empty());
    auto added = s.engine.handle(PathAdded{path("sdc", 32)}, t0 + seconds(3));
    EXPECT_EQ(count_with_prefix(added, "create 3600a"), 1U);
}

TEST(AMapRemovedOutsideTheDaemon, IsCreatedAgainOnReconfigure) {
    Vanished s;
    auto applied = s.engine.handle(ConfigApplied{Config{}}, t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(applied, "create 3600a"), 1U);
}

TEST(AMapRemovedOutsideTheDaemon, IsConfirmedGoneByAStatusReadWhenAMessageToItFails) {
    Engine engine(Config{}, Bindings{}, {});
    (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
    (void)engine.handle(PathAdded{path("sdc", 32)}, t0);
    (void)engine.handle(MapsDiscovered{}, t0);
    auto failed = engine.handle(
        ActionFailed{DmMessage{"3600a", "fail_path 8:16"}, Error{ErrorCode::NotFound, "no such device"}}, t0);
    EXPECT_EQ(count_with_prefix(failed, "read-status 3600a"), 1U);
    EXPECT_EQ(engine.snapshot().maps.size(), 1U);  // not dropped on a message's word alone
    (void)engine.handle(ActionFailed{ReadMapStatus{"3600a"}, Error{ErrorCode::NotFound, "no such device"}},
                        t0);
    EXPECT_TRUE(engine.snapshot().maps.empty());
    // A message queued before that is answered NotFound too: noted, not retried, no warning.
    auto late = engine.handle(
        ActionFailed{DmMessage{"3600a", "fail_path 8:16"}, Error{ErrorCode::NotFound, "no such device"}}, t0);
    EXPECT_EQ(count_with_prefix(late, "read-status"), 0U);
    EXPECT_EQ(count_containing(late, "warning"), 0U);
}

TEST(AMapRemovedOutsideTheDaemon, IsNotConfusedWithTheDaemonsOwnRemoval) {
    Engine engine(Config{}, Bindings{}, {});
    (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
    (void)engine.handle(PathAdded{path("sdc", 32)}, t0);
    (void)engine.handle(MapsDiscovered{}, t0);
    auto removed = engine.handle(PathEvents{{PathRemoved{"sdb", 0}, PathRemoved{"sdc", 0}}}, t0 + seconds(1));
    ASSERT_EQ(count_with_prefix(removed, "remove 3600a"), 1U);
    auto read = engine.handle(ActionFailed{ReadMapStatus{"3600a"}, Error{ErrorCode::NotFound, "gone"}},
                              t0 + seconds(1));
    EXPECT_EQ(count_containing(read, "gone from device-mapper"), 0U);
    // Its paths coming back create it as usual.
    EXPECT_EQ(
        count_with_prefix(engine.handle(PathEvents{{PathAdded{path("sdb", 16)}, PathAdded{path("sdc", 32)}}},
                                        t0 + seconds(2)),
                          "create 3600a"),
        1U);
}

TEST(ARe_enumeration, AppliesTheDifferenceWithTheKnownPathsInOneBatch) {
    Engine engine(Config{}, Bindings{}, {});
    (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
    (void)engine.handle(PathAdded{path("sdc", 32)}, t0);
    (void)engine.handle(MapsDiscovered{}, t0);
    PathInfo updated = path("sdc", 32);
    updated.revision = "2";
    // sdb's remove and sdd's add were lost; sdc changed.
    auto actions = engine.handle(PathsReEnumerated{{updated, path("sdd", 48)}}, t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(actions,
                                "log notice re-enumerated 2 path(s) after lost uevents: 1 added, 1 changed, "
                                "1 removed"),
              1U);
    const TopologySnapshot snap = engine.snapshot();
    EXPECT_EQ(snap.find_path("sdb"), nullptr);
    ASSERT_NE(snap.find_path("sdd"), nullptr);
    EXPECT_EQ(snap.find_path("sdd")->map, "3600a");
    EXPECT_EQ(count_with_prefix(actions, "reload 3600a"), 1U);  // planned once, for the whole difference
}

TEST(ARe_enumeration, ChangesNothingWhenNothingWasLost) {
    Engine engine(Config{}, Bindings{}, {});
    (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
    (void)engine.handle(MapsDiscovered{}, t0);
    auto actions = engine.handle(PathsReEnumerated{{path("sdb", 16)}}, t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(actions,
                                "log notice re-enumerated 1 path(s) after lost uevents: 0 added, 0 changed, "
                                "0 removed"),
              1U);
    EXPECT_EQ(actions.size(), 1U);
}

TEST(ARe_enumeration, ReplacesADiskThatCameBackUnderTheSameNameAsAnotherLu) {
    Engine engine(Config{}, Bindings{}, {});
    (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
    (void)engine.handle(PathAdded{path("sdc", 32)}, t0);
    (void)engine.handle(MapsDiscovered{}, t0);
    // sdb and sdc went, and two disks of another LU came back under the same names.
    auto actions = engine.handle(PathsReEnumerated{{path("sdb", 16, "3600b"), path("sdc", 32, "3600b")}},
                                 t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(actions, "create 3600b"), 1U);
    EXPECT_EQ(count_with_prefix(actions, "remove 3600a"), 1U);
    EXPECT_EQ(count_containing(actions, "WWID changed"), 0U);
}

TEST(ARe_enumeration, DoesNotBringBackAMapRemovedOutsideTheDaemonUnlessItsPathsChanged) {
    Vanished s;
    auto same = s.engine.handle(PathsReEnumerated{{path("sdb", 16), path("sdc", 32)}}, t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(same, "create"), 0U);
    PathInfo updated = path("sdb", 16);
    updated.revision = "2";
    auto changed = s.engine.handle(PathsReEnumerated{{updated, path("sdc", 32)}}, t0 + seconds(3));
    EXPECT_EQ(count_with_prefix(changed, "create 3600a"), 1U);  // as its lost change uevent would have
}

}  // namespace
}  // namespace pathkeeper::core
