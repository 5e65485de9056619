// pathctl wwids add / remove / reset, as the engine applies it (multipath -a, -w, -W).
#include <gtest/gtest.h>

#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_equal;
using test_support::count_with_prefix;
using test_support::path;
const TimePoint t0{};

Config strict() {
    Config c;
    c.defaults.global.find_multipaths = FindMultipaths::Strict;
    return c;
}

// find_multipaths strict, known list {3600a, 3600old}: 3600a (sdb+sdc) has its map; 3600b (sdd alone) and
// 3600c (sde+sdf) are not known, so they have none.
struct StrictHost {
    Engine engine{strict(), Bindings{}, KnownWwids{"3600a", "3600old"}};
    StrictHost() {
        (void)engine.handle(PathAdded{path("sdb", 16, "3600a")}, t0);
        (void)engine.handle(PathAdded{path("sdc", 32, "3600a")}, t0);
        (void)engine.handle(PathAdded{path("sdd", 48, "3600b")}, t0);
        (void)engine.handle(PathAdded{path("sde", 64, "3600c")}, t0);
        (void)engine.handle(PathAdded{path("sdf", 80, "3600c")}, t0);
        for (const Action& a : engine.handle(MapsDiscovered{}, t0)) {
            if (std::holds_alternative<CreateMap>(a)) {
                (void)engine.handle(ActionCompleted{a}, t0);
            }
        }
    }
    std::vector<Action> edit(KnownWwidsEdit edit, std::string target = {}) {
        return engine.handle(AdminRequest{AdminEditKnownWwids{edit, std::move(target)}}, t0 + seconds(1));
    }
    Result<void> check(KnownWwidsEdit edit, std::string target = {}) const {
        return engine.validate(AdminEditKnownWwids{edit, std::move(target)});
    }
    std::size_t map_count() const { return engine.snapshot().maps.size(); }
};

TEST(KnownWwidsAdmin, AddingAWwidSavesTheListAndMakesItsMapUnderStrict) {
    StrictHost s;
    ASSERT_EQ(s.map_count(), 1U);
    auto actions = s.edit(KnownWwidsEdit::Add, "3600c");
    EXPECT_EQ(count_equal(actions, "save-wwids 3600a 3600old 3600c"), 1U);
    EXPECT_EQ(count_with_prefix(actions, "create 3600c "), 1U);
    EXPECT_EQ(s.engine.known_wwids(), (KnownWwids{"3600a", "3600old", "3600c"}));
}

TEST(KnownWwidsAdmin, APathNameStandsForItsWwid) {
    StrictHost s;
    auto actions = s.edit(KnownWwidsEdit::Add, "/dev/sdd");
    EXPECT_EQ(count_equal(actions, "save-wwids 3600a 3600old 3600b"), 1U);
    EXPECT_EQ(count_with_prefix(actions, "create 3600b "), 1U) << "strict: one path of a known WWID is a map";
}

TEST(KnownWwidsAdmin, AddingAKnownWwidChangesNothing) {
    StrictHost s;
    auto actions = s.edit(KnownWwidsEdit::Add, "3600old");
    EXPECT_EQ(count_with_prefix(actions, "save-wwids"), 0U);
    EXPECT_EQ(count_with_prefix(actions, "create"), 0U);
}

TEST(KnownWwidsAdmin, ABadTargetIsRefusedNamingIt) {
    StrictHost s;
    auto spaced = s.check(KnownWwidsEdit::Add, "36 00");
    ASSERT_FALSE(spaced.ok());
    EXPECT_EQ(spaced.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(spaced.error().message.find("\"36 00\" is neither a known path nor a WWID"), std::string::npos)
        << spaced.error().message;
    auto missing = s.check(KnownWwidsEdit::Remove, "/dev/sdz");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(missing.error().message, "no path named sdz");
    for (const char* typo : {"sdq", "dm-7", "nvme0n1", "vdb"}) {
        auto r = s.check(KnownWwidsEdit::Add, typo);
        ASSERT_FALSE(r.ok()) << typo << " is a disk name, not a WWID";
        EXPECT_EQ(r.error().message, std::string("no path named ") + typo);
    }
    EXPECT_TRUE(s.check(KnownWwidsEdit::Add, "SATA_disk_1234").ok()) << "a udev serial is a WWID";
    // A refused request sent anyway changes nothing.
    EXPECT_EQ(count_with_prefix(s.edit(KnownWwidsEdit::Add, "36 00"), "save-wwids"), 0U);
    EXPECT_EQ(s.engine.known_wwids(), (KnownWwids{"3600a", "3600old"}));
}

TEST(KnownWwidsAdmin, RemovingNeedsAListedWwidWithoutAMap) {
    StrictHost s;
    auto unlisted = s.check(KnownWwidsEdit::Remove, "3600c");
    ASSERT_FALSE(unlisted.ok());
    EXPECT_EQ(unlisted.error().code, ErrorCode::NotFound);
    auto mapped = s.check(KnownWwidsEdit::Remove, "3600a");
    ASSERT_FALSE(mapped.ok());
    EXPECT_EQ(mapped.error().code, ErrorCode::NotSupported);
    EXPECT_NE(mapped.error().message.find("has map 3600a"), std::string::npos) << mapped.error().message;

    auto actions = s.edit(KnownWwidsEdit::Remove, "3600old");
    EXPECT_EQ(count_equal(actions, "save-wwids 3600a"), 1U);
    EXPECT_EQ(s.engine.known_wwids(), (KnownWwids{"3600a"}));
    EXPECT_EQ(s.map_count(), 1U);
}

TEST(KnownWwidsAdmin, ResetKeepsExactlyTheWwidsWithAMap) {
    StrictHost s;
    for (const Action& a : s.edit(KnownWwidsEdit::Add, "3600c")) {
        if (std::holds_alternative<CreateMap>(a)) {
            (void)s.engine.handle(ActionCompleted{a}, t0 + seconds(2));
        }
    }
    ASSERT_EQ(s.map_count(), 2U);
    // 3600old never had a map; 3600b (one path, not known) has none either.
    auto actions = s.edit(KnownWwidsEdit::Reset);
    EXPECT_EQ(count_equal(actions, "save-wwids 3600a 3600c"), 1U);
    EXPECT_EQ(s.engine.known_wwids(), (KnownWwids{"3600a", "3600c"}));
    EXPECT_EQ(s.map_count(), 2U);
}

}  // namespace
}  // namespace pathkeeper::core
