// The host's reservation key on every path of a map with reservation_key: a path that comes back, or is added
// while the daemon runs, is synced (and registered when the host is a registrant) before it carries I/O.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_equal;
using test_support::count_with_prefix;
using test_support::path;
const TimePoint t0{};

Config keyed_config(ReservationKey key = ReservationKey::fixed(0xa1)) {
    Config c;
    c.defaults.map.reservation_key = key;
    c.defaults.map.reservation_aptpl = true;
    return c;
}

// A map 3600a on sdb + sdc. Checks are answered from `down`; syncs from `verdicts` (default Registered)
// unless `hold_syncs` keeps them unanswered in `held`.
struct KeyedMap {
    Engine engine;
    std::set<std::string> down;
    std::map<std::string, RegistrationVerdict> verdicts;
    bool hold_syncs = false;
    std::vector<SyncRegistration> held;
    std::vector<Action> seen;

    explicit KeyedMap(Config config = keyed_config()) : engine(std::move(config), Bindings{}, {}) {
        run(engine.handle(PathAdded{path("sdb", 16)}, t0), t0);
        run(engine.handle(PathAdded{path("sdc", 32)}, t0), t0);
        run(engine.handle(MapsDiscovered{}, t0), t0);
    }
    void run(std::vector<Action> actions, TimePoint at) {
        for (const Action& a : actions) {
            seen.push_back(a);
            if (std::holds_alternative<CreateMap>(a) || std::holds_alternative<ReloadMap>(a)) {
                run(engine.handle(ActionCompleted{a}, at), at);
            } else if (const auto* check = std::get_if<StartCheck>(&a)) {
                const bool is_down = down.contains(check->devnode);
                run(engine.handle(CheckerResult{check->devnode, is_down ? PathState::Down : PathState::Up,
                                                is_down ? "down" : "up", check->check_id},
                                  at),
                    at);
            } else if (const auto* sync = std::get_if<SyncRegistration>(&a)) {
                if (hold_syncs) {
                    held.push_back(*sync);
                } else {
                    answer(*sync, at);
                }
            }
        }
    }
    void answer(const SyncRegistration& sync, TimePoint at) {
        const auto it = verdicts.find(sync.devnode);
        const RegistrationVerdict v = it == verdicts.end() ? RegistrationVerdict::Registered : it->second;
        run(engine.handle(RegistrationSynced{sync.devnode, sync.sync_id, v, to_string(v)}, at), at);
    }
    std::string registration(const std::string& dev) const {
        return engine.snapshot().find_path(dev)->registration;
    }
    DmPathState dm(const std::string& dev) const { return engine.snapshot().find_path(dev)->dm_state; }
    // The path fails (kernel I/O error seen in dm status), then checks down.
    void fail(const std::string& dev, TimePoint at) {
        down.insert(dev);
        DmMultipathStatus status;
        DmGroupStatus g;
        for (const char* p : {"sdb", "sdc"}) {
            DmPathStatus ps;
            ps.devt = engine.snapshot().find_path(p)->devt == "8:16" ? DevT{8, 16} : DevT{8, 32};
            ps.state = (p == dev || down.contains(p)) ? DmPathState::Failed : DmPathState::Active;
            g.paths.push_back(ps);
        }
        status.groups.push_back(g);
        run(engine.handle(DmStatusRead{"3600a", status}, at), at);
    }
};

TEST(PathRegistration, StartsWithEveryPathSyncedWithoutTakingItOutOfService) {
    KeyedMap s;
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb key=0xa1 aptpl"), 1U);
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdc key=0xa1 aptpl"), 1U);
    EXPECT_EQ(count_with_prefix(s.seen, "message 3600a fail_path"), 0U) << "paths in service stay in";
    EXPECT_EQ(s.registration("sdb"), "registered");
    EXPECT_EQ(s.engine.snapshot().find_path("sdb")->registration_detail, "registered");
}

// Another node's paths to the same LU, kept out by the blacklist, must never get this host's key.
TEST(PathRegistration, ABlacklistedPathIsNeverSynced) {
    Config c = keyed_config();
    c.blacklist.devnode.push_back(PatternRule{Pattern::compile("^sdd$").value(), {}});
    KeyedMap s(c);
    s.run(s.engine.handle(PathAdded{path("sdd", 48)}, t0 + seconds(1)), t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdd"), 0U);
    EXPECT_EQ(s.registration("sdd"), "");
}

// A reload that keeps the key re-registers nothing (the periodic refresh keeps the states current); a new key
// syncs every path again, without taking any out of service.
TEST(PathRegistration, AReloadSyncsAgainOnlyWhenTheKeyChanged) {
    KeyedMap s;
    s.seen.clear();
    s.run(s.engine.handle(ConfigApplied{keyed_config()}, t0 + seconds(1)), t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration"), 0U);
    s.run(s.engine.handle(ConfigApplied{keyed_config(ReservationKey::fixed(0xb2))}, t0 + seconds(2)),
          t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb key=0xb2"), 1U);
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdc key=0xb2"), 1U);
    EXPECT_EQ(count_with_prefix(s.seen, "message 3600a fail_path"), 0U);
}

TEST(PathRegistration, WithoutAKeyNothingIsSyncedAndNothingIsShown) {
    KeyedMap s(Config{});
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration"), 0U);
    EXPECT_EQ(s.registration("sdb"), "");
}

TEST(PathRegistration, AReturningPathIsRegisteredBeforeItIsReinstated) {
    KeyedMap s;
    s.fail("sdb", t0 + seconds(1));
    ASSERT_EQ(s.dm("sdb"), DmPathState::Failed);
    EXPECT_EQ(s.registration("sdb"), "needed");
    // Back: the check says up, but the path waits for its sync.
    s.down.erase("sdb");
    s.hold_syncs = true;
    s.seen.clear();
    s.run(s.engine.handle(Tick{}, t0 + seconds(10)), t0 + seconds(10));
    ASSERT_EQ(s.held.size(), 1U);
    EXPECT_EQ(s.held[0].devnode, "sdb");
    EXPECT_EQ(count_equal(s.seen, "message 3600a reinstate_path 8:16"), 0U) << "not before it is registered";
    EXPECT_EQ(s.registration("sdb"), "syncing");
    s.answer(s.held[0], t0 + seconds(10));
    EXPECT_EQ(count_equal(s.seen, "message 3600a reinstate_path 8:16"), 1U);
    EXPECT_EQ(s.registration("sdb"), "registered");
}

TEST(PathRegistration, AFailedSyncKeepsThePathOutAndIsRetried) {
    KeyedMap s;
    s.fail("sdb", t0 + seconds(1));
    s.down.erase("sdb");
    s.verdicts["sdb"] = RegistrationVerdict::Failed;
    s.seen.clear();
    s.run(s.engine.handle(Tick{}, t0 + seconds(10)), t0 + seconds(10));
    EXPECT_EQ(s.registration("sdb"), "failed");
    EXPECT_EQ(count_equal(s.seen, "message 3600a reinstate_path 8:16"), 0U);
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb"), 1U);
    // Retried after a polling interval (5 s by default); this time it works.
    ASSERT_TRUE(s.engine.next_deadline());
    EXPECT_LE(*s.engine.next_deadline(), t0 + seconds(15));
    s.verdicts.erase("sdb");
    s.run(s.engine.handle(Tick{}, t0 + seconds(15)), t0 + seconds(15));
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb"), 2U);
    EXPECT_EQ(count_equal(s.seen, "message 3600a reinstate_path 8:16"), 1U);
}

TEST(PathRegistration, AFailedSyncIsNotUsedEvenAsTheLastResort) {
    KeyedMap s;
    s.fail("sdb", t0 + seconds(1));
    s.fail("sdc", t0 + seconds(1));
    s.down.clear();
    s.verdicts["sdb"] = RegistrationVerdict::Failed;
    s.verdicts["sdc"] = RegistrationVerdict::Failed;
    s.run(s.engine.handle(Tick{}, t0 + seconds(10)), t0 + seconds(10));
    EXPECT_EQ(s.dm("sdb"), DmPathState::Failed);
    EXPECT_EQ(s.dm("sdc"), DmPathState::Failed);
}

// A host whose key the target no longer lists was fenced (or never joined): the path returns unregistered,
// as the host's other paths are, and the daemon does not register the key again.
TEST(PathRegistration, AFencedHostsPathReturnsWithoutItsKey) {
    KeyedMap s;
    s.fail("sdb", t0 + seconds(1));
    s.down.erase("sdb");
    s.verdicts["sdb"] = RegistrationVerdict::HostUnregistered;
    s.seen.clear();
    s.run(s.engine.handle(Tick{}, t0 + seconds(10)), t0 + seconds(10));
    EXPECT_EQ(s.registration("sdb"), "host-unregistered");
    EXPECT_EQ(count_equal(s.seen, "message 3600a reinstate_path 8:16"), 1U);
}

TEST(PathRegistration, ATargetWithoutReservationsDoesNotHoldThePathOut) {
    KeyedMap s;
    s.fail("sdb", t0 + seconds(1));
    s.down.erase("sdb");
    s.verdicts["sdb"] = RegistrationVerdict::Unsupported;
    s.seen.clear();
    s.run(s.engine.handle(Tick{}, t0 + seconds(10)), t0 + seconds(10));
    EXPECT_EQ(s.registration("sdb"), "unsupported");
    EXPECT_EQ(count_equal(s.seen, "message 3600a reinstate_path 8:16"), 1U);
}

// dm loads every path of a new table active: a path added while running joins the table only once synced.
TEST(PathRegistration, APathAddedWhileRunningJoinsTheTableOnlyOnceSynced) {
    KeyedMap s;
    s.hold_syncs = true;
    s.seen.clear();
    s.run(s.engine.handle(PathAdded{path("sdd", 48)}, t0 + seconds(1)), t0 + seconds(1));
    EXPECT_EQ(count_with_prefix(s.seen, "reload 3600a"), 0U);
    ASSERT_EQ(s.held.size(), 1U);
    s.answer(s.held[0], t0 + seconds(1));
    ASSERT_EQ(count_with_prefix(s.seen, "reload 3600a"), 1U);
    bool reload_has_sdd = false;
    for (const Action& a : s.seen) {
        if (const auto* r = std::get_if<ReloadMap>(&a)) {
            reload_has_sdd = to_string(*r).find("8:48") != std::string::npos;
        }
    }
    EXPECT_TRUE(reload_has_sdd);
}

// Another tool registering, or a fence preempting the key, shows on the next check after a while: a settled
// path is synced again every max_polling_interval; a registered one only confirms its key is listed.
TEST(PathRegistration, ASettledPathIsSyncedAgainAfterAWhile) {
    KeyedMap s;
    s.seen.clear();
    s.run(s.engine.handle(Tick{}, t0 + seconds(10)), t0 + seconds(10));
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb"), 0U) << "too early";
    s.verdicts["sdb"] = RegistrationVerdict::HostUnregistered;  // fenced meanwhile
    s.run(s.engine.handle(Tick{}, t0 + seconds(60)), t0 + seconds(60));
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb key=0xa1 aptpl confirm-only"), 1U);
    EXPECT_EQ(s.registration("sdb"), "host-unregistered");
    EXPECT_EQ(count_equal(s.seen, "message 3600a fail_path 8:16"), 0U) << "a refresh never takes a path out";
    // Unregistered: the next refresh registers again if the key is listed (the node joined again).
    s.seen.clear();
    s.verdicts.erase("sdb");
    s.run(s.engine.handle(Tick{}, t0 + seconds(120)), t0 + seconds(120));
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb key=0xa1 aptpl"), 1U);
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb key=0xa1 aptpl confirm-only"), 0U);
    EXPECT_EQ(s.registration("sdb"), "registered");
}

TEST(PathRegistration, AStaleSyncAnswerIsIgnored) {
    KeyedMap s;
    s.fail("sdb", t0 + seconds(1));
    s.down.erase("sdb");
    s.hold_syncs = true;
    s.run(s.engine.handle(Tick{}, t0 + seconds(10)), t0 + seconds(10));
    ASSERT_EQ(s.held.size(), 1U);
    s.seen.clear();
    s.run(
        s.engine.handle(RegistrationSynced{"sdb", s.held[0].sync_id + 7, RegistrationVerdict::Registered, ""},
                        t0 + seconds(10)),
        t0 + seconds(10));
    EXPECT_EQ(s.registration("sdb"), "syncing");
    EXPECT_EQ(count_equal(s.seen, "message 3600a reinstate_path 8:16"), 0U);
}

// The path failed again while its sync was in flight: that answer no longer tells about the path now.
// pathctl reservation register / preempt / clear changed what the target lists: the map's paths sync again
// while they keep carrying I/O, and the states shown follow the target's new answer.
TEST(PathRegistration, AnAdministratorsResyncChecksEveryPathAgainWithoutFailingIt) {
    KeyedMap s;
    s.verdicts["sdb"] = RegistrationVerdict::HostUnregistered;
    s.verdicts["sdc"] = RegistrationVerdict::HostUnregistered;
    s.seen.clear();
    ASSERT_TRUE(s.engine.validate(AdminSyncRegistrations{"3600a"}).ok());
    s.run(s.engine.handle(AdminRequest{AdminSyncRegistrations{"3600a"}}, t0 + seconds(2)), t0 + seconds(2));
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdb key=0xa1"), 1U);
    EXPECT_EQ(count_with_prefix(s.seen, "sync-registration sdc key=0xa1"), 1U);
    EXPECT_EQ(count_with_prefix(s.seen, "message 3600a fail_path"), 0U) << "paths in service stay in";
    EXPECT_EQ(s.registration("sdb"), "host-unregistered");
    EXPECT_EQ(s.registration("sdc"), "host-unregistered");
    EXPECT_EQ(s.dm("sdb"), DmPathState::Active);
    EXPECT_EQ(s.dm("sdc"), DmPathState::Active);
}

TEST(PathRegistration, AResyncOfAnUnknownMapIsRefusedAndOneWithoutAKeySendsNothing) {
    KeyedMap keyed;
    auto unknown = keyed.engine.validate(AdminSyncRegistrations{"nosuchmap"});
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
    KeyedMap plain(Config{});
    plain.seen.clear();
    plain.run(plain.engine.handle(AdminRequest{AdminSyncRegistrations{"3600a"}}, t0), t0);
    EXPECT_EQ(count_with_prefix(plain.seen, "sync-registration"), 0U);
    EXPECT_EQ(plain.registration("sdb"), "");
}

TEST(PathRegistrationState, AFailureDuringASyncAsksForAnotherOne) {
    PathRegistration r;
    r.configure(ReservationKey::fixed(0xa1), true);
    r.require_before_service(false);
    ASSERT_TRUE(r.sync_due(t0));
    r.sync_started(1);
    r.require_before_service(false);
    ASSERT_TRUE(r.sync_finished(1, RegistrationVerdict::Registered, "ok", t0, seconds(5)));
    EXPECT_EQ(r.state(), RegistrationState::Needed);
    EXPECT_TRUE(r.holds_out());
    EXPECT_TRUE(r.sync_due(t0));
}

TEST(PathRegistrationState, RemovingTheKeyReleasesThePath) {
    PathRegistration r;
    r.configure(ReservationKey::fixed(0xa1), true);
    r.require_before_service(true);
    ASSERT_TRUE(r.keeps_out_of_table());
    r.configure(std::nullopt, true);
    EXPECT_EQ(r.state(), RegistrationState::Unneeded);
    EXPECT_FALSE(r.holds_out());
    EXPECT_FALSE(r.keeps_out_of_table());
}

TEST(PathRegistrationState, AFailedSyncIsDueAgainOnlyAfterTheDelay) {
    PathRegistration r;
    r.configure(ReservationKey::fixed(0xa1), true);
    r.require_before_service(false);
    r.sync_started(3);
    ASSERT_TRUE(r.sync_finished(3, RegistrationVerdict::Failed, "timed out", t0, seconds(5)));
    EXPECT_TRUE(r.holds_out());
    EXPECT_FALSE(r.sync_due(t0 + seconds(4)));
    EXPECT_TRUE(r.sync_due(t0 + seconds(5)));
    EXPECT_EQ(r.detail(), "timed out");
}

}  // namespace
}  // namespace pathkeeper::core
