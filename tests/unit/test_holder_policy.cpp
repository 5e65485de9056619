// Redundancy-aware queueing: the verdict drawn from what holds a map (every RAID level, degraded arrays, a
// leg already failed), which configured no_path_retry gives way to it, and how the engine applies a changed
// verdict to a loaded map (the queue_if_no_path / fail_if_no_path messages, explain's origin).
#include "core/holder_policy.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "core/config_explain.hpp"
#include "core/engine.hpp"
#include "engine_test_support.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::seconds;
using test_support::count_equal;
using test_support::path;
const TimePoint t0{};

MapHolder md(std::string level, unsigned members, unsigned degraded, unsigned other_in_sync,
             LegState leg = LegState::InSync) {
    MapHolder h;
    h.device = "md0";
    h.kind = "md " + level;
    h.redundant = true;
    h.level = std::move(level);
    h.members = members;
    h.degraded = degraded;
    h.other_in_sync = other_in_sync;
    h.leg = leg;
    return h;
}

bool fails_fast(const MapHolder& h) {
    auto v = decide_holder_verdict(h);
    EXPECT_TRUE(v.has_value());
    return v && v->fail_fast;
}

TEST(HolderVerdict, Raid1FailsFastWhileAnotherLegIsInSync) {
    auto v = decide_holder_verdict(md("raid1", 2, 0, 1));
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->fail_fast);
    EXPECT_EQ(v->reason, "md0 (raid1) has another in-sync leg: fail fast");
}

TEST(HolderVerdict, Raid1QueuesWhenThisLegHoldsTheOnlyCopy) {
    auto v = decide_holder_verdict(md("raid1", 2, 1, 0));
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->fail_fast);
    EXPECT_EQ(v->reason, "md0 (raid1) is degraded: queue to protect the only copy");
    // The other leg still rebuilding holds no full copy yet.
    EXPECT_FALSE(fails_fast(md("raid1", 2, 1, 0, LegState::InSync)));
    // Three legs, one lost: the third still has a copy.
    EXPECT_TRUE(fails_fast(md("raid1", 3, 1, 1)));
}

TEST(HolderVerdict, ParityLevelsFailFastOnlyWhileTheyKeepTheirRedundancy) {
    for (const char* level : {"raid4", "raid5", "raid10"}) {
        EXPECT_TRUE(fails_fast(md(level, 4, 0, 3))) << level;
        EXPECT_FALSE(fails_fast(md(level, 4, 1, 2))) << level;
    }
    EXPECT_TRUE(fails_fast(md("raid6", 5, 0, 4)));
    EXPECT_TRUE(fails_fast(md("raid6", 5, 1, 3)));
    EXPECT_FALSE(fails_fast(md("raid6", 5, 2, 2)));
}

TEST(HolderVerdict, ALegTheArrayAlreadyFailedNeedsNoQueueing) {
    auto v = decide_holder_verdict(md("raid1", 2, 1, 0, LegState::Faulty));
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->fail_fast);
    EXPECT_EQ(v->reason, "md0 (raid1) has already failed this leg: fail fast");
}

TEST(HolderVerdict, AnArrayThatIsNotRunningQueues) {
    MapHolder h = md("raid1", 2, 0, 1);
    h.running = false;
    EXPECT_FALSE(fails_fast(h));
}

TEST(HolderVerdict, LvmLegsAreNamedByTheirVolume) {
    MapHolder h;
    h.device = "vg0-data";
    h.kind = "LVM raid1";
    h.redundant = true;
    h.level = "raid1";
    h.members = 2;
    h.other_in_sync = 1;
    h.leg = LegState::InSync;
    EXPECT_EQ(decide_holder_verdict(h)->reason, "vg0-data (LVM raid1) has another in-sync leg: fail fast");
    h.kind = "LVM mirror";
    h.level = "mirror";
    h.other_in_sync = 0;
    h.degraded = 1;
    EXPECT_EQ(decide_holder_verdict(h)->reason,
              "vg0-data (LVM mirror) is degraded: queue to protect the only copy");
}

TEST(HolderVerdict, WhatIsNotRedundantGivesNoVerdict) {
    MapHolder h;
    h.device = "vg0-lv";
    h.kind = "LVM volume";
    EXPECT_FALSE(decide_holder_verdict(h));
    MapHolder unknown_level = md("raid0", 2, 0, 1);
    EXPECT_FALSE(decide_holder_verdict(unknown_level));
}

TEST(HolderVerdict, OnlyANoPathRetryNotSetForTheMapYields) {
    for (Origin o : {Origin::BuiltIn, Origin::BuiltInDevice, Origin::Defaults, Origin::Device}) {
        EXPECT_TRUE(yields_to_holder(o)) << to_string(o);
    }
    for (Origin o : {Origin::Overrides, Origin::Multipath, Origin::Administrator}) {
        EXPECT_FALSE(yields_to_holder(o)) << to_string(o);
    }
    const HolderVerdict fail{true, "md0 (raid1) has another in-sync leg: fail fast"};
    const HolderVerdict queue{false, "md0 (raid1) is degraded: queue to protect the only copy"};
    const Resolved<NoPathRetry> builtin{NoPathRetry::retries(12), Origin::BuiltInDevice, {}};
    const Resolved<NoPathRetry> entry{NoPathRetry::retries(12), Origin::Multipath, {}};
    auto applied = apply_holder_verdict(builtin, fail);
    EXPECT_EQ(applied.value, NoPathRetry::fail());
    EXPECT_EQ(applied.origin, Origin::Holder);
    EXPECT_EQ(apply_holder_verdict(entry, fail).origin, Origin::Multipath);
    // A queue verdict keeps what is configured, never makes queue what is configured to fail.
    EXPECT_EQ(apply_holder_verdict(builtin, queue).value, NoPathRetry::retries(12));
    const Resolved<NoPathRetry> fails{NoPathRetry::fail(), Origin::Defaults, {}};
    EXPECT_EQ(apply_holder_verdict(fails, queue).value, NoPathRetry::fail());
}

TEST(HolderVerdict, ExplainNamesTheHolderAsTheOrigin) {
    const DeviceIdentity lio{"3600a", "LIO-ORG", "disk", ""};
    const HolderVerdict fail{true, "md0 (raid1) has another in-sync leg: fail fast"};
    for (const auto& line : explain_map(Config{}, lio, std::nullopt, fail)) {
        if (line.name == "no_path_retry") {
            EXPECT_EQ(line.value, "fail");
            EXPECT_EQ(line.origin, "holder: md0 (raid1) has another in-sync leg: fail fast");
        }
    }
    // The administrator wins over the holder.
    for (const auto& line : explain_map(Config{}, lio, NoPathRetry::queue(), fail)) {
        if (line.name == "no_path_retry") {
            EXPECT_EQ(line.value, "queue");
            EXPECT_EQ(line.origin,
                      "administrator (pathctl queueing) (holder: md0 (raid1) has another in-sync "
                      "leg: fail fast; not applied)");
        }
    }
    // A queue verdict keeps the configured value, and says so.
    const HolderVerdict queue{false, "md0 (raid1) is degraded: queue to protect the only copy"};
    for (const auto& line : explain_map(Config{}, lio, std::nullopt, queue)) {
        if (line.name == "no_path_retry") {
            EXPECT_EQ(line.value, "12");
            EXPECT_EQ(line.origin,
                      "built-in device table: (LIO-ORG|SUSE) .* (holder: md0 (raid1) is degraded: queue to "
                      "protect the "
                      "only copy)");
        }
    }
}

// Two maps (3600a on sdb+sdc, 3600b on sdd+sde), the legs of md0, created and loaded.
struct MirrorLegs {
    Engine engine;
    explicit MirrorLegs(Config config) : engine(std::move(config), Bindings{}, {}) {
        (void)engine.handle(PathAdded{path("sdb", 16, "3600a")}, t0);
        (void)engine.handle(PathAdded{path("sdc", 32, "3600a")}, t0);
        (void)engine.handle(PathAdded{path("sdd", 48, "3600b")}, t0);
        (void)engine.handle(PathAdded{path("sde", 64, "3600b")}, t0);
        for (const Action& a : engine.handle(MapsDiscovered{}, t0)) {
            if (std::holds_alternative<CreateMap>(a)) {
                (void)engine.handle(ActionCompleted{a}, t0);
            }
        }
    }
    std::vector<Action> read(const MapHolder& a, const MapHolder& b, TimePoint at = t0 + seconds(1)) {
        return engine.handle(MapHoldersRead{{{"3600a", a}, {"3600b", b}}}, at);
    }
    std::vector<Action> read_one(const std::string& map, std::optional<MapHolder> holder, TimePoint at) {
        return engine.handle(MapHoldersRead{{{map, std::move(holder)}}}, at);
    }
    MapSnapshot map(const std::string& name) const { return *engine.snapshot().find_map(name); }
};

Config queueing_config() {
    Config c;
    c.defaults.map.no_path_retry = NoPathRetry::retries(12);
    return c;
}

TEST(HolderQueueing, BothHealthyLegsFailFastAndShowWhy) {
    MirrorLegs s(queueing_config());
    ASSERT_TRUE(s.map("3600a").queue_if_no_path);
    auto actions = s.read(md("raid1", 2, 0, 1), md("raid1", 2, 0, 1));
    EXPECT_EQ(count_equal(actions, "message 3600a fail_if_no_path"), 1U);
    EXPECT_EQ(count_equal(actions, "message 3600b fail_if_no_path"), 1U);
    const MapSnapshot a = s.map("3600a");
    EXPECT_FALSE(a.queue_if_no_path);
    EXPECT_EQ(a.no_path_retry, "fail");
    ASSERT_TRUE(a.holder);
    EXPECT_EQ(a.holder->device, "md0");
    EXPECT_EQ(a.holder->kind, "md raid1");
    EXPECT_TRUE(a.holder->redundant);
    EXPECT_EQ(a.holder->verdict, "fail");
    EXPECT_EQ(a.holder->reason, "md0 (raid1) has another in-sync leg: fail fast");
    // The same facts again change nothing.
    EXPECT_TRUE(s.read(md("raid1", 2, 0, 1), md("raid1", 2, 0, 1), t0 + seconds(2)).empty());
}

TEST(HolderQueueing, TheSurvivingLegQueuesAgainOnceItsTwinIsFailed) {
    MirrorLegs s(queueing_config());
    (void)s.read(md("raid1", 2, 0, 1), md("raid1", 2, 0, 1));
    auto actions = s.read(md("raid1", 2, 1, 0, LegState::Faulty), md("raid1", 2, 1, 0), t0 + seconds(5));
    EXPECT_EQ(count_equal(actions, "message 3600b queue_if_no_path"), 1U);
    EXPECT_EQ(count_equal(actions, "message 3600a queue_if_no_path"), 0U);
    EXPECT_EQ(s.map("3600b").no_path_retry, "12");
    EXPECT_EQ(s.map("3600b").holder->verdict, "queue");
    EXPECT_EQ(s.map("3600a").no_path_retry, "fail");
    // md dropped the failed leg (mdadm --remove): nothing holds that map, its configuration stands.
    actions = s.read_one("3600a", std::nullopt, t0 + seconds(6));
    EXPECT_EQ(count_equal(actions, "message 3600a queue_if_no_path"), 1U);
    EXPECT_FALSE(s.map("3600a").holder);
}

TEST(HolderQueueing, AFlipToFailFastFailsTheIoQueuedOnAMapWithNoPath) {
    MirrorLegs s(queueing_config());
    (void)s.read(md("raid1", 2, 1, 0), md("raid1", 2, 1, 0));  // the twin is resyncing: queue
    std::vector<Action> seen;
    std::function<void(std::vector<Action>, TimePoint)> run = [&](std::vector<Action> actions, TimePoint at) {
        for (const Action& a : actions) {
            seen.push_back(a);
            if (const auto* check = std::get_if<StartCheck>(&a)) {
                run(s.engine.handle(CheckerResult{check->devnode, PathState::Down, "down", check->check_id},
                                    at),
                    at);
            }
        }
    };
    for (const char* dev : {"sdb", "sdc"}) {
        run(s.engine.handle(AdminRequest{AdminFailPath{dev}}, t0 + seconds(2)), t0 + seconds(2));
    }
    ASSERT_TRUE(s.map("3600a").queueing);
    seen.clear();
    run(s.read(md("raid1", 2, 0, 1), md("raid1", 2, 0, 1), t0 + seconds(3)), t0 + seconds(3));
    EXPECT_EQ(count_equal(seen, "message 3600a fail_if_no_path"), 1U);
    EXPECT_FALSE(s.map("3600a").queueing);
}

TEST(HolderQueueing, AnExplicitNoPathRetryWinsOverTheVerdict) {
    Config c = queueing_config();
    MultipathEntry entry;
    entry.wwid = "3600a";
    entry.options.no_path_retry = NoPathRetry::queue();
    c.multipaths.push_back(entry);
    c.overrides.no_path_retry = std::nullopt;
    MirrorLegs s(c);
    auto actions = s.read(md("raid1", 2, 0, 1), md("raid1", 2, 0, 1));
    EXPECT_EQ(count_equal(actions, "message 3600a fail_if_no_path"), 0U);
    EXPECT_EQ(count_equal(actions, "message 3600b fail_if_no_path"), 1U);
    EXPECT_EQ(s.map("3600a").no_path_retry, "queue");
    EXPECT_EQ(s.map("3600a").holder->reason,
              "md0 (raid1) has another in-sync leg: fail fast (not applied: no_path_retry is set by "
              "multipaths)");
    // The administrator's pathctl queueing too.
    (void)s.engine.handle(AdminRequest{AdminSetQueueing{"3600b", QueueingControl::Force}}, t0 + seconds(2));
    EXPECT_EQ(s.map("3600b").no_path_retry, "queue");
    actions =
        s.engine.handle(AdminRequest{AdminSetQueueing{"3600b", QueueingControl::Restore}}, t0 + seconds(3));
    EXPECT_EQ(count_equal(actions, "message 3600b fail_if_no_path"), 1U);
}

TEST(HolderQueueing, AnOverridesNoPathRetryWinsOverTheVerdict) {
    Config c = queueing_config();
    c.overrides.no_path_retry = NoPathRetry::retries(5);
    MirrorLegs s(c);
    auto actions = s.read(md("raid1", 2, 0, 1), md("raid1", 2, 0, 1));
    EXPECT_EQ(count_equal(actions, "message 3600a fail_if_no_path"), 0U);
    EXPECT_EQ(s.map("3600a").no_path_retry, "5");
}

TEST(HolderQueueing, ADevicesRuleYieldsToTheVerdict) {
    Config c;
    DeviceRule rule;
    rule.vendor = ".*";
    rule.product = ".*";
    rule.vendor_pattern = *Pattern::compile(".*");
    rule.product_pattern = *Pattern::compile(".*");
    rule.options.no_path_retry = NoPathRetry::queue();
    c.devices.push_back(rule);
    MirrorLegs s(c);
    ASSERT_EQ(s.map("3600a").no_path_retry, "queue");
    auto actions = s.read(md("raid1", 2, 0, 1), md("raid1", 2, 0, 1));
    EXPECT_EQ(count_equal(actions, "message 3600a fail_if_no_path"), 1U);
}

// Two legs over iSCSI, each path on its own local link (sdb eth1, sdc eth2 for 3600a; sdd eth3, sde eth4 for
// 3600b), every check answered up.
struct MirrorLegsOverIscsi {
    Engine engine{queueing_config(), Bindings{}, {}};
    TimePoint now = t0;
    std::vector<Action> seen;

    static PathInfo iscsi_path(std::string dev, unsigned minor, std::string wwid, unsigned session) {
        PathInfo p = path(std::move(dev), minor, std::move(wwid));
        IscsiInfo i;
        i.session_id = session;
        i.session_state = "LOGGED_IN";
        i.recovery_tmo_s = 120;
        i.local_address = "10.77." + std::to_string(session) + ".1";
        i.remote_address = "10.77." + std::to_string(session) + ".2";
        i.remote_port = 3260;
        p.iscsi = i;
        return p;
    }
    void run(std::vector<Action> actions) {
        for (const Action& a : actions) {
            seen.push_back(a);
            if (const auto* check = std::get_if<StartCheck>(&a)) {
                run(engine.handle(CheckerResult{check->devnode, PathState::Up, "up", check->check_id}, now));
            } else if (std::holds_alternative<CreateMap>(a)) {
                run(engine.handle(ActionCompleted{a}, now));
            }
        }
    }
    void link(unsigned n, bool up) {
        run(engine.handle(
            LocalLinksChanged{{{"eth" + std::to_string(n), up, {"10.77." + std::to_string(n) + ".1"}}}},
            now));
    }
    MirrorLegsOverIscsi() {
        run(engine.handle(PathAdded{iscsi_path("sdb", 16, "3600a", 1)}, now));
        run(engine.handle(PathAdded{iscsi_path("sdc", 32, "3600a", 2)}, now));
        run(engine.handle(PathAdded{iscsi_path("sdd", 48, "3600b", 3)}, now));
        run(engine.handle(PathAdded{iscsi_path("sde", 64, "3600b", 4)}, now));
        run(engine.handle(MapsDiscovered{}, now));
        for (unsigned n = 1; n <= 4; ++n) {
            link(n, true);
        }
    }
};

// A lost server takes both its cables. While md's other leg is in sync the lost leg's last path fails over at
// once too, so md drops the leg instead of waiting out the session's recovery; the leg that then holds the
// only copy keeps its last path riding out the outage.
TEST(HolderQueueing, AFailFastLegFailsOverItsLastPathWhenItsLocalLinkGoes) {
    MirrorLegsOverIscsi s;
    s.run(s.engine.handle(MapHoldersRead{{{"3600a", md("raid1", 2, 0, 1)}, {"3600b", md("raid1", 2, 0, 1)}}},
                          s.now));
    ASSERT_EQ(s.engine.snapshot().find_map("3600b")->no_path_retry, "fail");
    s.seen.clear();
    s.now += seconds(1);
    s.link(3, false);
    s.link(4, false);
    EXPECT_EQ(count_equal(s.seen, "message 3600b fail_path 8:48"), 1U);
    EXPECT_EQ(count_equal(s.seen, "message 3600b fail_path 8:64"), 1U);

    // md failed that leg: the other one queues now, and its last path is kept when its links go too.
    s.run(s.engine.handle(
        MapHoldersRead{{{"3600a", md("raid1", 2, 1, 0)}, {"3600b", md("raid1", 2, 1, 0, LegState::Faulty)}}},
        s.now));
    ASSERT_EQ(s.engine.snapshot().find_map("3600a")->no_path_retry, "12");
    s.seen.clear();
    s.link(1, false);
    s.link(2, false);
    EXPECT_EQ(count_equal(s.seen, "message 3600a fail_path 8:16"), 1U);
    EXPECT_EQ(count_equal(s.seen, "message 3600a fail_path 8:32"), 0U);
}

}  // namespace
}  // namespace pathkeeper::core
