// pathctl remove-path / add-path, as the engine applies them (multipathd's del path / add path).
#include <gtest/gtest.h>

#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_with_prefix;
using test_support::path;
const TimePoint t0{};

std::string table_of(const std::vector<Action>& actions) {
    for (const Action& a : actions) {
        if (const auto* r = std::get_if<ReloadMap>(&a)) {
            return format_table(r->table);
        }
    }
    return {};
}

// 3600a on sdb, sdc, sdd (created and loaded); sde is a disk of another WWID with one path, so in no map.
struct ThreePaths {
    Engine engine{Config{}, Bindings{}, {}};
    ThreePaths() {
        (void)engine.handle(PathAdded{path("sdb", 16)}, t0);
        (void)engine.handle(PathAdded{path("sdc", 32)}, t0);
        (void)engine.handle(PathAdded{path("sdd", 48)}, t0);
        (void)engine.handle(PathAdded{path("sde", 64, "3600e")}, t0);
        complete(engine.handle(MapsDiscovered{}, t0));
    }
    void complete(const std::vector<Action>& actions) {
        for (const Action& a : actions) {
            if (std::holds_alternative<CreateMap>(a) || std::holds_alternative<ReloadMap>(a)) {
                (void)engine.handle(ActionCompleted{a}, t0 + seconds(1));
            }
        }
    }
    std::vector<Action> remove(const std::string& dev) {
        return engine.handle(AdminRequest{AdminRemovePath{dev}}, t0 + seconds(1));
    }
    std::vector<Action> add(const std::string& dev) {
        return engine.handle(AdminRequest{AdminAddPath{dev}}, t0 + seconds(1));
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

TEST(RemovePath, ReloadsTheMapWithoutThePathAndAddPathBringsItBack) {
    ThreePaths s;
    auto removed = s.remove("sdc");
    const std::string without = table_of(removed);
    ASSERT_FALSE(without.empty()) << "the map is reloaded";
    EXPECT_EQ(without.find("8:32"), std::string::npos) << without;
    EXPECT_NE(without.find("8:16"), std::string::npos) << without;
    s.complete(removed);
    EXPECT_EQ(s.map_of("sdc"), "");
    EXPECT_EQ(s.map_of("sdb"), "3600a");

    // A udev change event of the disk does not bring it back behind the administrator's back.
    EXPECT_EQ(count_with_prefix(s.engine.handle(PathChanged{path("sdc", 32)}, t0 + seconds(2)), "reload"),
              0U);

    auto added = s.add("sdc");
    EXPECT_NE(table_of(added).find("8:32"), std::string::npos) << table_of(added);
    s.complete(added);
    EXPECT_EQ(s.map_of("sdc"), "3600a");
}

TEST(RemovePath, NeverTakesTheLastPathEvenAfterQuickRemovals) {
    ThreePaths s;
    ASSERT_TRUE(s.engine.validate(AdminRemovePath{"sdb"}).ok());
    (void)s.remove("sdb");  // reload not completed yet
    ASSERT_TRUE(s.engine.validate(AdminRemovePath{"sdc"}).ok());
    (void)s.remove("sdc");
    auto last = s.engine.validate(AdminRemovePath{"sdd"});
    ASSERT_FALSE(last.ok());
    EXPECT_EQ(last.error().code, ErrorCode::NotSupported);
    EXPECT_EQ(last.error().message, "sdd is the last path of 3600a; its I/O would have no path left");
    EXPECT_EQ(count_with_prefix(s.remove("sdd"), "reload"), 0U) << "refused, nothing sent";
}

TEST(RemovePath, RefusesUnknownAndUnmappedPathsNamingThem) {
    ThreePaths s;
    auto unknown = s.engine.validate(AdminRemovePath{"sdz"});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
    EXPECT_EQ(unknown.error().message, "no path named sdz");
    auto unmapped = s.engine.validate(AdminRemovePath{"sde"});
    ASSERT_FALSE(unmapped.ok());
    EXPECT_EQ(unmapped.error().message, "sde is in no map");
    auto not_multipathed = s.engine.validate(AdminAddPath{"sde"});
    ASSERT_FALSE(not_multipathed.ok());
    EXPECT_EQ(not_multipathed.error().code, ErrorCode::NotSupported);
    EXPECT_EQ(s.engine.validate(AdminAddPath{"sdz"}).error().code, ErrorCode::NotFound);
    EXPECT_TRUE(s.engine.validate(AdminAddPath{"sdb"}).ok()) << "a path in its map: nothing to do";
    EXPECT_EQ(count_with_prefix(s.add("sdb"), "reload"), 0U);
}

TEST(RemovePath, ADiskAddedAgainByUdevIsPlannedAgain) {
    ThreePaths s;
    s.complete(s.remove("sdc"));
    (void)s.engine.handle(PathRemoved{"sdc"}, t0 + seconds(2));
    auto readded = s.engine.handle(PathAdded{path("sdc", 32)}, t0 + seconds(3));
    EXPECT_NE(table_of(readded).find("8:32"), std::string::npos) << "a new disk is not the removed one";
}

}  // namespace
}  // namespace pathkeeper::core
