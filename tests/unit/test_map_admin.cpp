// pathctl remove-map / add-map, as the engine applies them (multipath -f, multipathd's del map / add map).
#include <gtest/gtest.h>

#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_with_prefix;
using test_support::path;
const TimePoint t0{};

// 3600a on sdb, sdc and 3600f on sdf, sdg (both created and loaded); sde is the only disk of 3600e, so in
// no map.
struct TwoMaps {
    Engine engine{Config{}, Bindings{}, {}};
    TwoMaps() {
        (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
        (void)engine.handle(PathAdded{path("sdc", 32)}, t0);
        (void)engine.handle(PathAdded{path("sde", 64, "3600e")}, t0);
        (void)engine.handle(PathAdded{path("sdf", 80, "3600f")}, t0);
        (void)engine.handle(PathAdded{path("sdg", 96, "3600f")}, t0);
        complete(engine.handle(MapsDiscovered{}, t0));
    }
    void complete(const std::vector<Action>& actions) {
        for (const Action& a : actions) {
            if (std::holds_alternative<CreateMap>(a) || std::holds_alternative<ReloadMap>(a) ||
                std::holds_alternative<RemoveMap>(a)) {
                (void)engine.handle(ActionCompleted{a}, t0 + seconds(1));
            }
        }
    }
    std::vector<Action> remove(const std::string& map, bool deferred = false) {
        return engine.handle(AdminRequest{AdminRemoveMap{map, deferred}}, t0 + seconds(1));
    }
    std::vector<Action> add(const std::string& target) {
        return engine.handle(AdminRequest{AdminAddMap{target}}, t0 + seconds(2));
    }
    bool has_map(const std::string& name) const {
        for (const MapSnapshot& m : engine.snapshot().maps) {
            if (m.name == name) {
                return true;
            }
        }
        return false;
    }
    std::string map_of(const std::string& dev) const {
        for (const PathSnapshot& p : engine.snapshot().paths) {
            if (p.devnode == dev) {
                return p.map;
            }
        }
        return "?";
    }
};

// Actions that name `word` anywhere in their text.
std::size_t mentioning(const std::vector<Action>& actions, const std::string& word) {
    std::size_t n = 0;
    for (const Action& a : actions) {
        n += to_string(a).find(word) != std::string::npos ? 1 : 0;
    }
    return n;
}

TEST(RemoveMap, RemovesOnlyThatMapAndItsPathsAreUnmapped) {
    TwoMaps s;
    auto removed = s.remove("3600a");
    EXPECT_EQ(count_with_prefix(removed, "remove 3600a by-admin"), 1U);
    EXPECT_EQ(count_with_prefix(removed, "remove"), 1U);
    EXPECT_EQ(mentioning(removed, "3600f"), 0U) << to_string(removed);
    EXPECT_EQ(mentioning(removed, "sdf"), 0U) << to_string(removed);
    EXPECT_TRUE(s.engine.removal_in_progress("3600a"));
    EXPECT_EQ(s.map_of("sdb"), "");
    EXPECT_EQ(s.map_of("sdf"), "3600f");

    auto done = s.engine.handle(ActionCompleted{removed.front()}, t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(done, "publish-map 3600a removed"), 1U) << to_string(done);
    EXPECT_FALSE(s.engine.removal_in_progress("3600a"));
    EXPECT_FALSE(s.has_map("3600a"));
    EXPECT_TRUE(s.has_map("3600f"));
}

TEST(RemoveMap, AcceptsTheWwidAsNameAndAsksForADeferredRemoval) {
    TwoMaps s;
    auto removed = s.remove("3600a", true);
    EXPECT_EQ(count_with_prefix(removed, "remove 3600a by-admin deferred"), 1U) << to_string(removed);
}

TEST(RemoveMap, StaysRemovedAcrossReplansPathEventsAndTicks) {
    TwoMaps s;
    s.complete(s.remove("3600a"));
    ASSERT_FALSE(s.has_map("3600a"));
    // A change event of one of its disks, another map's path coming and going, an unrelated new disk.
    EXPECT_EQ(count_with_prefix(s.engine.handle(PathChanged{path("sdb", 16)}, t0 + seconds(3)), "create"),
              0U);
    EXPECT_EQ(count_with_prefix(s.engine.handle(PathRemoved{"sdg"}, t0 + seconds(4)), "create"), 0U);
    EXPECT_EQ(count_with_prefix(s.engine.handle(PathAdded{path("sdg", 96, "3600f")}, t0 + seconds(5)),
                                "create 3600a"),
              0U);
    EXPECT_EQ(count_with_prefix(s.engine.handle(PathAdded{path("sdh", 112, "3600h")}, t0 + seconds(6)),
                                "create 3600a"),
              0U);
    // Its paths are checked no more, like any path out of a map.
    auto later = s.engine.handle(Tick{}, t0 + seconds(600));
    EXPECT_EQ(count_with_prefix(later, "check sdb"), 0U) << to_string(later);
    EXPECT_EQ(count_with_prefix(later, "check sdc"), 0U) << to_string(later);
    EXPECT_EQ(count_with_prefix(later, "create"), 0U);
    EXPECT_FALSE(s.has_map("3600a"));
    EXPECT_EQ(s.map_of("sdc"), "");
}

TEST(RemoveMap, RefusedRemovalPutsTheMapBackAsItWas) {
    TwoMaps s;
    auto removed = s.remove("3600a");
    auto refused = s.engine.handle(
        ActionFailed{removed.front(), Error{ErrorCode::Conflict, "3600a is in use: mounted on /mnt/data"}},
        t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(refused, "create"), 0U) << to_string(refused);
    EXPECT_EQ(count_with_prefix(refused, "reload"), 0U) << to_string(refused);
    EXPECT_EQ(count_with_prefix(refused, "remove"), 0U) << to_string(refused);
    EXPECT_TRUE(s.has_map("3600a"));
    EXPECT_EQ(s.map_of("sdb"), "3600a");
    EXPECT_FALSE(s.engine.removal_in_progress("3600a"));
    // Not remembered as removed: a later replan keeps it, and it can be removed again.
    EXPECT_EQ(count_with_prefix(s.engine.handle(PathChanged{path("sdb", 16)}, t0 + seconds(3)), "remove"),
              0U);
    EXPECT_TRUE(s.engine.validate(AdminRemoveMap{"3600a", false}).ok());
}

TEST(RemoveMap, AMapAlreadyGoneFromDmIsRemoved) {
    TwoMaps s;
    auto removed = s.remove("3600a");
    (void)s.engine.handle(
        ActionFailed{removed.front(), Error{ErrorCode::NotFound, "no dm device named 3600a"}},
        t0 + seconds(2));
    EXPECT_FALSE(s.has_map("3600a"));
    EXPECT_EQ(count_with_prefix(s.engine.handle(PathChanged{path("sdb", 16)}, t0 + seconds(3)), "create"),
              0U);
}

TEST(AddMap, ByWwidOrDiskPlansTheMapAgain) {
    for (const std::string target : {"3600a", "sdb", "/dev/sdc"}) {
        TwoMaps s;
        s.complete(s.remove("3600a"));
        ASSERT_TRUE(s.engine.validate(AdminAddMap{target}).ok()) << target;
        auto added = s.add(target);
        EXPECT_EQ(count_with_prefix(added, "create 3600a"), 1U) << target << "\n" << to_string(added);
        EXPECT_EQ(mentioning(added, "3600f"), 0U) << to_string(added);
        s.complete(added);
        EXPECT_EQ(s.map_of("sdb"), "3600a");
    }
}

TEST(AddMap, AReconfigurePlansRemovedMapsAgain) {
    TwoMaps s;
    s.complete(s.remove("3600a"));
    auto applied = s.engine.handle(ConfigApplied{Config{}}, t0 + seconds(3));
    EXPECT_EQ(count_with_prefix(applied, "create 3600a"), 1U) << to_string(applied);
}

TEST(AddMap, ADiskRemovedAndAddedAgainByTheKernelPlansItAgain) {
    TwoMaps s;
    s.complete(s.remove("3600a"));
    EXPECT_EQ(count_with_prefix(s.engine.handle(PathRemoved{"sdc"}, t0 + seconds(3)), "create"), 0U);
    auto back = s.engine.handle(PathAdded{path("sdc", 32)}, t0 + seconds(4));
    EXPECT_EQ(count_with_prefix(back, "create 3600a"), 1U) << to_string(back);
}

TEST(MapAdmin, RefusesUnknownNamesAndWhatItCannotDo) {
    TwoMaps s;
    auto unknown = s.engine.validate(AdminRemoveMap{"mpathz", false});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
    EXPECT_NE(unknown.error().message.find("mpathz"), std::string::npos);
    auto nothing = s.engine.handle(AdminRequest{AdminRemoveMap{"mpathz", false}}, t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(nothing, "remove"), 0U);

    // A second removal while dm works on the first.
    (void)s.remove("3600a");
    auto again = s.engine.validate(AdminRemoveMap{"3600a", false});
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::Conflict);

    // add-map: an unknown WWID, a disk no one knows, a WWID that is not multipathed, one that has its map.
    EXPECT_EQ(s.engine.validate(AdminAddMap{"3600zz"}).error().code, ErrorCode::NotFound);
    EXPECT_EQ(s.engine.validate(AdminAddMap{"sdz"}).error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(s.engine.validate(AdminAddMap{"sde"}).error().code, ErrorCode::NotSupported);
    EXPECT_TRUE(s.engine.validate(AdminAddMap{"3600f"}).ok());
    EXPECT_EQ(count_with_prefix(s.add("3600f"), "create"), 0U);
}

}  // namespace
}  // namespace pathkeeper::core
