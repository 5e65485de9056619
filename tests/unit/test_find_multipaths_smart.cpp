#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config_file.hpp"
#include "core/engine.hpp"
#include "core/map_planner.hpp"
#include "core/membership.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using namespace std::chrono_literals;

constexpr const char* wwid = "36001405aaaaaaaaaaaaaaaaaaaaaaaa1";

Config smart(const std::string& extra = "") {
    auto r = config::parse_config("defaults:\n  find_multipaths: smart\n" + extra, "smart.yaml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Config{};
}

MembershipFacts lone_path(Millis first_seen, Millis now, bool released = false) {
    MembershipFacts facts;
    facts.wwid_known = [] { return false; };
    facts.another_path_has_wwid = [] { return false; };
    facts.wwid_released = [released] { return released; };
    facts.first_seen = first_seen;
    facts.now = now;
    return facts;
}

TEST(FindMultipathsSmart, IsItsOwnSettingNoLongerAnotherNameForOn) {
    EXPECT_EQ(parse_find_multipaths("smart").value(), FindMultipaths::Smart);
    EXPECT_EQ(resolve_global_options(smart()).find_multipaths.value, FindMultipaths::Smart);
    EXPECT_EQ(resolve_global_options(smart()).find_multipaths_timeout.value, 10s);
    EXPECT_EQ(resolve_global_options(smart("  find_multipaths_timeout: 3s\n")).find_multipaths_timeout.value,
              3s);
}

TEST(FindMultipathsSmart, HoldsAFirstPathBackUntilTheTimeoutThenLetsItGo) {
    const Config config = smart();
    auto held = decide_wwid_membership(config, FindMultipaths::Smart, wwid, lone_path(100s, 109s));
    EXPECT_FALSE(held.member);
    EXPECT_TRUE(held.held);
    EXPECT_EQ(held.reason, MemberReason::HeldForSecondPath);

    auto expired = decide_wwid_membership(config, FindMultipaths::Smart, wwid, lone_path(100s, 110s));
    EXPECT_FALSE(expired.member);
    EXPECT_FALSE(expired.held);
    EXPECT_EQ(expired.reason, MemberReason::HoldExpired);
}

TEST(FindMultipathsSmart, NeverHoldsAReleasedWwidAgain) {
    auto d = decide_wwid_membership(smart(), FindMultipaths::Smart, wwid, lone_path(100s, 100s, true));
    EXPECT_FALSE(d.member);
    EXPECT_FALSE(d.held);
    EXPECT_EQ(d.reason, MemberReason::Released);
}

TEST(FindMultipathsSmart, MapsAWwidOnceASecondPathAppearsEvenAfterItsRelease) {
    MembershipFacts facts = lone_path(100s, 500s, true);
    facts.another_path_has_wwid = [] { return true; };
    auto d = decide_wwid_membership(smart(), FindMultipaths::Smart, wwid, facts);
    EXPECT_TRUE(d.member);
    EXPECT_EQ(d.reason, MemberReason::AnotherPathHasWwid);
}

TEST(FindMultipathsSmart, AFirstPathSeenNowIsHeld) {
    MembershipFacts facts = lone_path(0s, 42s);
    facts.first_seen.reset();
    EXPECT_TRUE(decide_wwid_membership(smart(), FindMultipaths::Smart, wwid, facts).held);
}

PathInfo path(std::string dev, unsigned minor) {
    PathInfo p;
    p.devnode = std::move(dev);
    p.devt = DevT{8, minor};
    p.wwid = wwid;
    p.vendor = "ACME";
    p.product = "disk";
    p.size_sectors = 2048;
    return p;
}

TEST(FindMultipathsSmart, ThePlannerReportsHeldAndExpiredWwidsWithoutMappingThem) {
    PlanContext ctx;
    ctx.first_seen[wwid] = 100s;
    ctx.now = 105s;
    auto plan = plan_maps(smart(), {PlanPath{path("sdb", 16), PathState::Up}}, Bindings{}, {}, ctx);
    EXPECT_TRUE(plan.maps.empty());
    EXPECT_TRUE(plan.held.contains(wwid));
    EXPECT_TRUE(plan.hold_expired.empty());

    ctx.now = 111s;
    plan = plan_maps(smart(), {PlanPath{path("sdb", 16), PathState::Up}}, Bindings{}, {}, ctx);
    EXPECT_TRUE(plan.maps.empty());
    EXPECT_TRUE(plan.held.empty());
    EXPECT_TRUE(plan.hold_expired.contains(wwid));
}

TEST(FindMultipathsSmart, ThePlannerMapsTwoPathsAtOnce) {
    PlanContext ctx;
    ctx.now = 1s;
    auto plan = plan_maps(
        smart(), {PlanPath{path("sdb", 16), PathState::Up}, PlanPath{path("sdc", 32), PathState::Up}},
        Bindings{}, {}, ctx);
    ASSERT_EQ(plan.maps.size(), 1U);
    EXPECT_TRUE(plan.held.empty());
}

}  // namespace
}  // namespace pathkeeper::core

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_equal;
using test_support::count_with_prefix;
const TimePoint t0{};

Config smart_with_timeout() {
    auto r = config::parse_config("defaults:\n  find_multipaths: smart\n  find_multipaths_timeout: 5s\n",
                                  "e.yaml");
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(r).value() : Config{};
}

TEST(TheEngineWithFindMultipathsSmart, ReleasesALonePathWhenTheTimeoutPasses) {
    Engine engine(smart_with_timeout(), Bindings{}, {});
    (void)engine.handle(PathAdded{test_support::path("sdb", 16)}, t0);
    auto started = engine.handle(MapsDiscovered{}, t0);
    EXPECT_EQ(count_with_prefix(started, "create"), 0U);
    ASSERT_TRUE(engine.next_deadline().has_value());
    EXPECT_LE(*engine.next_deadline(), t0 + seconds(5));

    auto early = engine.handle(Tick{}, t0 + seconds(4));
    EXPECT_EQ(count_with_prefix(early, "trigger-change"), 0U);

    auto released = engine.handle(Tick{}, t0 + seconds(5));
    EXPECT_EQ(count_equal(released, "trigger-change sdb"), 1U);
    EXPECT_EQ(count_equal(released, "save-released-wwids 3600a"), 1U);
    EXPECT_EQ(count_with_prefix(released, "create"), 0U);

    // Remembered: a later event about the same disk does not hold it (or release it) again.
    auto again = engine.handle(PathChanged{test_support::path("sdb", 16)}, t0 + seconds(6));
    EXPECT_EQ(count_with_prefix(again, "trigger-change"), 0U);
    EXPECT_EQ(count_with_prefix(again, "save-released-wwids"), 0U);
}

TEST(TheEngineWithFindMultipathsSmart, MapsTheWwidWhenASecondPathComesWithinTheTimeout) {
    Engine engine(smart_with_timeout(), Bindings{}, {});
    (void)engine.handle(PathAdded{test_support::path("sdb", 16)}, t0);
    (void)engine.handle(MapsDiscovered{}, t0);
    auto second = engine.handle(PathAdded{test_support::path("sdc", 32)}, t0 + seconds(3));
    EXPECT_EQ(count_with_prefix(second, "create 3600a"), 1U);
    auto later = engine.handle(Tick{}, t0 + seconds(6));
    EXPECT_EQ(count_with_prefix(later, "trigger-change"), 0U);
    EXPECT_EQ(count_with_prefix(later, "save-released-wwids"), 0U);
}

TEST(TheEngineWithFindMultipathsSmart, DoesNotHoldAWwidReleasedBeforeTheRestart) {
    Engine engine(smart_with_timeout(), Bindings{}, {});
    engine.set_released_wwids({"3600a"});
    (void)engine.handle(PathAdded{test_support::path("sdb", 16)}, t0);
    (void)engine.handle(MapsDiscovered{}, t0);
    auto later = engine.handle(Tick{}, t0 + seconds(6));
    EXPECT_EQ(count_with_prefix(later, "trigger-change"), 0U);
    EXPECT_EQ(count_with_prefix(later, "save-released-wwids"), 0U);
}

}  // namespace
}  // namespace pathkeeper::core
