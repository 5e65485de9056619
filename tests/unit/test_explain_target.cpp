// `show config --explain TARGET`: TARGET looked up in the daemon's topology, and the text that explains it.

#include <gtest/gtest.h>

#include <string>

#include "core/explain_target.hpp"

namespace pathkeeper::core {
namespace {

TopologySnapshot topology() {
    TopologySnapshot t;
    MapSnapshot m;
    m.name = "mpatha";
    m.wwid = "36001405aa";
    m.vendor = "LIO-ORG";
    m.product = "TCMU device";
    t.maps.push_back(m);
    auto path = [](std::string dev, std::string devt, std::string wwid, std::string map, std::string vendor) {
        PathSnapshot p;
        p.devnode = std::move(dev);
        p.devt = std::move(devt);
        p.wwid = std::move(wwid);
        p.map = std::move(map);
        p.vendor = std::move(vendor);
        p.product = "TCMU device";
        p.revision = "4.0";
        return p;
    };
    t.paths.push_back(path("sdb", "8:16", "36001405aa", "mpatha", "LIO-ORG"));
    t.paths.push_back(path("sdc", "8:32", "36001405aa", "mpatha", "LIO-ORG"));
    t.paths.push_back(path("sdd", "8:48", "3600lonely", "", "IET"));
    return t;
}

TEST(ExplainTargetLookup, FindsAMapByNameOrWwidAndTakesItsFirstPathsDevice) {
    for (const char* target : {"mpatha", "/dev/mapper/mpatha", "36001405aa"}) {
        SCOPED_TRACE(target);
        auto found = find_explain_target(topology(), target);
        ASSERT_TRUE(found.ok());
        EXPECT_EQ(found->map, "mpatha");
        EXPECT_EQ(found->path, "");
        EXPECT_EQ(found->device.wwid, "36001405aa");
        EXPECT_EQ(found->device.vendor, "LIO-ORG");
        EXPECT_EQ(found->device.revision, "4.0");
        EXPECT_EQ(found->device_path, "sdb");
    }
}

TEST(ExplainTargetLookup, FindsAPathByNameDevNodeOrDevt) {
    for (const char* target : {"sdc", "/dev/sdc", "8:32"}) {
        SCOPED_TRACE(target);
        auto found = find_explain_target(topology(), target);
        ASSERT_TRUE(found.ok());
        EXPECT_EQ(found->map, "mpatha");
        EXPECT_EQ(found->path, "sdc");
        EXPECT_EQ(found->device.wwid, "36001405aa");
    }
    auto lonely = find_explain_target(topology(), "sdd");
    ASSERT_TRUE(lonely.ok());
    EXPECT_EQ(lonely->map, "");
    EXPECT_EQ(lonely->device.vendor, "IET");
    auto by_wwid = find_explain_target(topology(), "3600lonely");
    ASSERT_TRUE(by_wwid.ok());
    EXPECT_EQ(by_wwid->device_path, "sdd");
}

TEST(ExplainTargetLookup, AnUnknownTargetIsNotFoundAndNamed) {
    auto map = find_explain_target(topology(), "nosuchmap");
    ASSERT_FALSE(map.ok());
    EXPECT_EQ(map.error().code, ErrorCode::NotFound);
    EXPECT_EQ(map.error().message, "no map, WWID or path named nosuchmap");
    auto path = find_explain_target(topology(), "/dev/sdq");
    ASSERT_FALSE(path.ok());
    EXPECT_EQ(path.error().message, "no path /dev/sdq is known");
    EXPECT_TRUE(names_a_path("sdq"));
    EXPECT_TRUE(names_a_path("8:99"));
    EXPECT_TRUE(names_a_path("nvme0n1"));
    EXPECT_FALSE(names_a_path("mpatha"));
    EXPECT_FALSE(names_a_path("/dev/mapper/sdq"));
    EXPECT_FALSE(names_a_path("sd"));
}

TEST(ExplainTargetLookup, TheTextNamesMapDeviceAndEveryOrigin) {
    auto found = find_explain_target(topology(), "sdc");
    ASSERT_TRUE(found.ok());
    const std::string text = render_explained_target(Config{}, *found);
    EXPECT_EQ(
        text.substr(0, text.find("path_grouping_policy")),
        "# per-map options of path sdc: map mpatha (WWID 36001405aa)\n"
        "# resolved for vendor \"LIO-ORG\" product \"TCMU device\" revision \"4.0\" (as path sdb reports)\n");
    EXPECT_NE(text.find("\nprio: alua  # built-in device table: (LIO-ORG|SUSE) .*\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("\nflap_hold_max: 5m  # built-in\n"), std::string::npos) << text;
    auto map = find_explain_target(topology(), "mpatha");
    ASSERT_TRUE(map.ok());
    EXPECT_TRUE(render_explained_target(Config{}, *map)
                    .starts_with("# per-map options of map mpatha (WWID 36001405aa)\n"));
    auto lonely = find_explain_target(topology(), "3600lonely");
    ASSERT_TRUE(lonely.ok());
    EXPECT_TRUE(render_explained_target(Config{}, *lonely)
                    .starts_with("# per-map options of WWID 3600lonely (no map)\n"));
}

}  // namespace
}  // namespace pathkeeper::core
