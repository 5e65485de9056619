// Per-device options that change a map's name or table: alias_prefix, path_selector
// historical-service-time, queue_mode, path_grouping_policy group_by_tpg; and the WWID source options
// uid_attrs / uid_attribute.
#include <gtest/gtest.h>

#include <string>

#include "config/config_file.hpp"
#include "core/engine.hpp"
#include "core/grouping.hpp"
#include "core/map_planner.hpp"
#include "core/uid_attrs.hpp"

namespace pathkeeper::core {
namespace {

PathInfo path(std::string dev, unsigned minor, std::string wwid, std::string vendor = "ACME") {
    PathInfo p;
    p.devnode = std::move(dev);
    p.devt = DevT{8, minor};
    p.wwid = std::move(wwid);
    p.vendor = std::move(vendor);
    p.product = "disk";
    p.size_sectors = 2048;
    return p;
}

Config yaml(const std::string& text) {
    auto c = config::parse_config(text, "test.yaml");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : Config{};
}

std::string problems(const std::string& text) {
    auto c = config::parse_config(text, "bad.yaml");
    return c.ok() ? std::string() : c.error().message;
}

TEST(AliasPrefix, IsTakenFromTheDeviceRuleOfTheMapsPaths) {
    const Config config = yaml(
        "defaults:\n  user_friendly_names: yes\n  alias_prefix: disk\n"
        "devices:\n  - vendor: ACME\n    product: .*\n    alias_prefix: acme\n");
    auto plan = plan_maps(config,
                          {path("sdb", 16, "3600a"), path("sdc", 32, "3600a"),
                           path("sdd", 48, "3600b", "OTHER"), path("sde", 64, "3600b", "OTHER")},
                          Bindings{}, {});
    ASSERT_EQ(plan.maps.size(), 2U);
    EXPECT_EQ(plan.maps[0].name, "acmea");
    EXPECT_EQ(plan.maps[1].name, "diska");
    EXPECT_EQ(plan.maps[0].options.alias_prefix.origin, Origin::Device);
}

TEST(AliasPrefix, OverridesWinOverTheDeviceRule) {
    const Config config = yaml(
        "defaults:\n  user_friendly_names: yes\noverrides:\n  alias_prefix: ovr\n"
        "devices:\n  - vendor: ACME\n    product: .*\n    alias_prefix: acme\n");
    auto plan = plan_maps(config, {path("sdb", 16, "3600a"), path("sdc", 32, "3600a")}, Bindings{}, {});
    ASSERT_EQ(plan.maps.size(), 1U);
    EXPECT_EQ(plan.maps[0].name, "ovra");
}

TEST(AliasPrefix, IsRefusedInAMultipathsEntryAndWhenEmptyOrWithASlash) {
    EXPECT_NE(problems("multipaths:\n  - wwid: 3600a\n    alias_prefix: x\n")
                  .find("bad.yaml:3:5: "
                        "multipaths[0].alias_prefix: "
                        "not allowed"),
              std::string::npos);
    EXPECT_NE(problems("defaults:\n  alias_prefix: \"\"\n").find("defaults.alias_prefix"), std::string::npos);
    EXPECT_NE(
        problems("devices:\n  - vendor: A\n    product: B\n    alias_prefix: a/b\n").find("alias_prefix"),
        std::string::npos);
}

TEST(HistoricalServiceTime, IsWrittenToTheTableWithNoSelectorArguments) {
    EXPECT_EQ(parse_path_selector("historical-service-time 0").value(), PathSelector::HistoricalServiceTime);
    auto plan = plan_maps(
        yaml("defaults:\n  path_selector: historical-service-time\n  path_grouping_policy: multibus\n"),
        {path("sdb", 16, "3600a"), path("sdc", 32, "3600a")}, Bindings{}, {});
    ASSERT_EQ(plan.maps.size(), 1U);
    EXPECT_EQ(table_text(plan.maps[0]), "0 0 1 1 historical-service-time 0 2 1 8:16 1 8:32 1");
}

TEST(QueueMode, OnlyBioIsWrittenToTheTable) {
    EXPECT_EQ(parse_queue_mode("rq").value(), QueueMode::Mq);
    EXPECT_FALSE(parse_queue_mode("blk").ok());
    auto bio = plan_maps(yaml("defaults:\n  queue_mode: bio\n  path_grouping_policy: multibus\n"),
                         {path("sdb", 16, "3600a"), path("sdc", 32, "3600a")}, Bindings{}, {});
    ASSERT_EQ(bio.maps.size(), 1U);
    EXPECT_EQ(table_text(bio.maps[0]), "2 queue_mode bio 0 1 1 service-time 0 2 1 8:16 1 8:32 1");
    auto mq = plan_maps(yaml("defaults:\n  queue_mode: mq\n  path_grouping_policy: multibus\n"),
                        {path("sdb", 16, "3600a"), path("sdc", 32, "3600a")}, Bindings{}, {});
    ASSERT_EQ(mq.maps.size(), 1U);
    EXPECT_EQ(table_text(mq.maps[0]), "0 0 1 1 service-time 0 2 1 8:16 1 8:32 1");
}

TEST(GroupByTpg, MakesOneGroupPerTargetPortGroup) {
    const std::vector<GroupingInput> paths{
        {50, true, "", "", 1}, {10, true, "", "", 2}, {50, true, "", "", 1}, {10, true, "", "", 2}};
    auto groups = group_paths(GroupingPolicy::GroupByTpg, paths);
    ASSERT_EQ(groups.size(), 2U);
    EXPECT_EQ(groups[0].members, (std::vector<std::size_t>{0, 2}));
    EXPECT_EQ(groups[0].priority, 50);
    EXPECT_EQ(groups[1].members, (std::vector<std::size_t>{1, 3}));
}

TEST(GroupByTpg, GroupsByPriorityWhenAPathReportsNoGroup) {
    const std::vector<GroupingInput> paths{
        {50, true, "", "", 1}, {50, true, "", "", std::nullopt}, {10, true, "", "", 2}};
    auto groups = group_paths(GroupingPolicy::GroupByTpg, paths);
    ASSERT_EQ(groups.size(), 2U);
    EXPECT_EQ(groups[0].members, (std::vector<std::size_t>{0, 1}));
}

TEST(UidAttrs, PickThePropertyByKernelNamePrefixBeforeUidAttribute) {
    auto attrs = parse_uid_attrs("sd:ID_SERIAL  nvme:ID_WWN");
    ASSERT_TRUE(attrs.ok()) << attrs.error().message;
    EXPECT_EQ(*attrs, (std::vector<UidAttr>{{"sd", "ID_SERIAL"}, {"nvme", "ID_WWN"}}));
    EXPECT_EQ(wwid_property_for("nvme0n1", *attrs, "ID_SERIAL"), "ID_WWN");
    EXPECT_EQ(wwid_property_for("dasda", *attrs, "ID_UID"), "ID_UID");
    EXPECT_TRUE(parse_uid_attrs("")->empty());
}

TEST(UidAttrs, RefuseRecordsThatAreNotPrefixColonProperty) {
    EXPECT_FALSE(parse_uid_attrs("sd").ok());
    EXPECT_FALSE(parse_uid_attrs(":ID_SERIAL").ok());
    EXPECT_FALSE(parse_uid_attrs("sd:ID-SERIAL").ok());
    EXPECT_NE(problems("defaults:\n  uid_attrs: \"sd:ID SERIAL\"\n").find("defaults.uid_attrs"),
              std::string::npos);
    EXPECT_NE(problems("devices:\n  - vendor: A\n    product: B\n    uid_attribute: \"ID$X\"\n")
                  .find("is not a udev property name"),
              std::string::npos);
    EXPECT_EQ(resolve_global_options(yaml("defaults:\n  uid_attrs: \"sd:ID_WWN\"\n")).uid_attrs.value,
              "sd:ID_WWN");
}

}  // namespace
}  // namespace pathkeeper::core

namespace pathkeeper::core {
namespace {

const TimePoint t0{};

CreateMap the_create(const std::vector<Action>& actions) {
    for (const Action& a : actions) {
        if (const auto* create = std::get_if<CreateMap>(&a)) {
            return *create;
        }
    }
    ADD_FAILURE() << "no create in: " << to_string(actions);
    return {};
}

TEST(QueueMode, ALoadedMapKeepsTheModeItWasCreatedWithAcrossAReload) {
    Engine engine(yaml("defaults:\n  queue_mode: bio\n  path_grouping_policy: multibus\n"), Bindings{}, {});
    (void)engine.handle(PathAdded{path("sdb", 16, "3600a")}, t0);
    (void)engine.handle(PathAdded{path("sdc", 32, "3600a")}, t0);
    const CreateMap create = the_create(engine.handle(MapsDiscovered{}, t0));
    (void)engine.handle(ActionCompleted{create}, t0);
    // mq now, and a change that does need a reload: the reload keeps queue_mode bio (the kernel refuses
    // to change it), the other change goes through.
    auto actions =
        engine.handle(ConfigApplied{yaml("defaults:\n  queue_mode: mq\n  path_grouping_policy: failover\n")},
                      t0 + std::chrono::seconds(1));
    const std::string text = to_string(actions);
    ASSERT_NE(text.find("reload 3600a"), std::string::npos) << text;
    EXPECT_NE(text.find("table=\"2 queue_mode bio 0 2 1 service-time"), std::string::npos) << text;
}

}  // namespace
}  // namespace pathkeeper::core
