// pathctl plan (offline planner) and the PATHS.yaml parser behind it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "api/json.hpp"
#include "cli/app.hpp"
#include "config/plan_input.hpp"

namespace {

struct Outcome {
    int code = -1;
    std::string out;
    std::string err;
};

const std::string kDir = PATHKEEPER_DBUS_TEST_DIR;

Outcome run_plan(std::vector<std::string> args) {
    args.insert(args.begin(), "pathctl");
    std::vector<const char*> argv;
    for (const auto& a : args)
        argv.push_back(a.c_str());
    std::ostringstream out;
    std::ostringstream err;
    bool connected = false;
    pathkeeper::cli::Context ctx;
    ctx.out = &out;
    ctx.err = &err;
    ctx.connect = [&]() -> pathkeeper::cli::Reply<pathkeeper::cli::Client*> {
        connected = true;
        return pathkeeper::cli::ClientError{pathkeeper::cli::ClientErrorKind::Unreachable, "",
                                            "no bus in this test"};
    };
    Outcome o;
    o.code = pathkeeper::cli::run_pathctl(static_cast<int>(argv.size()), argv.data(), ctx);
    o.out = out.str();
    o.err = err.str();
    EXPECT_FALSE(connected) << "plan must not need the daemon";
    return o;
}

std::string write_temp(const std::string& name, const std::string& text) {
    std::string file = ::testing::TempDir() + "/" + name;
    std::ofstream(file) << text;
    return file;
}

TEST(PathctlPlan, PrintsEachMapWithNameWwidUuidAndExactTable) {
    auto r = run_plan(
        {"plan", "--config", kDir + "/data/plan_config.yaml", "--paths", kDir + "/golden/plan_input.yaml"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("mpatha 36001405b1f0c0de0000000000000001 mpath-36001405b1f0c0de0000000000000001"),
              std::string::npos)
        << r.out;
    EXPECT_NE(
        r.out.find("  table: 0 2097152 multipath 1 queue_if_no_path 1 alua 2 1 service-time 0 1 1 8:16 1 "
                   "service-time 0 1 1 8:32 1\n"),
        std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("  group 2 prio=10 usable=1: sdc\n"), std::string::npos) << r.out;
    // The single-path local disk is not multipathed, and the plan says why.
    EXPECT_NE(r.out.find("# info: sda: "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("QEMU_HARDDISK_QM00001 mpath-"), std::string::npos);
}

TEST(PathctlPlan, UsesTheBindingsFileForNames) {
    auto r = run_plan({"plan", "--config", kDir + "/data/plan_config.yaml", "--paths",
                       kDir + "/golden/plan_input.yaml", "--bindings", kDir + "/data/plan_bindings"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("mpathz 36001405b1f0c0de0000000000000001"), std::string::npos) << r.out;
}

TEST(PathctlPlan, JsonListsMapsTablesAndLog) {
    auto r = run_plan({"plan", "--json", "--config", kDir + "/data/plan_config.yaml", "--paths",
                       kDir + "/golden/plan_input.yaml"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["schema_version"], 1);
    ASSERT_EQ(doc["maps"].size(), 2u);
    EXPECT_EQ(doc["maps"][0]["dm_uuid"], "mpath-36001405b1f0c0de0000000000000001");
    EXPECT_EQ(doc["maps"][1]["groups"][0]["paths"], nlohmann::json::array({"sdd", "sde"}));
    EXPECT_EQ(doc["log"][0]["context"], "sda");
}

TEST(PathctlPlan, ReportsABadPathsFileWithItsLocationAndExitsOne) {
    auto file =
        write_temp("bad-paths.yaml", "- dev: sdb\n  devt: \"8:16\"\n  state: sideways\n  colour: blue\n");
    auto r = run_plan({"plan", "--config", kDir + "/data/plan_config.yaml", "--paths", file});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find(file + ":3:10: paths[0].state: expected up, down or ghost"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(file + ":4:3: paths[0].colour: unknown key"), std::string::npos) << r.err;
}

TEST(PathctlPlan, NeedsConfigAndPaths) {
    EXPECT_EQ(run_plan({"plan", "--paths", "x"}).code, 2);
    EXPECT_EQ(run_plan({"plan", "--config", "x"}).code, 2);
    EXPECT_EQ(run_plan({"plan", "--config", "/nonexistent.yaml", "--paths", "/nonexistent"}).code, 1);
}

TEST(PlanPathsFile, AcceptsABareListOrAPathsMapping) {
    auto list = pathkeeper::config::parse_plan_paths("- dev: sdb\n  devt: \"8:16\"\n  wwid: w1\n", "p.yaml");
    ASSERT_TRUE(list.ok()) << list.error().message;
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].info.devnode, "sdb");
    EXPECT_EQ((*list)[0].info.devt.minor, 16u);
    auto mapping =
        pathkeeper::config::parse_plan_paths("paths:\n  - dev: /dev/sdc\n    devt: 8:32\n", "p.yaml");
    ASSERT_TRUE(mapping.ok()) << mapping.error().message;
    EXPECT_EQ((*mapping)[0].info.devnode, "sdc");
    EXPECT_TRUE(pathkeeper::config::parse_plan_paths("", "p.yaml").ok());
}

TEST(PlanPathsFile, ReadsEveryOptionalField) {
    auto paths = pathkeeper::config::parse_plan_paths(
        "- dev: sdb\n  devt: \"8:16\"\n  wwid: w\n  vendor: V\n  product: P\n  serial: S\n  priority: 50\n"
        "  alua_state: active/optimized\n  node_name: iqn,portal\n  state: ghost\n  size_sectors: 2048\n"
        "  transport: iscsi\n",
        "p.yaml");
    ASSERT_TRUE(paths.ok()) << paths.error().message;
    const auto& p = (*paths)[0];
    EXPECT_EQ(p.info.priority, 50);
    EXPECT_EQ(p.info.alua_state, pathkeeper::core::AluaState::ActiveOptimized);
    EXPECT_EQ(p.state, pathkeeper::core::PathState::Ghost);
    EXPECT_EQ(p.info.size_sectors, 2048u);
    EXPECT_EQ(p.info.transport, pathkeeper::core::Transport::Iscsi);
    EXPECT_EQ(p.info.node_name, "iqn,portal");
}

TEST(PlanPathsFile, RejectsTruncatedGarbageAndOversizedInput) {
    using pathkeeper::config::parse_plan_paths;
    EXPECT_FALSE(parse_plan_paths("- dev: sdb\n  devt: \"8:1", "p.yaml").ok());  // truncated
    EXPECT_FALSE(parse_plan_paths("- dev: sdb\n", "p.yaml").ok());               // no devt
    EXPECT_FALSE(parse_plan_paths("- devt: \"8:16\"\n", "p.yaml").ok());         // no dev
    EXPECT_FALSE(parse_plan_paths("\x01\x02\xff[[{", "p.yaml").ok());
    EXPECT_FALSE(parse_plan_paths("42", "p.yaml").ok());
    EXPECT_FALSE(parse_plan_paths("- [1, 2]\n", "p.yaml").ok());
    EXPECT_FALSE(parse_plan_paths("- dev: sdb\n  devt: banana\n", "p.yaml").ok());
    EXPECT_FALSE(parse_plan_paths("- dev: sdb\n  devt: \"8:16\"\n  priority: 1e99\n", "p.yaml").ok());
    EXPECT_FALSE(parse_plan_paths("- dev: sdb\n  devt: \"8:16\"\n  size_sectors: -1\n", "p.yaml").ok());
    EXPECT_FALSE(
        parse_plan_paths("- dev: sdb\n  devt: \"8:16\"\n- dev: sdb\n  devt: \"8:16\"\n", "p.yaml").ok());
    EXPECT_FALSE(parse_plan_paths("- dev: sdb\n  devt: \"8:16\"\n  wwid: [a]\n", "p.yaml").ok());
    EXPECT_FALSE(parse_plan_paths(std::string(5 * 1024 * 1024, ' '), "p.yaml").ok());
    auto many = parse_plan_paths("- dev: a\n- dev: b\n", "p.yaml");
    ASSERT_FALSE(many.ok());
    EXPECT_NE(many.error().message.find("p.yaml:1:3: paths[0].devt: missing"), std::string::npos)
        << many.error().message;
    EXPECT_NE(many.error().message.find("paths[1].devt"), std::string::npos);
}

}  // namespace
