// pathctl against a FakeClient: every subcommand's output (golden files for the human formats), its exit
// code, the JSON documents' validity and schema, and the error reporting.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/json.hpp"
#include "cli/app.hpp"
#include "cli/format.hpp"
#include "fake_client.hpp"
#include "fixtures.hpp"
#include "os/block_stats.hpp"

namespace {

using pathkeeper::cli::ClientError;
using pathkeeper::cli::ClientErrorKind;

struct Outcome {
    int code = -1;
    std::string out;
    std::string err;
};

class Pathctl : public ::testing::Test {
protected:
    Outcome run(std::vector<std::string> args, bool terminal = false) {
        args.insert(args.begin(), "pathctl");
        std::vector<const char*> argv;
        for (const auto& a : args)
            argv.push_back(a.c_str());
        std::ostringstream out;
        std::ostringstream err;
        pathkeeper::cli::Context ctx;
        ctx.out = &out;
        ctx.err = &err;
        ctx.stdout_is_terminal = terminal;
        ctx.should_stop = [] { return true; };
        ctx.timestamp = [] { return std::string("12:00:00"); };
        ctx.event_time = [] { return std::string("2026-01-02T12:00:00.250Z"); };
        ctx.connect = [this]() -> pathkeeper::cli::Reply<pathkeeper::cli::Client*> {
            if (unreachable) {
                return ClientError{
                    ClientErrorKind::Unreachable, "org.freedesktop.DBus.Error.ServiceUnknown",
                    "The name org.pathkeeper.PathKeeper1 was not provided by any .service files"};
            }
            return static_cast<pathkeeper::cli::Client*>(&client);
        };
        Outcome result;
        result.code = pathkeeper::cli::run_pathctl(static_cast<int>(argv.size()), argv.data(), ctx);
        result.out = out.str();
        result.err = err.str();
        return result;
    }

    // PATHKEEPER_UPDATE_GOLDEN=1 rewrites the golden file from the actual output (review the diff!).
    static std::string golden(const std::string& name, const std::string& actual) {
        std::string file = std::string(PATHKEEPER_DBUS_TEST_DIR) + "/golden/" + name;
        if (std::getenv("PATHKEEPER_UPDATE_GOLDEN") != nullptr)
            std::ofstream(file) << actual;
        std::ifstream in(file);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }

    pathkeeper::testing::FakeClient client = [] {
        pathkeeper::testing::FakeClient c;
        c.topology_value = pathkeeper::testing::sample_topology();
        return c;
    }();
    bool unreachable = false;
};

TEST_F(Pathctl, ShowTopologyPrintsAMultipathLlStyleTree) {
    auto r = run({"show", "topology"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, golden("show_topology.txt", r.out));
    EXPECT_EQ(r.err, "");
}

TEST_F(Pathctl, ShowPathsPrintsOneAlignedRowPerPath) {
    auto r = run({"show", "paths"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, golden("show_paths.txt", r.out));
}

TEST_F(Pathctl, ShowMapsCountsUsablePathsPerMap) {
    auto r = run({"show", "maps"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, golden("show_maps.txt", r.out));
}

TEST_F(Pathctl, StatusSummarisesTheDaemon) {
    auto r = run({"status"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out,
              "pathkeeperd 0.1.0\nconfig: /etc/pathkeeper/pathkeeper.yaml\nmaps:   2\npaths:  5 (1 failed)\n"
              "checks: 1 hung (limit 64), 0 queued, 5 checker threads\n");
}

TEST_F(Pathctl, ShowPathsAsPlanInputPrintsPathsYaml) {
    auto r = run({"show", "paths", "--as-plan-input"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, golden("plan_input.yaml", r.out));
}

TEST_F(Pathctl, PrintsNoColourWhenStdoutIsNotATerminal) {
    EXPECT_EQ(run({"show", "topology"}).out.find('\033'), std::string::npos);
    EXPECT_EQ(run({"show", "topology", "--json"}, true).out.find('\033'), std::string::npos);
}

TEST_F(Pathctl, ColoursStatesOnATerminalUnlessToldNever) {
    auto coloured = run({"show", "paths"}, true);
    EXPECT_NE(coloured.out.find("\033[31mdown\033[0m"), std::string::npos);
    EXPECT_NE(coloured.out.find("\033[32mup\033[0m"), std::string::npos);
    EXPECT_EQ(run({"--color", "never", "show", "paths"}, true).out, run({"show", "paths"}).out);
    EXPECT_NE(run({"--color", "always", "show", "paths"}).out.find('\033'), std::string::npos);
}

TEST_F(Pathctl, ShowTopologyJsonFollowsTheDocumentedSchema) {
    auto r = run({"show", "topology", "--json"});
    ASSERT_EQ(r.code, 0);
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["schema_version"], 1);
    EXPECT_EQ(doc["daemon"]["path_count"], 5);
    EXPECT_EQ(doc["daemon"]["failed_path_count"], 1);
    EXPECT_EQ(doc["daemon"]["hung_checks"], 1);
    EXPECT_EQ(doc["daemon"]["checker_threads"], 5);
    ASSERT_EQ(doc["maps"].size(), 2u);
    const auto& a = doc["maps"][0];
    EXPECT_EQ(a["name"], "mpatha");
    EXPECT_EQ(a["dm_uuid"], "mpath-36001405b1f0c0de0000000000000001");
    EXPECT_EQ(a["hardware_handler"], "1 alua");
    EXPECT_EQ(a["active_group"], 1);
    EXPECT_EQ(a["groups"][1]["paths"], nlohmann::json::array({"sdc"}));
    EXPECT_EQ(a["groups"][0]["priority"], 50);
    EXPECT_TRUE(a["holder"].is_null());
    const auto& b = doc["maps"][1];
    EXPECT_EQ(b["holder"],
              (nlohmann::json{{"device", "md0"},
                              {"kind", "md raid1"},
                              {"redundant", true},
                              {"verdict", "queue"},
                              {"reason", "md0 (raid1) is degraded: queue to protect the only copy"}}));
    ASSERT_EQ(doc["paths"].size(), 5u);
    const auto& sda = doc["paths"][0];
    EXPECT_TRUE(sda["map"].is_null());
    EXPECT_TRUE(sda["group"].is_null());
    EXPECT_TRUE(sda["iscsi"].is_null());
    const auto& sde = doc["paths"][4];
    EXPECT_EQ(sde["checker_state"], "down");
    EXPECT_EQ(sde["dm_state"], "failed");
    EXPECT_EQ(sde["iscsi"]["portal"], "10.77.2.1:3260");
    EXPECT_EQ(sde["iscsi"]["session_state"], "FAILED");
}

TEST_F(Pathctl, EveryPathJsonObjectHasEveryDocumentedKey) {
    auto doc = nlohmann::json::parse(run({"show", "paths", "--json"}).out);
    const std::vector<std::string> keys = {"devnode",    "devt",         "wwid",
                                           "map",        "group",        "hctl",
                                           "vendor",     "product",      "revision",
                                           "serial",     "transport",    "checker_state",
                                           "dm_state",   "fail_count",   "priority",
                                           "alua_state", "size_sectors", "node_name",
                                           "iscsi",      "registration", "registration_detail"};
    for (const auto& path : doc["paths"]) {
        EXPECT_EQ(path.size(), keys.size());
        for (const auto& key : keys)
            EXPECT_TRUE(path.contains(key)) << key;
    }
}

TEST_F(Pathctl, ShowMapsAndStatusJsonAreValidDocuments) {
    auto maps = nlohmann::json::parse(run({"show", "maps", "--json"}).out);
    EXPECT_EQ(maps["schema_version"], 1);
    EXPECT_EQ(maps["maps"][1]["no_path_retry"], "12");
    auto status = nlohmann::json::parse(run({"status", "--json"}).out);
    EXPECT_EQ(status["daemon"]["version"], "0.1.0");
    auto config = nlohmann::json::parse(run({"show", "config", "--json"}).out);
    EXPECT_EQ(config["config"], client.config_value);
}

// With hundreds of paths a topology costs several times the maps alone: the JSON map list asks for the maps
// only, while the table (whose PATHS column counts usable paths) still needs the paths.
TEST_F(Pathctl, ShowMapsJsonAsksForTheMapsAloneAndTheTableForTheTopology) {
    auto json = run({"show", "maps", "--json"});
    EXPECT_EQ(json.code, 0);
    EXPECT_EQ(client.calls, std::vector<std::string>{"maps"});
    EXPECT_EQ(nlohmann::json::parse(json.out)["maps"].size(), client.topology_value.maps.size());
    client.calls.clear();
    EXPECT_EQ(run({"show", "maps"}).code, 0);
    EXPECT_EQ(client.calls, std::vector<std::string>{"topology"});
}

// Every form of show paths is one call that asks for the paths alone.
TEST_F(Pathctl, ShowPathsAsksForThePathsAlone) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"show", "paths"},
                                                 {"show", "paths", "--json"},
                                                 {"show", "paths", "--as-plan-input"}}) {
        client.calls.clear();
        EXPECT_EQ(run(args).code, 0);
        EXPECT_EQ(client.calls, std::vector<std::string>{"paths"});
    }
}

// A daemon older than GetMaps (still running during a package upgrade) answers UnknownMethod: reported as the
// daemon's refusal, with its message, and no half-written JSON.
TEST_F(Pathctl, ShowMapsJsonReportsADaemonThatRefusesGetMaps) {
    client.next_error =
        ClientError{ClientErrorKind::Refused, "org.freedesktop.DBus.Error.UnknownMethod",
                    "Unknown method GetMaps or interface org.pathkeeper.PathKeeper1.Manager."};
    auto r = run({"show", "maps", "--json"});
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("Unknown method GetMaps"), std::string::npos) << r.err;
}

TEST_F(Pathctl, ShowConfigExplainAsksTheDaemonToExplain) {
    auto r = run({"show", "config", "--explain"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, client.config_value);
    EXPECT_EQ(client.calls, std::vector<std::string>{"config explain"});
}

TEST_F(Pathctl, ShowConfigExplainWithATargetAsksForThatMapOrPath) {
    auto r = run({"show", "config", "--explain", "mpatha"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "# per-map options of mpatha\n" + client.config_value);
    EXPECT_EQ(client.calls, std::vector<std::string>{"explain_config mpatha"});
    client.calls.clear();
    auto doc = nlohmann::json::parse(run({"show", "config", "--explain", "/dev/sdb", "--json"}).out);
    EXPECT_EQ(doc["schema_version"], 1);
    EXPECT_EQ(doc["explain"], true);
    EXPECT_EQ(doc["target"], "/dev/sdb");
    EXPECT_EQ(doc["config"], "# per-map options of /dev/sdb\n" + client.config_value);
    EXPECT_EQ(client.calls, std::vector<std::string>{"explain_config /dev/sdb"});
    auto plain = nlohmann::json::parse(run({"show", "config", "--json"}).out);
    EXPECT_FALSE(plain.contains("target"));
}

TEST_F(Pathctl, ShowConfigExplainOfAnUnknownTargetExitsOneWithTheDaemonsError) {
    client.next_error = ClientError{ClientErrorKind::Refused, "org.pathkeeper.PathKeeper1.Error.NoSuchMap",
                                    "no map, WWID or path named nosuch"};
    auto r = run({"show", "config", "--explain", "nosuch"});
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find("no map, WWID or path named nosuch"), std::string::npos) << r.err;
    client.next_error = ClientError{ClientErrorKind::Refused, "org.pathkeeper.PathKeeper1.Error.NoSuchPath",
                                    "no path sdq is known"};
    r = run({"show", "config", "--explain", "sdq"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("no path sdq is known"), std::string::npos) << r.err;
}

TEST_F(Pathctl, ShowConfigTargetNeedsExplain) {
    EXPECT_EQ(run({"show", "config", "mpatha"}).code, 2);
    EXPECT_EQ(run({"show", "config", "--explain", "mpatha", "mpathb"}).code, 2);
    EXPECT_TRUE(client.calls.empty());
}

// One map by any name an admin may type: the tree of that map alone, with its own paths and no unmapped ones.
TEST_F(Pathctl, ShowTopologyOfOneMapPrintsItsTreeOnly) {
    auto by_name = run({"show", "topology", "mpathb"});
    ASSERT_EQ(by_name.code, 0) << by_name.err;
    EXPECT_EQ(by_name.out, golden("show_topology_mpathb.txt", by_name.out));
    for (const char* other :
         {"36001405b1f0c0de0000000000000002", "dm-1", "/dev/dm-1", "/dev/mapper/mpathb", "253:1"}) {
        auto r = run({"show", "topology", other});
        EXPECT_EQ(r.code, 0) << other << ": " << r.err;
        EXPECT_EQ(r.out, by_name.out) << other;
    }
    auto doc = nlohmann::json::parse(run({"show", "topology", "mpathb", "--json"}).out);
    ASSERT_EQ(doc["maps"].size(), 1u);
    EXPECT_EQ(doc["maps"][0]["name"], "mpathb");
    ASSERT_EQ(doc["paths"].size(), 2u);
    EXPECT_EQ(doc["paths"][0]["devnode"], "sdd");
    EXPECT_EQ(doc["paths"][1]["devnode"], "sde");
}

TEST_F(Pathctl, ShowMapAndShowPathPrintOneRowOrOneJsonObject) {
    auto map = run({"show", "map", "dm-0"});
    ASSERT_EQ(map.code, 0) << map.err;
    EXPECT_NE(map.out.find("mpatha"), std::string::npos);
    EXPECT_EQ(map.out.find("mpathb"), std::string::npos);
    EXPECT_EQ(map.out, golden("show_map_mpatha.txt", map.out));
    auto map_doc = nlohmann::json::parse(run({"show", "map", "mpatha", "--json"}).out);
    EXPECT_EQ(map_doc["schema_version"], 1);
    ASSERT_EQ(map_doc["maps"].size(), 1u);
    EXPECT_EQ(map_doc["maps"][0]["wwid"], "36001405b1f0c0de0000000000000001");
    // A map under a redundant layer: the verdict and why, below its row.
    auto held = run({"show", "map", "mpathb"});
    ASSERT_EQ(held.code, 0) << held.err;
    EXPECT_NE(
        held.out.find("holder: md0 (md raid1), verdict queue: md0 (raid1) is degraded: queue to protect "
                      "the only copy\n"),
        std::string::npos)
        << held.out;

    auto path = run({"show", "path", "/dev/sde"});
    ASSERT_EQ(path.code, 0) << path.err;
    EXPECT_EQ(path.out, golden("show_path_sde.txt", path.out));
    EXPECT_EQ(run({"show", "path", "8:64"}).out, path.out);
    auto path_doc = nlohmann::json::parse(run({"show", "path", "sde", "--json"}).out);
    ASSERT_EQ(path_doc["paths"].size(), 1u);
    EXPECT_EQ(path_doc["paths"][0]["dm_state"], "failed");
}

TEST_F(Pathctl, ShowOfAnUnknownMapOrPathExitsOneNamingIt) {
    for (auto args : std::vector<std::vector<std::string>>{{"show", "topology", "mpathz"},
                                                           {"show", "map", "mpathz"},
                                                           {"show", "map", "mpathz", "--json"}}) {
        auto r = run(args);
        EXPECT_EQ(r.code, 1) << args[1];
        EXPECT_TRUE(r.out.empty()) << args[1];
        EXPECT_NE(r.err.find("no map named 'mpathz'"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("NoSuchMap"), std::string::npos) << r.err;
    }
    auto path = run({"show", "path", "sdz"});
    EXPECT_EQ(path.code, 1);
    EXPECT_TRUE(path.out.empty());
    EXPECT_NE(path.err.find("no path 'sdz'"), std::string::npos) << path.err;
    EXPECT_NE(path.err.find("NoSuchPath"), std::string::npos) << path.err;
    // The empty string names nothing, not the first map without a dm device.
    EXPECT_EQ(run({"show", "map", ""}).code, 1);
}

TEST_F(Pathctl, FailPathAcceptsADevPathAndSendsTheKernelName) {
    auto r = run({"fail-path", "/dev/sdb"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "sdb: failed\n");
    EXPECT_EQ(client.calls, std::vector<std::string>{"fail_path sdb"});
}

TEST_F(Pathctl, ReinstatePathReportsSuccess) {
    auto r = run({"reinstate-path", "sdb"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "sdb: reinstated\n");
    EXPECT_EQ(client.calls, std::vector<std::string>{"reinstate_path sdb"});
}

TEST_F(Pathctl, RemovePathAndAddPathSendThePathWithoutDev) {
    auto removed = run({"remove-path", "/dev/sdc"});
    EXPECT_EQ(removed.code, 0);
    EXPECT_EQ(removed.out, "sdc: removed from its map\n");
    auto added = run({"add-path", "sdc"});
    EXPECT_EQ(added.code, 0);
    EXPECT_EQ(added.out, "sdc: in its map\n");
    EXPECT_EQ(run({"remove-path"}).code, 2);
    EXPECT_EQ(client.calls, (std::vector<std::string>{"remove_path sdc", "add_path sdc"}));
}

TEST_F(Pathctl, SwitchGroupSendsMapAndGroup) {
    auto r = run({"switch-group", "mpatha", "2"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "mpatha: switched to path group 2\n");
    EXPECT_EQ(client.calls, std::vector<std::string>{"switch_group mpatha 2"});
}

TEST_F(Pathctl, QueueingSendsTheMapAndTheControl) {
    auto r = run({"queueing", "mpatha", "disable"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "mpatha: queueing disable\n");
    EXPECT_EQ(run({"queueing", "--all", "restore"}).code, 0);
    EXPECT_EQ(run({"queueing", "mpathb", "force"}).code, 0);
    EXPECT_EQ(client.calls,
              (std::vector<std::string>{"set_queueing mpatha disable", "set_queueing <all> restore",
                                        "set_queueing mpathb force"}));
}

TEST_F(Pathctl, ResizeMapSendsTheMapAndNeedsOne) {
    auto r = run({"resize-map", "mpatha"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "mpatha: resize to the size of its paths requested\n");
    EXPECT_EQ(run({"resize-map"}).code, 2);
    EXPECT_EQ(run({"resize-map", "mpatha", "mpathb"}).code, 2);
    EXPECT_EQ(client.calls, std::vector<std::string>{"resize_map mpatha"});
}

TEST_F(Pathctl, RemoveMapRemovesOneMapAndSaysWhetherDmDeferredIt) {
    auto removed = run({"remove-map", "mpatha"});
    EXPECT_EQ(removed.code, 0);
    EXPECT_EQ(removed.out, "mpatha: removed\n");
    client.remove_map_outcome = "deferred";
    auto deferred = run({"remove-map", "--deferred", "mpathb"});
    EXPECT_EQ(deferred.code, 0);
    EXPECT_EQ(deferred.out,
              "mpathb: removal deferred: device-mapper removes it when its last opener closes it\n");
    EXPECT_EQ(client.calls, (std::vector<std::string>{"remove_map mpatha", "remove_map mpathb deferred"}));
}

TEST_F(Pathctl, RemoveMapWantsANameOrAllButNotBoth) {
    EXPECT_EQ(run({"remove-map"}).code, 2);
    auto both = run({"remove-map", "mpatha", "--all"});
    EXPECT_EQ(both.code, 2);
    EXPECT_EQ(both.err, "pathctl remove-map: give a map name or --all (not both)\n");
    EXPECT_TRUE(client.calls.empty());
}

TEST_F(Pathctl, RemoveMapOfAMapInUseExitsOneWithTheHolders) {
    client.next_error = ClientError{ClientErrorKind::Refused, "org.pathkeeper.PathKeeper1.Error.Busy",
                                    "mpatha is in use: mounted on /srv/data; not removed"};
    auto r = run({"remove-map", "mpatha"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "pathctl: mpatha is in use: mounted on /srv/data; not removed (Busy)\n");
}

TEST_F(Pathctl, RemoveMapAllRemovesWhatItCanAndExitsOneForARefusal) {
    client.remove_map_errors["mpatha"] =
        ClientError{ClientErrorKind::Refused, "org.pathkeeper.PathKeeper1.Error.Busy",
                    "mpatha is in use: LVM volume vg0-data"};
    auto r = run({"remove-map", "--all"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "mpathb: removed\n");
    EXPECT_EQ(r.err, "pathctl: mpatha is in use: LVM volume vg0-data (Busy)\n");
    EXPECT_EQ(client.calls, (std::vector<std::string>{"maps", "remove_map mpatha", "remove_map mpathb"}));
    client.remove_map_errors.clear();
    EXPECT_EQ(run({"remove-map", "--all", "--deferred"}).code, 0);
}

TEST_F(Pathctl, AddMapSendsTheTargetAsGiven) {
    auto r = run({"add-map", "/dev/sdb"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "/dev/sdb: map planned again\n");
    EXPECT_EQ(run({"add-map"}).code, 2);
    EXPECT_EQ(client.calls, (std::vector<std::string>{"add_map /dev/sdb"}));
}

TEST_F(Pathctl, WwidsListPrintsOnePerLineOrAJsonDocument) {
    client.known_wwids_value = {"3600a", "3600b"};
    auto r = run({"wwids", "list"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "3600a\n3600b\n");
    auto j = run({"wwids", "list", "--json"});
    EXPECT_EQ(j.code, 0);
    auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc["schema_version"], 1);
    EXPECT_EQ(doc["known_wwids"], nlohmann::json::array({"3600a", "3600b"}));
}

TEST_F(Pathctl, WwidsEditsSendTheTargetAndRefuseAMissingOne) {
    EXPECT_EQ(run({"wwids", "add", "/dev/sdb"}).out, "/dev/sdb: known\n");
    EXPECT_EQ(run({"wwids", "remove", "3600a"}).out, "3600a: no longer known\n");
    EXPECT_EQ(run({"wwids", "reset"}).code, 0);
    EXPECT_EQ(client.calls,
              (std::vector<std::string>{"edit_known_wwids add /dev/sdb", "edit_known_wwids remove 3600a",
                                        "edit_known_wwids reset"}));
    client.calls.clear();
    for (auto args : std::vector<std::vector<std::string>>{
             {"wwids"}, {"wwids", "add"}, {"wwids", "remove"}, {"wwids", "drop", "3600a"}}) {
        EXPECT_EQ(run(args).code, 2) << args.back();
    }
    EXPECT_TRUE(client.calls.empty());
}

TEST_F(Pathctl, IsMemberExitsZeroOnlyForAPathOfAMap) {
    auto member = run({"is-member", "/dev/sdb"});
    EXPECT_EQ(member.code, 0);
    EXPECT_EQ(member.out, "sdb is a valid multipath device path (map mpatha)\n");
    EXPECT_EQ(run({"is-member", "8:16"}).code, 0) << "major:minor names the path too";
    auto local = run({"is-member", "sda"});
    EXPECT_EQ(local.code, 1);
    EXPECT_EQ(local.out, "sda is not a valid multipath device path\n");
    auto unknown = run({"is-member", "/dev/sdz"});
    EXPECT_EQ(unknown.code, 1);
    EXPECT_EQ(unknown.out, "sdz is not a valid multipath device path\n");
    EXPECT_EQ(run({"is-member"}).code, 2);
    unreachable = true;
    EXPECT_EQ(run({"is-member", "sdb"}).code, 3) << "no daemon is not an answer";
}

TEST_F(Pathctl, QueueingRefusesAMissingOrUnknownControlAndAMapWithAll) {
    for (auto args : std::vector<std::vector<std::string>>{{"queueing"},
                                                           {"queueing", "mpatha"},
                                                           {"queueing", "--all"},
                                                           {"queueing", "mpatha", "off"},
                                                           {"queueing", "--all", "mpatha", "disable"}}) {
        auto r = run(args);
        EXPECT_EQ(r.code, 2) << args.back();
        EXPECT_NE(r.err.find("pathctl queueing"), std::string::npos) << args.back();
    }
    EXPECT_NE(run({"queueing", "mpatha", "off"}).err.find("\"off\" is not disable, restore or force"),
              std::string::npos);
    EXPECT_TRUE(client.calls.empty());
}

TEST_F(Pathctl, ReconfigureWithoutAFileAsksTheDaemonToReread) {
    EXPECT_EQ(run({"reconfigure"}).code, 0);
    EXPECT_EQ(client.calls, std::vector<std::string>{"reconfigure"});
}

TEST_F(Pathctl, ReconfigureWithAFileSendsItsText) {
    std::string file = ::testing::TempDir() + "/pathctl-reconfigure.yaml";
    std::ofstream(file) << "defaults:\n  polling_interval: 5s\n";
    EXPECT_EQ(run({"reconfigure", "--config", file}).code, 0);
    EXPECT_EQ(client.calls, std::vector<std::string>{"load_config " + file + " 33"});
}

TEST_F(Pathctl, ReconfigureWithAMissingFileFailsWithoutCallingTheDaemon) {
    auto r = run({"reconfigure", "--config", "/nonexistent/pathkeeper.yaml"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("cannot read /nonexistent/pathkeeper.yaml"), std::string::npos);
    EXPECT_TRUE(client.calls.empty());
}

TEST_F(Pathctl, WatchPrintsOneTimestampedLinePerEvent) {
    client.path_events = {{"mpatha", "sdb", "up", "down", "tur checker reports path down"}};
    client.map_events = {{"mpatha", "changed"}};
    auto r = run({"watch"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out,
              "12:00:00 path sdb (mpatha): up -> down: tur checker reports path down\n"
              "12:00:00 map mpatha: changed\n");
}

TEST_F(Pathctl, WatchJsonPrintsOneDocumentPerLine) {
    client.path_events = {{"", "sda", "up", "down", ""}};
    auto r = run({"watch", "--json"});
    EXPECT_EQ(r.code, 0);
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["event"], "path_state_changed");
    EXPECT_TRUE(doc["map"].is_null());
    EXPECT_EQ(doc["new_state"], "down");
    EXPECT_EQ(doc["time"], "2026-01-02T12:00:00.250Z");
}

TEST_F(Pathctl, ARefusalExitsOneAndNamesTheError) {
    client.next_error = ClientError{ClientErrorKind::Refused, "org.pathkeeper.PathKeeper1.Error.NoSuchPath",
                                    "no path named sdz"};
    auto r = run({"fail-path", "sdz"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "pathctl: no path named sdz (NoSuchPath)\n");
}

TEST_F(Pathctl, AccessDeniedExitsOneAndSaysToRunAsRoot) {
    client.next_error = ClientError{ClientErrorKind::Refused, "org.pathkeeper.PathKeeper1.Error.AccessDenied",
                                    "FailPath changes the I/O path and is allowed to root only"};
    auto r = run({"fail-path", "sdb"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("(AccessDenied)\nRun this command as root.\n"), std::string::npos);
}

TEST_F(Pathctl, AnInvalidConfigListsEveryLocation) {
    client.next_error =
        ClientError{ClientErrorKind::Refused, "org.pathkeeper.PathKeeper1.Error.InvalidConfig",
                    "a.yaml:2:3: defaults.foo: unknown key\na.yaml:4:5: x: bad"};
    auto r = run({"reconfigure"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("a.yaml:2:3: defaults.foo: unknown key\na.yaml:4:5"), std::string::npos);
}

TEST_F(Pathctl, AnUnreachableDaemonExitsThreeAndSaysHowToStartIt) {
    unreachable = true;
    for (auto args : std::vector<std::vector<std::string>>{{"status"},
                                                           {"show", "topology"},
                                                           {"show", "maps", "--json"},
                                                           {"fail-path", "sdb"},
                                                           {"watch"},
                                                           {"show", "config"}}) {
        auto r = run(args);
        EXPECT_EQ(r.code, 3) << args[0];
        EXPECT_NE(r.err.find("pathkeeperd is not reachable"), std::string::npos);
        EXPECT_NE(r.err.find("systemctl start pathkeeperd"), std::string::npos);
    }
}

TEST_F(Pathctl, UsageErrorsExitTwo) {
    EXPECT_EQ(run({}).code, 2);
    EXPECT_EQ(run({"frobnicate"}).code, 2);
    EXPECT_EQ(run({"fail-path"}).code, 2);
    EXPECT_EQ(run({"switch-group", "mpatha"}).code, 2);
    EXPECT_EQ(run({"switch-group", "mpatha", "zero"}).code, 2);
    EXPECT_EQ(run({"switch-group", "mpatha", "0"}).code, 2);
    EXPECT_EQ(run({"show"}).code, 2);
    EXPECT_EQ(run({"show", "map"}).code, 2);
    EXPECT_EQ(run({"show", "path"}).code, 2);
    EXPECT_EQ(run({"show", "topology", "mpatha", "mpathb"}).code, 2);
    EXPECT_EQ(run({"show", "paths", "--json", "--as-plan-input"}).code, 2);
    EXPECT_EQ(run({"--color", "sometimes", "status"}).code, 2);
    EXPECT_TRUE(client.calls.empty());
}

TEST_F(Pathctl, HelpWorksForEveryCommandAndExitsZero) {
    for (auto args : std::vector<std::vector<std::string>>{{"--help"},
                                                           {"show", "--help"},
                                                           {"show", "topology", "--help"},
                                                           {"show", "paths", "--help"},
                                                           {"show", "maps", "--help"},
                                                           {"show", "map", "--help"},
                                                           {"show", "path", "--help"},
                                                           {"show", "config", "--help"},
                                                           {"status", "--help"},
                                                           {"fail-path", "--help"},
                                                           {"reinstate-path", "--help"},
                                                           {"switch-group", "--help"},
                                                           {"queueing", "--help"},
                                                           {"reconfigure", "--help"},
                                                           {"watch", "--help"}}) {
        auto r = run(args);
        EXPECT_EQ(r.code, 0) << args.back();
        EXPECT_NE(r.out.find("Usage:"), std::string::npos) << args.back();
    }
    EXPECT_TRUE(client.calls.empty());
}

// pathctl builds only the command a query names: each command the top-level help lists must be the one
// built for its name (its own usage line), and an unknown word still gets CLI11's usual error.
TEST_F(Pathctl, EachListedCommandIsBuiltForItsName) {
    const std::string help = run({"--help"}).out;
    ASSERT_NE(help.find("Subcommands:"), std::string::npos) << help;
    std::istringstream lines(help.substr(help.find("Subcommands:")));
    std::string line;
    std::getline(lines, line);
    int listed = 0;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string name;
        if (!(words >> name) || line.find_first_not_of(' ') != 2)
            continue;
        ++listed;
        auto r = run({name, "--help"});
        EXPECT_EQ(r.code, 0) << name;
        EXPECT_NE(r.out.find("pathctl " + name), std::string::npos) << name << ":\n" << r.out;
    }
    EXPECT_GE(listed, 18) << help;
    auto unknown = run({"frobnicate"});
    EXPECT_EQ(unknown.code, 2);
    EXPECT_NE(unknown.err.find("A subcommand is required"), std::string::npos) << unknown.err;
    EXPECT_TRUE(client.calls.empty());
}

TEST_F(Pathctl, VersionPrintsItselfWithoutASubcommandOrTheDaemon) {
    for (auto flag : {"--version", "-V"}) {
        auto r = run({flag});
        EXPECT_EQ(r.code, 0) << flag;
        EXPECT_EQ(r.out, "pathctl " PATHKEEPER_VERSION "\n") << flag;
    }
    EXPECT_TRUE(client.calls.empty());
}

// show paths --stats reads /sys/block/DEV/stat itself; a fake tree stands in for /sys.
class PathctlStats : public Pathctl {
protected:
    void SetUp() override {
        std::string pattern = ::testing::TempDir() + "/pathctl-sysfs-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        root = pattern;
        // sda: too short; sdb: a 17-field stat of a newer kernel; sdc: 11 fields; sdd: garbage; sde: no
        // device.
        write_stat("sda", "1 2 3\n");
        write_stat("sdb",
                   "    1200        0    98304     5000      800        0   409600     3000        2     6100"
                   "     8000        0        0        0        0        0        0\n");
        write_stat("sdc", "1199 0 2049 10 801 0 3071 20 0 25 30\n");
        write_stat("sdd", "12 abc 7 0 0 0 0 0 0 0 0\n");
    }
    void TearDown() override { std::filesystem::remove_all(root); }

    void write_stat(const std::string& dev, const std::string& text) {
        std::filesystem::create_directories(root + "/block/" + dev);
        std::ofstream(root + "/block/" + dev + "/stat") << text;
    }

    std::string root;
};

TEST(BlockStats, ParsesTheCountersOfAStatFile) {
    const auto s =
        pathkeeper::os::parse_block_stats("1200 3 98304 5000 800 4 409600 3000 2 6100 8000 0 0 0 0 0 0\n");
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(*s, (pathkeeper::os::BlockStats{1200, 800, 98304, 409600, 2, 6100}));
}

TEST(BlockStats, RefusesShortOrGarbledText) {
    using pathkeeper::os::parse_block_stats;
    EXPECT_FALSE(parse_block_stats(""));
    EXPECT_FALSE(parse_block_stats("1 2 3 4 5 6 7 8 9 10\n"));
    EXPECT_FALSE(parse_block_stats("1 2 3 4 5 6 7 8 9 10 x\n"));
    EXPECT_FALSE(parse_block_stats("1 2 3 4 5 6 7 8 9 10 -11\n"));
    EXPECT_FALSE(parse_block_stats("1 2 3 4 5 6 7 8 9 10 11z\n"));
    EXPECT_FALSE(parse_block_stats("1 2 3 4 5 6 7 8 9 10 99999999999999999999999\n"));
    EXPECT_TRUE(parse_block_stats("1\t2 3 4 5 6 7 8 9 10 11"));
}

TEST(BlockStats, ReadsNothingForAMissingDeviceOrAPathLikeName) {
    using pathkeeper::os::read_block_stats;
    EXPECT_FALSE(read_block_stats(::testing::TempDir() + "/no-such-sysfs", "sdb"));
    EXPECT_FALSE(read_block_stats("/sys", "../../etc"));
    EXPECT_FALSE(read_block_stats("/sys", ""));
}

TEST(BlockStats, ShowsMiBInTenthsRoundedDown) {
    using pathkeeper::cli::format_mib;
    EXPECT_EQ(format_mib(0), "0.0");
    EXPECT_EQ(format_mib(2047), "0.9");
    EXPECT_EQ(format_mib(2048), "1.0");
    EXPECT_EQ(format_mib(3071), "1.4");
    EXPECT_EQ(format_mib(409600), "200.0");
}

TEST_F(PathctlStats, ShowPathsStatsPrintsTheCountersOfEachPath) {
    auto r = run({"show", "paths", "--stats", "--sysfs-root", root});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, golden("show_paths_stats.txt", r.out));
    EXPECT_EQ(client.calls.size(), 1u) << "one round trip for the list";
}

TEST_F(PathctlStats, ShowPathsStatsJsonAddsAStatsObjectPerPath) {
    auto r = run({"show", "paths", "--stats", "--json", "--sysfs-root", root});
    ASSERT_EQ(r.code, 0);
    auto doc = nlohmann::json::parse(r.out);
    ASSERT_EQ(doc["paths"].size(), 5u);
    const auto& sdb = doc["paths"][1];
    EXPECT_EQ(sdb["devnode"], "sdb");
    EXPECT_EQ(sdb["stats"], (nlohmann::json{{"reads", 1200},
                                            {"writes", 800},
                                            {"sectors_read", 98304},
                                            {"sectors_written", 409600},
                                            {"in_flight", 2},
                                            {"io_ticks_ms", 6100}}));
    for (std::size_t unreadable : {0u, 3u, 4u}) {
        EXPECT_TRUE(doc["paths"][unreadable]["stats"].is_null()) << unreadable;
    }
    EXPECT_FALSE(nlohmann::json::parse(run({"show", "paths", "--json"}).out)["paths"][1].contains("stats"));
}

TEST_F(PathctlStats, StatsAndPlanInputExcludeEachOther) {
    EXPECT_EQ(run({"show", "paths", "--stats", "--as-plan-input"}).code, 2);
}

// A map with a reservation key: each path's registration state gets a column, and `show path` says what the
// last sync found; maps without a key keep the table as it was.
TEST_F(Pathctl, ShowPathsAddsARegistrationColumnOnlyWhenAMapHasAKey) {
    EXPECT_EQ(run({"show", "paths"}).out.find("REGISTRATION"), std::string::npos);
    auto& paths = client.topology_value.paths;
    paths[1].registration = "registered";
    paths[1].registration_detail = "key 0x1 registered through sdb";
    paths[2].registration = "failed";
    paths[2].registration_detail = "READ KEYS through sdc: the target is busy";
    auto r = run({"show", "paths"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, golden("show_paths_registration.txt", r.out));
    auto one = run({"show", "path", "sdc"});
    EXPECT_NE(one.out.find("sdc: failed: READ KEYS through sdc: the target is busy\n"), std::string::npos)
        << one.out;
    auto coloured = run({"show", "paths"}, true);
    EXPECT_NE(coloured.out.find("\033[32mregistered\033[0m"), std::string::npos);
    auto doc = nlohmann::json::parse(run({"show", "paths", "--json"}).out);
    EXPECT_EQ(doc["paths"][1]["registration"], "registered");
    EXPECT_EQ(doc["paths"][1]["registration_detail"], "key 0x1 registered through sdb");
    EXPECT_TRUE(doc["paths"][0]["registration"].is_null());
    EXPECT_TRUE(doc["paths"][0]["registration_detail"].is_null());
}

// pathctl reservation: the arguments reach the daemon as given (the daemon fills in the map's key), status
// shows keys, holder and each path's registration, and usage mistakes are caught before the bus.
TEST_F(Pathctl, ReservationPassesTheArgumentsToTheDaemon) {
    client.reservation_value.message = "reserve write-exclusive with key 0xabc through sdb: done";
    auto r = run({"reservation", "mpatha", "reserve", "--key", "0xabc", "--type", "WE"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "mpatha: reserve write-exclusive with key 0xabc through sdb: done\n");
    EXPECT_EQ(client.calls, std::vector<std::string>{"reservation mpatha reserve key=0xabc type=WE"});
    client.calls.clear();
    EXPECT_EQ(run({"reservation", "mpatha", "preempt-abort", "--victim", "0x999", "--aptpl"}).code, 0);
    EXPECT_EQ(client.calls, std::vector<std::string>{"reservation mpatha preempt-abort victim=0x999 aptpl"});
}

TEST_F(Pathctl, ReservationStatusShowsKeysHolderAndThePathsRegistrations) {
    auto& v = client.reservation_value;
    v.key = "0xabc";
    v.has_status = true;
    v.generation = 7;
    v.keys = {"0xabc", "0xabc", "0x999"};
    v.registered = true;
    v.holder = "0x999";
    v.holder_type = "write-exclusive-registrants-only";
    auto& paths = client.topology_value.paths;
    paths[1].registration = "registered";
    paths[1].registration_detail = "key 0xabc registered through sdb";
    paths[2].registration = "registered";
    paths[2].registration_detail = "key 0xabc registered through sdc";
    auto r = run({"reservation", "mpatha", "status"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out,
              "map:          mpatha\n"
              "key:          0xabc (registered)\n"
              "keys:         0xabc (2 paths), 0x999\n"
              "reservation:  0x999 write-exclusive-registrants-only\n"
              "generation:   7\n"
              "\n"
              "DEV  DM      REGISTRATION  DETAIL\n"
              "sdb  active  registered    key 0xabc registered through sdb\n"
              "sdc  active  registered    key 0xabc registered through sdc\n");
    auto doc = nlohmann::json::parse(run({"reservation", "mpatha", "status", "--json"}).out);
    EXPECT_EQ(doc["schema_version"], 1);
    EXPECT_EQ(doc["map"], "mpatha");
    EXPECT_EQ(doc["registered"], true);
    EXPECT_EQ(doc["keys"], nlohmann::json::array({"0xabc", "0xabc", "0x999"}));
    EXPECT_EQ(doc["reservation"]["holder"], "0x999");
    EXPECT_EQ(doc["reservation"]["type"], "write-exclusive-registrants-only");
    ASSERT_EQ(doc["paths"].size(), 2U);
    EXPECT_EQ(doc["paths"][0]["devnode"], "sdb");
    EXPECT_EQ(doc["paths"][0]["registration"], "registered");
}

TEST_F(Pathctl, ReservationRefusesMisusedOptionsAsUsageErrors) {
    auto no_victim = run({"reservation", "mpatha", "preempt"});
    EXPECT_EQ(no_victim.code, 2);
    EXPECT_NE(no_victim.err.find("--victim"), std::string::npos);
    EXPECT_EQ(run({"reservation", "mpatha", "clear", "--type", "WE"}).code, 2);
    EXPECT_EQ(run({"reservation", "mpatha", "register", "--victim", "0x1"}).code, 2);
    EXPECT_EQ(run({"reservation", "mpatha", "fence"}).code, 2);
    EXPECT_TRUE(client.calls.empty());
}

TEST_F(Pathctl, ReservationReportsAConflictWithItsNameAndExitsOne) {
    client.next_error =
        ClientError{ClientErrorKind::Refused, "org.pathkeeper.PathKeeper1.Error.ReservationConflict",
                    "reserve through sdb: reservation conflict: key 0xabc is not registered"};
    auto r = run({"reservation", "mpatha", "reserve"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err,
              "pathctl: reserve through sdb: reservation conflict: key 0xabc is not registered "
              "(ReservationConflict)\n");
}

}  // namespace
