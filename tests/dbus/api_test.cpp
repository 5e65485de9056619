// lib/api: the error table, the D-Bus dictionary codec (round trip, hostile input), object path escaping.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Types.h>

#include "api/arguments.hpp"
#include "api/dbus_codec.hpp"
#include "api/errors.hpp"
#include "api/json.hpp"
#include "cli/format.hpp"
#include "fixtures.hpp"

namespace {

using namespace pathkeeper;

TEST(TheErrorTable, HasOneUniqueNameInOurNamespacePerError) {
    std::set<std::string_view> names;
    for (const auto& info : api::api_error_table()) {
        EXPECT_TRUE(info.dbus_name.starts_with("org.pathkeeper.PathKeeper1.Error.")) << info.dbus_name;
        EXPECT_TRUE(names.insert(info.dbus_name).second) << info.dbus_name;
        EXPECT_EQ(api::api_error_from_dbus_name(info.dbus_name), info.error);
        EXPECT_EQ(api::dbus_error_name(info.error), info.dbus_name);
    }
    EXPECT_EQ(names.size(), 10u);
}

TEST(TheErrorTable, DoesNotClaimForeignNames) {
    EXPECT_FALSE(api::api_error_from_dbus_name("org.freedesktop.DBus.Error.AccessDenied"));
    EXPECT_FALSE(api::api_error_from_dbus_name(""));
    EXPECT_FALSE(api::api_error_from_dbus_name("org.pathkeeper.PathKeeper1.Error."));
}

TEST(CoreErrors, MapNotFoundToWhatWasLookedUp) {
    EXPECT_EQ(api::api_error_from_core(core::ErrorCode::NotFound, api::ApiError::NoSuchMap),
              api::ApiError::NoSuchMap);
    EXPECT_EQ(api::api_error_from_core(core::ErrorCode::NotFound, api::ApiError::NoSuchPath),
              api::ApiError::NoSuchPath);
    EXPECT_EQ(api::api_error_from_core(core::ErrorCode::InvalidConfig, api::ApiError::Failed),
              api::ApiError::InvalidConfig);
    EXPECT_EQ(api::api_error_from_core(core::ErrorCode::Io, api::ApiError::NoSuchPath),
              api::ApiError::Failed);
}

TEST(TheTopologyCodec, RoundTripsEveryField) {
    auto topology = pathkeeper::testing::sample_topology();
    auto decoded = api::decode_topology(api::encode_topology(topology));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, topology);
}

// Registration rides in the path struct's extra dictionary: present only for a map with a reservation key.
TEST(TheTopologyCodec, CarriesARegistrationStateOnlyWhenThereIsOne) {
    auto topology = pathkeeper::testing::sample_topology();
    topology.paths[1].registration = "registered";
    topology.paths[1].registration_detail = "key 0x1 registered through sdb";
    topology.paths[2].registration = "host-unregistered";
    const auto encoded = api::encode_topology(topology);
    EXPECT_TRUE(std::get<21>(std::get<2>(encoded)[0]).empty());
    EXPECT_EQ(std::get<21>(std::get<2>(encoded)[1]).at("Registration").get<std::string>(), "registered");
    auto decoded = api::decode_topology(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, topology);
}

TEST(TheManagerDictionary, IgnoresUnknownKeysAndDefaultsMissingOnes) {
    api::Dict manager = {{"Version", std::string("0.2.0")}, {"FutureKey", std::string("whatever")}};
    auto decoded = api::decode_manager(manager);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->version, "0.2.0");
    EXPECT_EQ(decoded->path_count, 0u);
}

TEST(TheManagerDictionary, RejectsAKeyOfTheWrongType) {
    api::Dict manager = {{"MapCount", std::int32_t{-1}}};
    auto decoded = api::decode_manager(manager);
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.error().message.find("MapCount"), std::string::npos);
    EXPECT_FALSE(api::decode_manager({{"Version", std::uint32_t{1}}}).ok());
}

TEST(ObjectPathEscaping, KeepsAlphanumericsAndHexEscapesTheRest) {
    EXPECT_EQ(api::escape_object_path_component("sdb"), "sdb");
    EXPECT_EQ(api::escape_object_path_component("mpath-a"), "mpath_2da");
    EXPECT_EQ(api::escape_object_path_component("3600_a.b/c"), "3600_5fa_2eb_2fc");
    EXPECT_EQ(api::escape_object_path_component(""), "_");
    EXPECT_EQ(api::map_object_path("mpatha"), "/org/pathkeeper/PathKeeper1/maps/mpatha");
    EXPECT_EQ(api::path_object_path("cciss!c0d0"), "/org/pathkeeper/PathKeeper1/paths/cciss_21c0d0");
}

TEST(ObjectPathEscaping, RoundTripsEveryByte) {
    std::string all;
    for (int c = 1; c < 256; ++c)
        all.push_back(static_cast<char>(c));
    auto back = api::unescape_object_path_component(api::escape_object_path_component(all));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, all);
    EXPECT_EQ(*api::unescape_object_path_component("_"), "");
}

TEST(ObjectPathEscaping, RejectsTruncatedAndGarbageEscapes) {
    EXPECT_FALSE(api::unescape_object_path_component("abc_").ok());
    EXPECT_FALSE(api::unescape_object_path_component("abc_2").ok());
    EXPECT_FALSE(api::unescape_object_path_component("_zz").ok());
    EXPECT_FALSE(api::unescape_object_path_component("a__").ok());
}

// Code points before `needle` in `line`: the terminal column it starts at.
std::size_t column_of(const std::string& line, const std::string& needle) {
    const std::string before = line.substr(0, line.find(needle));
    return static_cast<std::size_t>(std::count_if(before.begin(), before.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0u) != 0x80u;
    }));
}

TEST(ThePathsTable, AlignsColumnsAfterAUtf8AliasByCharactersNotBytes) {
    api::PathView a;
    a.devnode = "sdb";
    a.devt = "8:16";
    a.map = "d\xc3\xa4t\xc3\xa4";  // "data" with two a-umlauts: 4 characters, 6 bytes
    a.dm_state = "active";
    a.checker_state = "up";
    a.wwid = "wwid-one";
    api::PathView b = a;
    b.devnode = "sdc";
    b.devt = "8:32";
    b.map = "data";
    b.wwid = "wwid-two";
    const std::string table = cli::format_paths_table({a, b}, cli::Style{});
    const auto first_end = table.find('\n');
    const auto second_end = table.find('\n', first_end + 1);
    const std::string row_a = table.substr(first_end + 1, second_end - first_end - 1);
    const std::string row_b = table.substr(second_end + 1, table.find('\n', second_end + 1) - second_end - 1);
    ASSERT_NE(row_a.find("wwid-one"), std::string::npos) << table;
    EXPECT_EQ(column_of(row_a, "wwid-one"), column_of(row_b, "wwid-two")) << table;
    EXPECT_EQ(column_of(row_a, "active"), column_of(row_b, "active")) << table;
    EXPECT_EQ(row_a.back(), 'e') << "the last column is not padded: " << table;
}

TEST(SizeFormatting, UsesBinaryUnitsLikeMultipath) {
    EXPECT_EQ(cli::format_size(2097152), "1.0G");
    EXPECT_EQ(cli::format_size(20971520), "10G");
    EXPECT_EQ(cli::format_size(1024), "512K");
    EXPECT_EQ(cli::format_size(3145728), "1.5G");
    EXPECT_EQ(cli::format_size(0), "0.0K");
}

TEST(APathArgument, AcceptsAKernelNameWithOrWithoutDev) {
    EXPECT_EQ(api::parse_devnode_argument("sdb").value(), "sdb");
    EXPECT_EQ(api::parse_devnode_argument("/dev/sdb").value(), "sdb");
    EXPECT_EQ(api::parse_devnode_argument("nvme0n1").value(), "nvme0n1");
}

TEST(APathArgument, ThatCouldLeaveDevOrSysIsRefused) {
    for (const char* bad : {"", "/dev/", "../sda", "/dev/../etc/passwd", "sd b", "sdb\n", "sda/..", "/sdb"}) {
        auto r = api::parse_devnode_argument(bad);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, core::ErrorCode::InvalidArgument);
    }
    EXPECT_FALSE(api::parse_devnode_argument(std::string(65, 'a')).ok());
    EXPECT_TRUE(api::parse_devnode_argument(std::string(64, 'a')).ok());
}

TEST(AMapArgument, IsADmNameWithoutSlashOrControlCharacters) {
    EXPECT_EQ(api::parse_map_name_argument("mpatha").value(), "mpatha");
    EXPECT_EQ(api::parse_map_name_argument("db data 1").value(), "db data 1");
    EXPECT_FALSE(api::parse_map_name_argument("").ok());
    EXPECT_FALSE(api::parse_map_name_argument("a/b").ok());
    EXPECT_FALSE(api::parse_map_name_argument("tab\there").ok());
    EXPECT_FALSE(api::parse_map_name_argument(std::string(128, 'm')).ok());
    EXPECT_TRUE(api::parse_map_name_argument(std::string(127, 'm')).ok());
}

TEST(LoadConfigArguments, RefuseOversizeTextAndUnprintableOrigins) {
    EXPECT_EQ(api::parse_config_text_arguments("defaults: {}\n", "").value(), "<dbus>");
    EXPECT_EQ(api::parse_config_text_arguments("", "/root/new.yaml").value(), "/root/new.yaml");
    auto big = api::parse_config_text_arguments(std::string(api::kMaxConfigTextBytes + 1, '#'), "x");
    ASSERT_FALSE(big.ok());
    EXPECT_NE(big.error().message.find("1 MiB"), std::string::npos);
    EXPECT_FALSE(api::parse_config_text_arguments("", "evil\nline").ok());
    EXPECT_FALSE(api::parse_config_text_arguments("", std::string(4097, 'o')).ok());
    EXPECT_EQ(api::parse_explain_target_argument("/dev/mapper/mpatha").value(), "/dev/mapper/mpatha");
    EXPECT_FALSE(api::parse_explain_target_argument("").ok());
    EXPECT_FALSE(api::parse_explain_target_argument(std::string(api::kMaxExplainTargetLength + 1, 'a')).ok());
    EXPECT_FALSE(api::parse_explain_target_argument("sdb\n").ok());
}

api::TopologyView topology_with_raw_inquiry_bytes() {
    auto t = pathkeeper::testing::sample_topology();
    t.paths.front().vendor = "LIO\xff\xfe";              // INQUIRY data is bytes, not UTF-8
    t.paths.front().product = "disk \xc3\xa9t\xc3\xa9";  // valid UTF-8 stays as it is
    t.maps.front().product = "bad \xed\xa0\x80 surrogate";
    return t;
}

TEST(APublishedTopology, WithNonUtf8InquiryBytesIsWhatSdBusRefusesUnlessMadeValid) {
    auto raw = topology_with_raw_inquiry_bytes();
    // The failure mode: sd-bus refuses to serialise invalid UTF-8 (a whole GetTopology reply would fail).
    EXPECT_THROW(sdbus::Variant{api::encode_path(raw.paths.front())}, sdbus::Error);
    auto fixed = raw;
    api::make_valid_utf8(fixed);
    EXPECT_NO_THROW(sdbus::Variant{api::encode_path(fixed.paths.front())});
    EXPECT_NO_THROW(sdbus::Variant{api::encode_map(fixed.maps.front())});
    EXPECT_EQ(fixed.paths.front().vendor, "LIO\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(fixed.paths.front().product, "disk \xc3\xa9t\xc3\xa9");
    EXPECT_EQ(fixed.maps.front().product, "bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate");
    EXPECT_EQ(fixed.paths[1], raw.paths[1]);  // clean entries are untouched
}

TEST(JsonOutput, NeverFailsOnInvalidUtf8) {
    auto raw = topology_with_raw_inquiry_bytes();
    EXPECT_THROW((void)api::topology_document(raw).dump(), nlohmann::json::type_error);
    std::string text;
    EXPECT_NO_THROW(text = api::dump_json(api::topology_document(raw), 2));
    EXPECT_NE(text.find("LIO\xef\xbf\xbd"), std::string::npos);
}

}  // namespace
