// The engine and the array checkers and prioritizers: what a StartCheck asks the worker to measure, the
// priority a check reports regrouping the map, and detect_checker switching a path to the rdac checker.

#include <gtest/gtest.h>

#include "config/config_file.hpp"
#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_with_prefix;
using test_support::path;
const TimePoint t0{};

Config parsed(const std::string& yaml) {
    auto r = config::parse_config(yaml, "pk.yaml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Config{};
}

std::vector<const StartCheck*> checks(const std::vector<Action>& actions) {
    std::vector<const StartCheck*> out;
    for (const Action& a : actions) {
        if (const auto* c = std::get_if<StartCheck>(&a)) {
            out.push_back(c);
        }
    }
    return out;
}

const StartCheck* check_of(const std::vector<Action>& actions, const std::string& devnode) {
    for (const StartCheck* c : checks(actions)) {
        if (c->devnode == devnode) {
            return c;
        }
    }
    return nullptr;
}

struct Started {
    Engine engine;
    std::vector<Action> created;
    explicit Started(const std::string& yaml, bool tpgs = false) : engine(parsed(yaml), Bindings{}, {}) {
        PathInfo b = path("sdb", 16);
        PathInfo c = path("sdc", 32);
        b.tpgs = c.tpgs = tpgs;
        (void)engine.handle(PathAdded{b}, t0);
        (void)engine.handle(PathAdded{c}, t0);
        created = engine.handle(MapsDiscovered{}, t0);
    }
};

const char* const rdac_by_prio =
    "defaults:\n  path_grouping_policy: group_by_prio\n  prio: rdac\n  path_checker: rdac\n";

TEST(ArrayPrioritizers, TheCheckAsksTheWorkerToMeasureThePriority) {
    Started s(rdac_by_prio);
    const StartCheck* c = check_of(s.created, "sdb");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->checker, CheckerKind::Rdac);
    ASSERT_TRUE(c->prio.has_value());
    EXPECT_EQ(*c->prio, PrioKind::Rdac);
    EXPECT_TRUE(c->probe_rdac);  // path_checker rdac and detect_checker on: page 0xC9 is asked
}

TEST(ArrayPrioritizers, PrioritiesTheCoreComputesAreNotRequested) {
    Started s("defaults:\n  prio: weightedpath\n  prio_args: \"devname sdb 5\"\n");
    const StartCheck* c = check_of(s.created, "sdb");
    ASSERT_NE(c, nullptr);
    EXPECT_FALSE(c->prio.has_value());
    EXPECT_FALSE(c->probe_rdac);  // tur configured: no vendor page is sent
}

TEST(ArrayPrioritizers, AMeasuredPriorityChangeRegroupsTheMap) {
    Started s(rdac_by_prio);
    // Before any measurement both paths have priority 0: one group.
    EXPECT_EQ(s.engine.snapshot(t0).maps.at(0).groups.size(), 1U);
    const auto b = check_of(s.created, "sdb")->check_id;
    const auto c = check_of(s.created, "sdc")->check_id;
    auto first = s.engine.handle(CheckerResult{"sdb", PathState::Up, "owner", b, 6, true}, t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(first, "reload "), 1U);
    EXPECT_EQ(count_with_prefix(first, "log notice 3600a: sdb: priority unknown -> 6"), 1U);
    (void)s.engine.handle(CheckerResult{"sdc", PathState::Ghost, "standby", c, 1, true}, t0 + seconds(1));
    TopologySnapshot snap = s.engine.snapshot(t0 + seconds(1));
    ASSERT_EQ(snap.maps.at(0).groups.size(), 2U);
    EXPECT_EQ(snap.find_path("sdb")->group, 1U);
    EXPECT_EQ(snap.find_path("sdc")->group, 2U);
}

TEST(ArrayPrioritizers, AnUnchangedPriorityReloadsNothing) {
    Started s(rdac_by_prio);
    const auto b = check_of(s.created, "sdb")->check_id;
    (void)s.engine.handle(CheckerResult{"sdb", PathState::Up, "", b, 6, true}, t0 + seconds(1));
    auto tick = s.engine.handle(Tick{}, t0 + seconds(7));
    const StartCheck* again = check_of(tick, "sdb");
    ASSERT_NE(again, nullptr);
    EXPECT_FALSE(again->probe_rdac);  // answered once: not asked again
    auto same =
        s.engine.handle(CheckerResult{"sdb", PathState::Up, "", again->check_id, 6, true}, t0 + seconds(7));
    EXPECT_EQ(count_with_prefix(same, "reload "), 0U);
}

TEST(ArrayPrioritizers, AMeasuredPrioritySurvivesAUdevChange) {
    Started s(rdac_by_prio);
    const auto b = check_of(s.created, "sdb")->check_id;
    (void)s.engine.handle(CheckerResult{"sdb", PathState::Up, "", b, 6, true}, t0 + seconds(1));
    auto changed = s.engine.handle(PathChanged{path("sdb", 16)}, t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(changed, "reload "), 0U);
}

TEST(DetectChecker, AnRdacArrayReportingTpgsKeepsRdacAndOtherTpgsPathsUseTur) {
    // The device table says rdac; the path reports TPGS. Until page 0xC9 answers, rdac stays.
    Started s("defaults:\n  path_checker: rdac\n", /*tpgs=*/true);
    const StartCheck* first = check_of(s.created, "sdb");
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->checker, CheckerKind::Rdac);
    EXPECT_TRUE(first->probe_rdac);
    // sdb's controller says "vac1": rdac. sdc's does not (not an RDAC array): tur, as for any TPGS path.
    (void)s.engine.handle(CheckerResult{"sdb", PathState::Up, "", first->check_id, std::nullopt, true},
                          t0 + seconds(1));
    auto no = s.engine.handle(
        CheckerResult{"sdc", PathState::Up, "", check_of(s.created, "sdc")->check_id, std::nullopt, false},
        t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(no, "log info 3600a: sdc: INQUIRY page 0xc9"), 1U);
    auto tick = s.engine.handle(Tick{}, t0 + seconds(2));
    ASSERT_NE(check_of(tick, "sdc"), nullptr);  // the checker changed: checked again at once
    EXPECT_EQ(check_of(tick, "sdc")->checker, CheckerKind::Tur);
    auto later = s.engine.handle(Tick{}, t0 + seconds(10));
    ASSERT_NE(check_of(later, "sdb"), nullptr);
    EXPECT_EQ(check_of(later, "sdb")->checker, CheckerKind::Rdac);
}

TEST(DetectChecker, RuleOfEffectiveChecker) {
    auto r = resolve_map_options(parsed("defaults:\n  path_checker: rdac\n"), "w", "X", "Y");
    EXPECT_EQ(effective_checker(r, false, std::nullopt).value, CheckerKind::Rdac);
    EXPECT_EQ(effective_checker(r, true, std::nullopt).value, CheckerKind::Rdac);  // not asked yet
    EXPECT_EQ(effective_checker(r, true, true).origin, Origin::Detected);
    EXPECT_EQ(effective_checker(r, true, false).value, CheckerKind::Tur);
    EXPECT_EQ(effective_checker(r, true, false).origin, Origin::Detected);
    EXPECT_EQ(effective_checker(r, false, false).value, CheckerKind::Rdac);
    EXPECT_TRUE(wants_rdac_probe(r, std::nullopt));
    EXPECT_FALSE(wants_rdac_probe(r, false));

    auto plain = resolve_map_options(Config{}, "w", "X", "Y");
    EXPECT_EQ(effective_checker(plain, true, std::nullopt).value, CheckerKind::Tur);
    EXPECT_EQ(effective_checker(plain, true, std::nullopt).origin, Origin::Detected);
    EXPECT_FALSE(wants_rdac_probe(plain, std::nullopt));  // tur configured: no vendor page sent
    // A path on an RDAC array configured with directio but found to be RDAC uses rdac.
    auto directio = resolve_map_options(parsed("defaults:\n  path_checker: directio\n"), "w", "X", "Y");
    EXPECT_EQ(effective_checker(directio, false, true).value, CheckerKind::Rdac);

    auto off = resolve_map_options(parsed("defaults:\n  path_checker: directio\n  detect_checker: no\n"), "w",
                                   "X", "Y");
    EXPECT_EQ(effective_checker(off, true, true).value, CheckerKind::Directio);
    auto none = resolve_map_options(parsed("defaults:\n  path_checker: none\n"), "w", "X", "Y");
    EXPECT_EQ(effective_checker(none, true, true).value, CheckerKind::None);
    auto pinned =
        resolve_map_options(parsed("multipaths:\n  - wwid: w\n    path_checker: directio\n"), "w", "X", "Y");
    EXPECT_EQ(effective_checker(pinned, true, true).value, CheckerKind::Directio);
}

TEST(WeightedPathPrio, PriorityComesFromTheArgsWithoutAnyMeasurement) {
    Started s(
        "defaults:\n  path_grouping_policy: group_by_prio\n  prio: weightedpath\n"
        "  prio_args: \"devname sdc 9 sdb 3\"\n");
    TopologySnapshot snap = s.engine.snapshot(t0);
    ASSERT_EQ(snap.maps.at(0).groups.size(), 2U);
    EXPECT_EQ(snap.find_path("sdc")->group, 1U);
    EXPECT_EQ(snap.find_path("sdb")->group, 2U);
}

TEST(PrioArgsAtLoad, BadArgsBesideTheirPrioAreRefusedWithTheKey) {
    auto r = config::parse_config("defaults:\n  prio: weightedpath\n  prio_args: \"port 1 2\"\n", "pk.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("prio_args"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("unknown field \"port\""), std::string::npos) << r.error().message;
    auto latency =
        config::parse_config("defaults:\n  prio: path_latency\n  prio_args: io_num=500\n", "pk.yaml");
    ASSERT_FALSE(latency.ok());
    EXPECT_NE(latency.error().message.find("io_num"), std::string::npos);
}

}  // namespace
}  // namespace pathkeeper::core
