// A LUN resized on the array: the map never loses a path while its paths are rescanned one by one, grows by
// itself once they agree, and shrinks only on pathctl resize-map.
#include <gtest/gtest.h>

#include "core/engine.hpp"
#include "core/map_size.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_with_prefix;
using test_support::path;
const TimePoint t0{};

const ReloadMap* reload_in(const std::vector<Action>& actions) {
    for (const Action& a : actions) {
        if (const auto* r = std::get_if<ReloadMap>(&a)) {
            return r;
        }
    }
    return nullptr;
}

bool logged(const std::vector<Action>& actions, const std::string& part) {
    for (const Action& a : actions) {
        if (to_string(a).find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

PathInfo sized(std::string dev, unsigned minor, std::uint64_t size) {
    PathInfo p = path(std::move(dev), minor);
    p.size_sectors = size;
    return p;
}

// 3600a on sdb and sdc at 2048 sectors, map created and loaded.
struct TwoPaths {
    Engine engine{Config{}, Bindings{}, {}};
    TwoPaths() {
        (void)engine.handle(PathAdded{sized("sdb", 16, 2048)}, t0);
        (void)engine.handle(PathAdded{sized("sdc", 32, 2048)}, t0);
        complete(engine.handle(MapsDiscovered{}, t0));
    }
    void complete(const std::vector<Action>& actions) {
        for (const Action& a : actions) {
            if (std::holds_alternative<CreateMap>(a) || std::holds_alternative<ReloadMap>(a)) {
                (void)engine.handle(ActionCompleted{a}, t0 + seconds(1));
            }
        }
    }
    std::vector<Action> rescan(const std::string& dev, unsigned minor, std::uint64_t size, TimePoint at) {
        return engine.handle(PathChanged{sized(dev, minor, size)}, at);
    }
    std::uint64_t map_size() const { return engine.snapshot().maps.at(0).size_sectors; }
};

TEST(MapResize, GrowHeldUntilEveryPathAgreesThenReloadedWithEveryPath) {
    TwoPaths s;
    auto first = s.rescan("sdb", 16, 4096, t0 + seconds(2));
    EXPECT_EQ(reload_in(first), nullptr) << "held: the old size still fits both paths";
    EXPECT_TRUE(logged(first, "held at 2048 sectors")) << "the hold is logged";
    EXPECT_EQ(s.map_size(), 2048U);

    auto second = s.rescan("sdc", 32, 4096, t0 + seconds(3));
    const ReloadMap* grown = reload_in(second);
    ASSERT_NE(grown, nullptr);
    EXPECT_EQ(grown->size_sectors, 4096U);
    const std::string table = format_table(grown->table);
    EXPECT_NE(table.find("8:16"), std::string::npos) << table;
    EXPECT_NE(table.find("8:32"), std::string::npos) << table;
    EXPECT_TRUE(logged(second, "grown from 2048 to 4096 sectors"));
}

TEST(MapResize, ShrinkIsHeldUntilResizeMapAsksForIt) {
    TwoPaths s;
    (void)s.rescan("sdb", 16, 1024, t0 + seconds(2));
    auto both = s.rescan("sdc", 32, 1024, t0 + seconds(3));
    EXPECT_EQ(reload_in(both), nullptr) << "a shrink cuts data off: never by itself";
    EXPECT_TRUE(logged(both, "less than the map's 2048"));
    EXPECT_EQ(s.map_size(), 2048U);

    ASSERT_TRUE(s.engine.validate(AdminResizeMap{"3600a"}).ok());
    auto resized = s.engine.handle(AdminRequest{AdminResizeMap{"3600a"}}, t0 + seconds(4));
    const ReloadMap* shrunk = reload_in(resized);
    ASSERT_NE(shrunk, nullptr);
    EXPECT_EQ(shrunk->size_sectors, 1024U);
    s.complete(resized);
    EXPECT_EQ(s.map_size(), 1024U);
    // The permission was for that one request: a later grow still works, a later shrink is held again.
    (void)s.rescan("sdb", 16, 512, t0 + seconds(5));
    EXPECT_EQ(reload_in(s.rescan("sdc", 32, 512, t0 + seconds(6))), nullptr);
}

TEST(MapResize, ResizeMapRefusesPathsThatDisagreeAndUnknownMaps) {
    TwoPaths s;
    (void)s.rescan("sdb", 16, 4096, t0 + seconds(2));
    auto refused = s.engine.validate(AdminResizeMap{"3600a"});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::NotSupported);
    EXPECT_NE(refused.error().message.find("sdb 4096, sdc 2048"), std::string::npos)
        << refused.error().message;
    auto unknown = s.engine.validate(AdminResizeMap{"nosuchmap"});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
    // Nothing happens when the request comes anyway (validated again on the loop).
    EXPECT_EQ(reload_in(s.engine.handle(AdminRequest{AdminResizeMap{"3600a"}}, t0 + seconds(3))), nullptr);
}

TEST(MapResize, ResizeMapAtTheSizeOfEveryPathReloadsNothing) {
    TwoPaths s;
    ASSERT_TRUE(s.engine.validate(AdminResizeMap{"3600a"}).ok());
    auto same = s.engine.handle(AdminRequest{AdminResizeMap{"3600a"}}, t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(same, "reload"), 0U);
    EXPECT_TRUE(logged(same, "already 2048 sectors"));
}

TEST(MapResize, AHoldThatOutlastsTheRescanIsWarnedAboutOnce) {
    TwoPaths s;
    (void)s.rescan("sdb", 16, 4096, t0 + seconds(2));
    ASSERT_TRUE(s.engine.next_deadline().has_value());
    EXPECT_LE(*s.engine.next_deadline(), t0 + seconds(32)) << "the warning has a deadline of its own";
    EXPECT_FALSE(logged(s.engine.handle(Tick{}, t0 + seconds(20)), "still so after"));
    EXPECT_TRUE(logged(s.engine.handle(Tick{}, t0 + seconds(33)), "still so after 30 s"));
    EXPECT_FALSE(logged(s.engine.handle(Tick{}, t0 + seconds(70)), "still so after"));
}

TEST(MapResize, ANewPathOfAnotherSizeIsLeftOutButOneOfTheNewSizeJoins) {
    TwoPaths s;
    auto odd = s.engine.handle(PathAdded{sized("sdd", 48, 8192)}, t0 + seconds(2));
    EXPECT_EQ(reload_in(odd), nullptr);
    EXPECT_TRUE(logged(odd, "path left out"));
    (void)s.rescan("sdb", 16, 4096, t0 + seconds(3));
    auto joins = s.engine.handle(PathAdded{sized("sde", 64, 4096)}, t0 + seconds(4));
    const ReloadMap* r = reload_in(joins);
    ASSERT_NE(r, nullptr) << "a path at the size a member reports is the resize under way";
    EXPECT_EQ(r->size_sectors, 2048U) << "still held: sdc lags";
    EXPECT_NE(format_table(r->table).find("8:64"), std::string::npos);
    EXPECT_EQ(format_table(r->table).find("8:48"), std::string::npos);
}

TEST(MapSize, NewMapTakesTheFirstPathsSizeAndLeavesOthersOut) {
    const std::vector<SizedPath> paths{{"sdb", 2048}, {"sdc", 4096}, {"sdd", 0}, {"sde", 2048}};
    const MapSizeDecision d = decide_map_size(paths, nullptr, false);
    EXPECT_EQ(d.size_sectors, 2048U);
    EXPECT_EQ(d.admitted, (std::vector<std::size_t>{0, 2, 3}));
    ASSERT_EQ(d.left_out.size(), 1U);
    EXPECT_EQ(d.left_out[0].index, 1U);
    EXPECT_FALSE(d.held);
}

TEST(MapSize, AgreedSizeIgnoresPathsWithoutASize) {
    EXPECT_EQ(agreed_size(std::vector<SizedPath>{{"sdb", 0}, {"sdc", 10}, {"sdd", 10}}), 10U);
    EXPECT_FALSE(agreed_size(std::vector<SizedPath>{{"sdb", 9}, {"sdc", 10}}));
    EXPECT_FALSE(agreed_size(std::vector<SizedPath>{{"sdb", 0}}));
}

}  // namespace
}  // namespace pathkeeper::core
