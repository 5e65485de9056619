// Golden cases for diff_maps(): given the desired maps and the loaded ones, the changes as text lines.
// Paths are named by devnode; their device numbers follow from the name (sdb 8:16, sdc 8:32, ...).

#include <gtest/gtest.h>

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "core/map_diff.hpp"

namespace pathkeeper::core {
namespace {

using Groups = std::vector<std::vector<std::string>>;
using Loaded = std::map<std::string, LoadedMap, std::less<>>;
using Lines = std::vector<std::string>;

DevT devt_of(const std::string& devnode) {
    return DevT{8, static_cast<unsigned>(devnode.back() - 'a') * 16};
}

// A desired map: its groups in table order, no features (no_path_retry fail).
PlannedMap desired(const std::string& name, const std::string& wwid, const Groups& groups) {
    PlannedMap m;
    m.name = name;
    m.wwid = wwid;
    m.uuid = "mpath-" + wwid;
    m.size_sectors = 2048;
    m.options.no_path_retry.value = NoPathRetry::fail();
    for (const auto& group : groups) {
        PlannedGroup pg;
        DmTableGroup tg;
        tg.selector = "service-time";
        for (const std::string& dev : group) {
            m.paths.push_back(PlannedPath{dev, devt_of(dev), 1, PathState::Up});
            pg.devnodes.push_back(dev);
            tg.paths.push_back(DmTablePath{devt_of(dev), {"1"}});
        }
        m.groups.push_back(pg);
        m.table.groups.push_back(tg);
    }
    m.table.initial_group = 1;
    return m;
}

PlannedMap queueing(PlannedMap m, NoPathRetry npr = NoPathRetry::queue()) {
    m.options.no_path_retry.value = npr;
    m.table.features = {"queue_if_no_path"};
    return m;
}

// What the engine holds for a map it loaded as `m` (and believes dm has).
LoadedMap loaded(const PlannedMap& m) {
    LoadedMap l;
    l.name = m.name;
    l.size_sectors = m.size_sectors;
    l.table = m.table;
    l.no_path_retry = m.options.no_path_retry.value;
    l.queueing = has_feature(m.table, "queue_if_no_path");
    return l;
}

Lines diff(std::vector<PlannedMap> want, const Loaded& have) {
    Lines lines;
    for (const MapUpdate& u : diff_maps(std::move(want), have)) {
        lines.push_back(to_string(u));
    }
    return lines;
}

const PlannedMap mpatha = desired("mpatha", "3600a", {{"sdb", "sdc"}});
const PlannedMap mpathb = desired("mpathb", "3600b", {{"sdd"}, {"sde"}});

TEST(TheMapDiff, CreatesANewMap) {
    EXPECT_EQ(diff({mpatha}, {}), (Lines{"create mpatha 3600a: [sdb sdc]"}));
}

TEST(TheMapDiff, KeepsAnIdenticalMapWithoutReloadingIt) {
    EXPECT_EQ(diff({mpatha}, {{"3600a", loaded(mpatha)}}), (Lines{"keep mpatha"}));
}

TEST(TheMapDiff, KeepsTheLoadedGroupOrderWhenOnlyTheOrderDiffers) {
    const PlannedMap swapped = desired("mpathb", "3600b", {{"sde"}, {"sdd"}});
    const auto changes = diff_maps({swapped}, {{"3600b", loaded(mpathb)}});
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_EQ(to_string(changes[0]), "keep mpathb");
    // The record keeps describing the table as loaded: failback, not a reload, orders the groups.
    EXPECT_EQ(changes[0].map.groups[0].devnodes, (std::vector<std::string>{"sdd"}));
    EXPECT_EQ(changes[0].map.table.groups[0].paths[0].devt, devt_of("sdd"));
}

TEST(TheMapDiff, ReloadsAMapThatGainedOrLostAPath) {
    const PlannedMap more = desired("mpathb", "3600b", {{"sdd"}, {"sde"}, {"sdf"}});
    EXPECT_EQ(diff({more}, {{"3600b", loaded(mpathb)}}), (Lines{"reload mpathb: [sdd] [sde] [sdf]"}));
    const PlannedMap fewer = desired("mpathb", "3600b", {{"sdd"}});
    EXPECT_EQ(diff({fewer}, {{"3600b", loaded(mpathb)}}), (Lines{"reload mpathb: [sdd]"}));
}

TEST(TheMapDiff, ReloadsAMapWhoseSizeChanged) {
    PlannedMap grown = mpatha;
    grown.size_sectors = 4096;
    EXPECT_EQ(diff({grown}, {{"3600a", loaded(mpatha)}}), (Lines{"reload mpatha: [sdb sdc]"}));
}

TEST(TheMapDiff, RenamesAMapWhoseAliasChanged) {
    const PlannedMap db1 = desired("db1", "3600c", {{"sdb", "sdc"}});
    const PlannedMap mpathc = desired("mpathc", "3600c", {{"sdb", "sdc"}});
    EXPECT_EQ(diff({db1}, {{"3600c", loaded(mpathc)}}), (Lines{"rename mpathc -> db1", "keep db1"}));
}

TEST(TheMapDiff, RemovesAMapNoLongerWanted) {
    const PlannedMap mpathd = desired("mpathd", "3600d", {{"sdb"}});
    EXPECT_EQ(diff({}, {{"3600d", loaded(mpathd)}}), (Lines{"remove mpathd"}));
}

TEST(TheMapDiff, FailsQueuedIoFirstUnderFlushOnLastDel) {
    LoadedMap mpathd = loaded(queueing(desired("mpathd", "3600d", {{"sdb"}})));
    EXPECT_EQ(diff({}, {{"3600d", mpathd}}), (Lines{"remove mpathd"}));
    mpathd.flush_on_last_del = true;
    EXPECT_EQ(diff({}, {{"3600d", mpathd}}), (Lines{"remove mpathd, fail_if_no_path first"}));
}

TEST(TheMapDiff, KeepsAnOpenMapNoLongerWantedAndSaysSoOnce) {
    LoadedMap mpathd = loaded(desired("mpathd", "3600d", {{"sdb"}}));
    mpathd.open_count = 1;
    EXPECT_EQ(diff({}, {{"3600d", mpathd}}), (Lines{"keep open mpathd"}));
    mpathd.has_paths = false;  // kept open before: reported then
    EXPECT_EQ(diff({}, {{"3600d", mpathd}}), Lines{});
}

TEST(TheMapDiff, AdoptsAnEquivalentMapAtStartupAndReloadsADifferentOne) {
    LoadedMap found_a = loaded(mpatha);
    found_a.adopting = true;
    LoadedMap found_b = loaded(desired("mpathb", "3600b", {{"sdd", "sde"}}));
    found_b.adopting = true;
    EXPECT_EQ(diff({mpatha, mpathb}, {{"3600a", found_a}, {"3600b", found_b}}),
              (Lines{"adopt mpatha", "adopt and reload mpathb: [sdd] [sde]"}));
}

TEST(TheMapDiff, SetsQueueingOfAnAdoptedMapByMessageNotByReload) {
    LoadedMap found = loaded(queueing(mpatha));
    found.queueing = false;  // dm echoes no queue_if_no_path: it is not queueing now
    found.adopting = true;
    EXPECT_EQ(diff({queueing(mpatha)}, {{"3600a", found}}), (Lines{"adopt mpatha, queue_if_no_path"}));
}

TEST(TheMapDiff, RestartsTheRetryCountWhenNoPathRetryChanged) {
    const PlannedMap counting = queueing(mpatha, NoPathRetry::retries(3));
    EXPECT_EQ(diff({counting}, {{"3600a", loaded(queueing(mpatha))}}),
              (Lines{"restart no_path_retry mpatha: 3", "keep mpatha"}));
    EXPECT_EQ(diff({mpatha}, {{"3600a", loaded(queueing(mpatha))}}),
              (Lines{"restart no_path_retry mpatha: fail", "keep mpatha, fail_if_no_path"}));
}

TEST(TheMapDiff, LeavesQueueingOffOnceNoPathRetryRanOut) {
    const PlannedMap counting = queueing(mpatha, NoPathRetry::retries(3));
    LoadedMap exhausted = loaded(counting);
    exhausted.queueing = false;
    exhausted.retries_exhausted = true;
    EXPECT_EQ(diff({counting}, {{"3600a", exhausted}}), (Lines{"keep mpatha"}));
    // A new map for the WWID (its create had failed) is created without queueing too.
    exhausted.exists = false;
    EXPECT_EQ(diff({counting}, {{"3600a", exhausted}}), (Lines{"create mpatha 3600a: [sdb sdc]"}));
}

TEST(TheMapDiff, WaitsForTheRetryTimeOfAFailedCreateOrRemoval) {
    LoadedMap failed_create = loaded(mpatha);
    failed_create.exists = false;
    failed_create.retry_pending = true;
    LoadedMap failed_removal = loaded(desired("mpathd", "3600d", {{"sdf"}}));
    failed_removal.retry_pending = true;
    EXPECT_EQ(diff({mpatha}, {{"3600a", failed_create}, {"3600d", failed_removal}}), Lines{});
    failed_create.retry_pending = false;
    failed_removal.retry_pending = false;
    EXPECT_EQ(diff({mpatha}, {{"3600a", failed_create}, {"3600d", failed_removal}}),
              (Lines{"create mpatha 3600a: [sdb sdc]", "remove mpathd"}));
}

TEST(TheMapDiff, RetriesARemovalRefusedBecauseTheMapWasOpenQuietly) {
    LoadedMap kept = loaded(desired("mpathd", "3600d", {{"sdf"}}));
    kept.kept_in_use = true;  // reported as kept open when dm refused the removal
    EXPECT_EQ(diff({}, {{"3600d", kept}}), (Lines{"remove mpathd (retry, quiet)"}));
}

TEST(TheMapDiff, ListsDesiredMapsInPlanOrderThenRemovalsByWwid) {
    const PlannedMap mpathd = desired("mpathd", "3600d", {{"sdf"}});
    const PlannedMap mpathe = desired("mpathe", "3600e", {{"sdg"}});
    EXPECT_EQ(diff({mpathb, mpatha}, {{"3600e", loaded(mpathe)}, {"3600d", loaded(mpathd)}}),
              (Lines{"create mpathb 3600b: [sdd] [sde]", "create mpatha 3600a: [sdb sdc]", "remove mpathd",
                     "remove mpathe"}));
}

}  // namespace
}  // namespace pathkeeper::core
