// Partition maps on the dm worker: removed first with their map (pathctl remove-map and the daemon's own
// removals, refusals that name the holders, deferred removal), renamed with it.
#include "daemon/admin_map_removal.hpp"
#include "daemon/partition_maps.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace pathkeeper::daemon {
namespace {

// Maps by name with their open counts; removals are recorded in order ("remove NAME[ deferred]").
class RecordingDm final : public ports::DeviceMapper {
public:
    std::map<std::string, ports::DmMapInfo> maps;
    std::vector<std::string> removals;
    std::map<std::string, int> transient_opens;

    void add(const std::string& name, core::DevT devt, int open_count, const std::string& uuid) {
        ports::DmMapInfo info;
        info.name = name;
        info.uuid = uuid;
        info.devt = devt;
        info.open_count = open_count;
        maps[name] = info;
    }
    core::Result<std::vector<ports::DmMapInfo>> list_multipath_maps() override {
        return std::vector<ports::DmMapInfo>{};
    }
    core::Result<ports::DmMapInfo> get_map(const std::string& name) override {
        auto it = maps.find(name);
        if (it == maps.end()) {
            return core::Error{core::ErrorCode::NotFound, "no dm device named " + name};
        }
        ports::DmMapInfo info = it->second;
        if (auto t = transient_opens.find(name); t != transient_opens.end() && t->second > 0) {
            --t->second;
            ++info.open_count;  // udev's probe, gone after this many reads
        }
        return info;
    }
    core::Result<void> create_map(const std::string&, const std::string&, std::uint64_t,
                                  const core::DmMultipathTable&) override {
        return {};
    }
    core::Result<void> reload_map(const std::string&, std::uint64_t, const core::DmMultipathTable&) override {
        return {};
    }
    core::Result<void> remove_map(const std::string& name, const ports::RemoveOptions& options) override {
        removals.push_back("remove " + name + (options.deferred ? " deferred" : ""));
        maps.erase(name);
        return {};
    }
    core::Result<void> rename_map(const std::string& from, const std::string& to) override {
        renames.push_back(from + " -> " + to);
        if (refuse_rename == from) {
            return core::Error{core::ErrorCode::Conflict, "device busy"};
        }
        if (auto node = maps.extract(from)) {
            node.key() = to;
            maps.insert(std::move(node));
        }
        return {};
    }
    std::vector<std::string> renames;
    std::string refuse_rename;
    core::Result<void> send_message(const std::string&, const std::string&) override { return {}; }
    int event_fd() const override { return -1; }
    core::Result<std::vector<std::string>> changed_maps() override { return std::vector<std::string>{}; }
};

class FakeHolders final : public ports::BlockHolders {
public:
    std::vector<ports::PartitionMap> partition_maps;
    std::map<std::string, std::vector<std::string>> holders_of;  // by devt text
    std::vector<ports::PartitionMap> partitions(core::DevT, const std::string& wwid) override {
        wwid_asked = wwid;
        return partition_maps;
    }
    std::vector<std::string> holders(core::DevT device, const std::vector<ports::PartitionMap>&) override {
        return holders_of[device.to_string()];
    }
    std::string wwid_asked;
};

struct AMapWithTwoPartitions : ::testing::Test {
    RecordingDm dm;
    FakeHolders holders;
    AMapWithTwoPartitions() {
        dm.add("mpatha", {253, 0}, 2, "mpath-3600a");  // held by its two partition maps
        dm.add("mpatha1", {253, 1}, 0, "part1-mpath-3600a");
        dm.add("mpatha2", {253, 2}, 0, "part2-mpath-3600a");
        holders.partition_maps = {{"mpatha1", {253, 1}}, {"mpatha2", {253, 2}}};
    }
    core::Result<ports::DeviceMapper::UdevHandle> remove(bool deferred, bool& deferred_now) {
        return start_admin_map_removal(dm, &holders, core::RemoveMap{"mpatha", true, deferred}, deferred_now);
    }
};

TEST_F(AMapWithTwoPartitions, RemovesThePartitionsFirstThenTheMap) {
    bool deferred_now = true;
    ASSERT_TRUE(remove(false, deferred_now).ok());
    EXPECT_FALSE(deferred_now);
    EXPECT_EQ(holders.wwid_asked, "3600a");
    EXPECT_EQ(dm.removals, (std::vector<std::string>{"remove mpatha1", "remove mpatha2", "remove mpatha"}));
}

TEST_F(AMapWithTwoPartitions, TheDaemonsOwnRemovalTakesThePartitionsFirstToo) {
    bool deferred_now = false;
    ASSERT_TRUE(
        start_admin_map_removal(dm, &holders, core::RemoveMap{"mpatha", false, false}, deferred_now).ok());
    EXPECT_EQ(dm.removals, (std::vector<std::string>{"remove mpatha1", "remove mpatha2", "remove mpatha"}));
}

TEST_F(AMapWithTwoPartitions, TheDaemonsOwnRemovalOfAHeldMapOffersNoDeferredHint) {
    dm.maps["mpatha"].open_count = 3;
    bool deferred_now = false;
    auto refused =
        start_admin_map_removal(dm, &holders, core::RemoveMap{"mpatha", false, false}, deferred_now);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message.find("--deferred"), std::string::npos) << refused.error().message;
    EXPECT_TRUE(dm.removals.empty());
}

TEST_F(AMapWithTwoPartitions, ItsPartitionMapsFollowARename) {
    dm.maps["mpatha1"].name = "mpatha-part1";
    holders.partition_maps = {{"mpatha-part1", {253, 1}}, {"other-name", {253, 2}}};
    EXPECT_EQ(rename_partition_maps(dm, holders, "mpatha", "db_lun"), "");
    EXPECT_EQ(dm.renames, (std::vector<std::string>{"mpatha-part1 -> db_lun-part1"}))
        << "a partition map named by someone else is left alone";
    EXPECT_EQ(holders.wwid_asked, "3600a");
}

TEST_F(AMapWithTwoPartitions, ARenameThatFailsForOnePartitionSaysWhichAndGoesOn) {
    holders.partition_maps = {{"mpatha-part1", {253, 1}}, {"mpatha-part2", {253, 2}}};
    dm.refuse_rename = "mpatha-part1";
    const std::string left = rename_partition_maps(dm, holders, "mpatha", "db_lun");
    EXPECT_NE(left.find("partition map mpatha-part1 not renamed to db_lun-part1: device busy"),
              std::string::npos)
        << left;
    EXPECT_EQ(dm.renames,
              (std::vector<std::string>{"mpatha-part1 -> db_lun-part1", "mpatha-part2 -> db_lun-part2"}));
}

TEST(PartitionMapsOfAMissingMap, AreLeftAloneWithAReason) {
    RecordingDm dm;
    FakeHolders holders;
    EXPECT_NE(rename_partition_maps(dm, holders, "gone", "new").find("no dm device named gone"),
              std::string::npos);
}

TEST_F(AMapWithTwoPartitions, RidesOutAMomentaryOpenByUdev) {
    dm.transient_opens["mpatha"] = 2;
    bool deferred_now = false;
    ASSERT_TRUE(remove(false, deferred_now).ok());
    EXPECT_EQ(dm.removals, (std::vector<std::string>{"remove mpatha1", "remove mpatha2", "remove mpatha"}));
}

TEST_F(AMapWithTwoPartitions, IsRefusedWhileAPartitionIsMountedAndTheMessageSaysWhere) {
    dm.maps["mpatha2"].open_count = 1;
    holders.holders_of["253:2"] = {"mounted on /srv/data"};
    bool deferred_now = false;
    auto refused = remove(false, deferred_now);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, core::ErrorCode::Conflict);
    EXPECT_NE(refused.error().message.find("partition mpatha2 mounted on /srv/data"), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(dm.removals.empty()) << "nothing is removed when the map cannot be";
}

TEST_F(AMapWithTwoPartitions, IsRefusedWhileTheMapItselfIsHeld) {
    dm.maps["mpatha"].open_count = 3;
    holders.holders_of["253:0"] = {"LVM volume vg0-data", "pid 4242 (qemu)"};
    bool deferred_now = false;
    auto refused = remove(false, deferred_now);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("mpatha is in use: LVM volume vg0-data, pid 4242 (qemu)"),
              std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(dm.removals.empty());
}

TEST_F(AMapWithTwoPartitions, DeferredHandsAnOpenMapToDmAndSaysSo) {
    dm.maps["mpatha1"].open_count = 1;
    bool deferred_now = false;
    ASSERT_TRUE(remove(true, deferred_now).ok());
    EXPECT_TRUE(deferred_now);
    EXPECT_EQ(dm.removals, (std::vector<std::string>{"remove mpatha1 deferred", "remove mpatha2 deferred",
                                                     "remove mpatha deferred"}));
}

TEST(AnAdminMapRemoval, WithoutHolderDiscoveryRefusesAnOpenMapByItsOpenCount) {
    RecordingDm dm;
    dm.add("mpathb", {253, 5}, 1, "mpath-3600b");
    bool deferred_now = false;
    auto refused = start_admin_map_removal(dm, nullptr, core::RemoveMap{"mpathb", true, false}, deferred_now);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("open (1 openers)"), std::string::npos) << refused.error().message;
    auto unknown = start_admin_map_removal(dm, nullptr, core::RemoveMap{"mpathz", true, false}, deferred_now);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, core::ErrorCode::NotFound);
}

}  // namespace
}  // namespace pathkeeper::daemon
