// HolderWatch: the holders of every map read on the dm worker once per polling interval, or at the next poll
// after a request, one read at a time, and handed to the engine as MapHoldersRead.
#include "daemon/holder_watch.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace pathkeeper::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class FakeHolders final : public ports::BlockHolders {
public:
    std::map<std::string, core::MapHolder> by_devt;
    int reads = 0;
    std::vector<ports::PartitionMap> partitions(core::DevT, const std::string&) override { return {}; }
    std::vector<std::string> holders(core::DevT, const std::vector<ports::PartitionMap>&) override {
        return {};
    }
    std::optional<core::MapHolder> map_holder(core::DevT map) override {
        ++reads;
        auto it = by_devt.find(map.to_string());
        return it == by_devt.end() ? std::nullopt : std::optional<core::MapHolder>(it->second);
    }
};

class RecordingSink final : public EventSink {
public:
    std::vector<core::MapHoldersRead> reads;
    int topology_changes = 0;
    void feed(const core::Event& event) override {
        if (const auto* read = std::get_if<core::MapHoldersRead>(&event)) {
            reads.push_back(*read);
        }
    }
    void topology_changed() override { ++topology_changes; }
};

core::MapHolder md0() {
    core::MapHolder h;
    h.device = "md0";
    h.kind = "md raid1";
    h.redundant = true;
    h.level = "raid1";
    h.members = 2;
    h.other_in_sync = 1;
    h.leg = core::LegState::InSync;
    return h;
}

const std::map<std::string, core::DevT> kMaps{{"mpatha", {253, 0}}, {"mpathb", {253, 1}}};

TEST(HolderWatch, ReadsEveryMapOnTheWorkerAndFeedsTheEngine) {
    FakeHolders holders;
    holders.by_devt["253:0"] = md0();
    RecordingSink sink;
    DmWorker worker(1);
    HolderWatch watch(&holders, worker, sink);
    const auto t0 = MonotonicClock::now();
    watch.poll(t0, milliseconds(5000), kMaps);
    worker.wait_idle();
    ASSERT_EQ(sink.reads.size(), 1U);
    EXPECT_EQ(sink.reads[0].holders.at("mpatha"), md0());
    EXPECT_FALSE(sink.reads[0].holders.at("mpathb").has_value());
    EXPECT_EQ(sink.topology_changes, 1);
}

TEST(HolderWatch, ReadsAgainAfterThePollingIntervalOrARequest) {
    FakeHolders holders;
    RecordingSink sink;
    DmWorker worker(1);
    HolderWatch watch(&holders, worker, sink);
    const auto t0 = MonotonicClock::now();
    watch.poll(t0, milliseconds(5000), kMaps);
    worker.wait_idle();
    watch.poll(t0 + seconds(1), milliseconds(5000), kMaps);
    worker.wait_idle();
    EXPECT_EQ(sink.reads.size(), 1U);  // not yet due
    watch.request();
    watch.poll(t0 + seconds(2), milliseconds(5000), kMaps);
    worker.wait_idle();
    EXPECT_EQ(sink.reads.size(), 2U);
    watch.poll(t0 + seconds(7), milliseconds(5000), kMaps);
    worker.wait_idle();
    EXPECT_EQ(sink.reads.size(), 3U);
    EXPECT_EQ(sink.topology_changes, 1);  // the same facts each time after the first
}

TEST(HolderWatch, OneReadAtATime) {
    FakeHolders holders;
    RecordingSink sink;
    DmWorker worker(1);
    HolderWatch watch(&holders, worker, sink);
    const auto t0 = MonotonicClock::now();
    watch.poll(t0, milliseconds(5000), kMaps);
    watch.request();
    watch.poll(t0 + seconds(10), milliseconds(5000), kMaps);  // the first read has not completed
    worker.wait_idle();
    EXPECT_EQ(sink.reads.size(), 1U);
    EXPECT_EQ(holders.reads, 2);  // two maps, once
}

TEST(HolderWatch, ABackEndThatCannotTellReadsNothing) {
    RecordingSink sink;
    DmWorker worker(1);
    HolderWatch watch(nullptr, worker, sink);
    watch.poll(MonotonicClock::now(), milliseconds(5000), kMaps);
    worker.wait_idle();
    EXPECT_TRUE(sink.reads.empty());
}

}  // namespace
}  // namespace pathkeeper::daemon
