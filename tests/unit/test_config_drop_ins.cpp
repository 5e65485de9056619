#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/config_file.hpp"
#include "config/drop_ins.hpp"
#include "core/config_merge.hpp"

namespace pathkeeper::config {
namespace {

using namespace std::chrono_literals;

const std::string data_dir = std::string(PATHKEEPER_TEST_DATA_DIR) + "/config/drop-ins";

core::Config parsed(const std::string& yaml, const std::string& file) {
    auto r = parse_config(yaml, file);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? std::move(r).value() : core::Config{};
}

TEST(DropIns, LiveInConfDNextToTheMainFile) {
    EXPECT_EQ(drop_in_directory("/etc/pathkeeper/pathkeeper.yaml"), "/etc/pathkeeper/conf.d");
    EXPECT_EQ(drop_in_directory("pathkeeper.yaml"), "conf.d");
}

TEST(DropIns, AreTheYamlFilesInNameOrderSkippingHiddenAndOtherFiles) {
    auto files = list_drop_ins(data_dir + "/conf.d");
    ASSERT_TRUE(files.ok()) << files.error().message;
    EXPECT_EQ(*files, (std::vector<std::string>{data_dir + "/conf.d/10-acme.yaml",
                                                data_dir + "/conf.d/20-site.yaml"}));
}

TEST(DropIns, AMissingDirectoryHasNone) {
    auto files = list_drop_ins(data_dir + "/no-such-dir");
    ASSERT_TRUE(files.ok());
    EXPECT_TRUE(files->empty());
}

TEST(DropIns, MergeAfterTheMainFileLaterKeysWinningAndListsAppended) {
    auto c = load_config_with_drop_ins(data_dir + "/pathkeeper.yaml", true);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->defaults.global.polling_interval, 10s);  // main 5s, 10-acme 7s, 20-site 10s
    EXPECT_EQ(c->defaults.global.locations.at("polling_interval").file, data_dir + "/conf.d/20-site.yaml");
    EXPECT_EQ(c->defaults.map.no_path_retry, core::NoPathRetry::retries(12));  // only the main file sets it
    EXPECT_EQ(c->defaults.map.locations.at("no_path_retry").file, data_dir + "/pathkeeper.yaml");
    EXPECT_EQ(c->defaults.map.failback, core::Failback::immediate());
    EXPECT_EQ(c->overrides.no_path_retry, core::NoPathRetry::queue());
    ASSERT_EQ(c->devices.size(), 2u);
    EXPECT_EQ(c->devices[1].where.file, data_dir + "/conf.d/10-acme.yaml");
    ASSERT_EQ(c->multipaths.size(), 2u);
    EXPECT_EQ(c->multipaths[1].alias, "logs");
    ASSERT_EQ(c->blacklist.devnode.size(), 1u);
    EXPECT_EQ(c->drop_in_files, (std::vector<std::string>{data_dir + "/conf.d/10-acme.yaml",
                                                          data_dir + "/conf.d/20-site.yaml"}));
}

TEST(DropIns, ALaterDeviceRuleWinsOverTheMainFilesOneForTheSameDevice) {
    auto c = load_config_with_drop_ins(data_dir + "/pathkeeper.yaml", true);
    ASSERT_TRUE(c.ok()) << c.error().message;
    const auto resolved = core::resolve_map_options(*c, "36001405cccccccccccccccccccccccc3", "ACME", "Box");
    EXPECT_EQ(resolved.prio.value, core::PrioKind::Alua);
    EXPECT_EQ(resolved.prio.where.file, data_dir + "/conf.d/10-acme.yaml");
}

TEST(ConfigMerge, RefusesAWwidOrAliasAnotherFileAlreadyHas) {
    core::Config main =
        parsed("multipaths:\n  - wwid: 36001405aaaaaaaaaaaaaaaaaaaaaaaa1\n    alias: data\n", "main.yaml");
    auto problems =
        core::merge_config(main, parsed("multipaths:\n  - wwid: 36001405aaaaaaaaaaaaaaaaaaaaaaaa1\n"
                                        "  - wwid: 36001405bbbbbbbbbbbbbbbbbbbbbbbb2\n    alias: data\n"
                                        "  - wwid: 36001405cccccccccccccccccccccccc3\n",
                                        "d.yaml"));
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_EQ(problems[0].where.file, "d.yaml");
    EXPECT_EQ(problems[0].key, "multipaths[0].wwid");
    EXPECT_NE(problems[0].message.find("first at main.yaml:2:5"), std::string::npos) << problems[0].message;
    EXPECT_EQ(problems[1].key, "multipaths[1].alias");
    ASSERT_EQ(main.multipaths.size(), 2u);  // the clean entry is merged
    EXPECT_EQ(main.multipaths[1].wwid, "36001405cccccccccccccccccccccccc3");
}

TEST(ConfigMerge, AnEmptyDropInChangesNothingButIsListed) {
    core::Config main = parsed("defaults:\n  polling_interval: 5s\n", "main.yaml");
    const core::Config before = main;
    EXPECT_TRUE(core::merge_config(main, parsed("", "empty.yaml")).empty());
    EXPECT_EQ(main.defaults.global, before.defaults.global);
    EXPECT_EQ(main.drop_in_files, std::vector<std::string>{"empty.yaml"});
}

}  // namespace
}  // namespace pathkeeper::config
