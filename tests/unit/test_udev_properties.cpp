#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/udev_properties.hpp"

using namespace pathkeeper::core;

namespace {

std::string read_data(const std::string& name) {
    std::ifstream in(std::string(PATHKEEPER_TEST_DATA_DIR) + "/udev/" + name, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string message_of(const Error& e) {
    return e.message;
}

}  // namespace

TEST(UdevProperties, ReadsQueryPropertyOutputOfAnIscsiPath) {
    auto props = parse_udev_properties(read_data("sdb_lio_query_property.txt"));
    ASSERT_TRUE(props.ok()) << props.error().message;
    EXPECT_EQ(props->at("ID_SERIAL"), "36001405e3a9b1f8c2d24a5ca1c3b5f0d");
    EXPECT_EQ(props->at("ID_VENDOR_ENC"), "LIO-ORG\\x20");
    EXPECT_EQ(props->at("DEVLINKS"),
              "/dev/disk/by-id/scsi-36001405e3a9b1f8c2d24a5ca1c3b5f0d "
              "/dev/disk/by-id/wwn-0x6001405e3a9b1f8c2d24a5ca1c3b5f0d");
    EXPECT_EQ(props->at("ID_PATH").substr(0, 16), "ip-10.77.1.1:326");
    EXPECT_EQ(props->size(), 30U);
}

TEST(UdevProperties, ReadsUdevadmInfoRecordLines) {
    auto record = parse_udev_record(read_data("sdb_lio_udevadm_info.txt"));
    ASSERT_TRUE(record.ok()) << record.error().message;
    EXPECT_EQ(record->devpath, "/devices/platform/host2/session1/target2:0:0/2:0:0:0/block/sdb");
    EXPECT_EQ(record->devnode, "sdb");
    ASSERT_EQ(record->symlinks.size(), 2U);
    EXPECT_EQ(record->symlinks[1], "disk/by-id/wwn-0x6001405e3a9b1f8c2d24a5ca1c3b5f0d");
    EXPECT_EQ(record->properties.at("MAJOR"), "8");
    EXPECT_EQ(record->properties.at("SYSTEMD_READY"), "0");
    EXPECT_EQ(record->properties.count("D"), 0U);
}

TEST(UdevProperties, StripsTheQuotesOfExportStyleValues) {
    auto props = parse_udev_properties("ID_VENDOR='LIO-ORG'\nID_MODEL='disk 0'\r\nEMPTY=\nODD='\n");
    ASSERT_TRUE(props.ok()) << props.error().message;
    EXPECT_EQ(props->at("ID_VENDOR"), "LIO-ORG");
    EXPECT_EQ(props->at("ID_MODEL"), "disk 0");
    EXPECT_EQ(props->at("EMPTY"), "");
    EXPECT_EQ(props->at("ODD"), "'");
}

TEST(UdevProperties, RejectsMalformedLinesNamingTheLine) {
    struct Case {
        const char* text;
        const char* line;
    };
    for (const Case& c : {Case{"A=1\nno equals sign\n", "line 2"}, Case{"A=1\nB=2\n=3\n", "line 3"},
                          Case{"A B=1\n", "line 1"}, Case{"A=1\nA=2\n", "line 2"},
                          Case{"A=1\nE: broken\n", "line 2"}, Case{"P: relative/path\n", "line 1"},
                          Case{"A=1\n\nB=2\n", "line 2"}, Case{"A=x\x01y\n", "line 1"}}) {
        auto props = parse_udev_properties(c.text);
        ASSERT_FALSE(props.ok()) << c.text;
        EXPECT_EQ(props.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(message_of(props.error()).find(c.line), std::string::npos)
            << c.text << " -> " << props.error().message;
    }
}

TEST(UdevProperties, RejectsEmptyOversizedAndGarbageInput) {
    EXPECT_FALSE(parse_udev_properties("").ok());
    EXPECT_FALSE(parse_udev_properties("\n\n").ok());
    EXPECT_FALSE(parse_udev_properties("A=" + std::string(udev_max_value_bytes + 1, 'x')).ok());
    EXPECT_FALSE(parse_udev_properties(std::string(udev_max_key_bytes + 1, 'K') + "=1").ok());
    std::string many;
    for (std::size_t i = 0; i <= udev_max_properties; ++i) {
        many += "K" + std::to_string(i) + "=v\n";
    }
    EXPECT_FALSE(parse_udev_properties(many).ok());
    EXPECT_FALSE(parse_udev_properties(std::string("\xff\xfe\x00\x01", 4)).ok());
    EXPECT_FALSE(parse_udev_database(std::string(udev_max_text_bytes + 1, 'x')).ok());
}

TEST(UdevProperties, ReadsEveryDeviceOfAnExportDb) {
    auto records = parse_udev_database(read_data("export_db_excerpt.txt"));
    ASSERT_TRUE(records.ok()) << records.error().message;
    ASSERT_EQ(records->size(), 3U);
    EXPECT_EQ((*records)[0].devnode, "loop0");
    EXPECT_EQ((*records)[1].properties.at("ID_SERIAL"), "36001405e3a9b1f8c2d24a5ca1c3b5f0d");
    EXPECT_EQ((*records)[2].properties.at("DM_UUID"), "mpath-36001405e3a9b1f8c2d24a5ca1c3b5f0d");
}

TEST(UdevProperties, ReportsTheLineOfABadRecordInsideADatabase) {
    std::string db = read_data("export_db_excerpt.txt");
    db += "P: /devices/x\nE: GOOD=1\nE: =bad\n";
    auto records = parse_udev_database(db);
    ASSERT_FALSE(records.ok());
    EXPECT_NE(records.error().message.find("line 36"), std::string::npos) << records.error().message;
}

TEST(Uevents, ParsesAKernelAddEvent) {
    auto event = parse_uevent(read_data("uevent_add_sdb.bin"));
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->action, "add");
    EXPECT_EQ(event->devpath, "/devices/platform/host2/session1/target2:0:0/2:0:0:0/block/sdb");
    EXPECT_EQ(event->properties.at("DEVNAME"), "sdb");
    EXPECT_EQ(event->properties.at("SEQNUM"), "4242");
}

TEST(Uevents, ParsesADmChangeEventWithoutTheFinalNul) {
    std::string raw = read_data("uevent_change_dm.bin");
    ASSERT_EQ(raw.back(), '\0');
    raw.pop_back();
    auto event = parse_uevent(raw);
    ASSERT_TRUE(event.ok()) << event.error().message;
    EXPECT_EQ(event->action, "change");
    EXPECT_EQ(event->properties.at("DM_COOKIE"), "6291633");
}

TEST(Uevents, RejectsBadHeadersFieldsAndContradictions) {
    using namespace std::string_literals;
    for (const std::string& bad : {
             ""s,
             "add/devices/x\0A=1\0"s,             // no '@'
             "@/devices/x\0"s,                    // no action
             "ADD@/devices/x\0"s,                 // action not lower case
             "add@devices/x\0"s,                  // relative devpath
             "add@/devices/x\0A=1\0\0B=2\0"s,     // empty field in the middle
             "add@/devices/x\0NOEQUALS\0"s,       // field without '='
             "add@/devices/x\0ACTION=remove\0"s,  // contradicts the header
             "add@/devices/x\0DEVPATH=/devices/y\0"s,
             "add@/devices/x\0A=1\0A=2\0"s,  // duplicate
             "libudev\0\xfe\xed\xca\xfe"s,   // a libudev monitor message
         }) {
        EXPECT_FALSE(parse_uevent(bad).ok()) << bad;
    }
    auto empty_field = parse_uevent(std::string("add@/devices/x\0A=1\0\0B=2\0", 25));
    ASSERT_FALSE(empty_field.ok());
    EXPECT_NE(empty_field.error().message.find("byte 19"), std::string::npos) << empty_field.error().message;
    EXPECT_FALSE(parse_uevent(std::string(uevent_max_bytes + 1, 'a')).ok());
}

TEST(Uevents, RejectsEveryTruncationInsideTheHeader) {
    const std::string raw = read_data("uevent_add_sdb.bin");
    for (std::size_t cut = 0; cut <= 4; ++cut) {
        EXPECT_FALSE(parse_uevent(raw.substr(0, cut)).ok()) << cut;
    }
}

TEST(PropertyNames, AreTheSortedNamesWithoutValues) {
    const auto names = property_names_of(UdevProperties{{"ID_WWN", "0x6001405a"}, {"DEVTYPE", "disk"}});
    ASSERT_TRUE(names);
    EXPECT_EQ(*names, (std::vector<std::string>{"DEVTYPE", "ID_WWN"}));
}

TEST(APropertyNamePool, GivesDisksWithTheSameNamesOneSharedSet) {
    UdevPropertyNamePool pool;
    const UdevProperties sdb{{"DEVTYPE", "disk"}, {"ID_SERIAL", "36001405aaaa"}};
    const UdevProperties sdc{{"DEVTYPE", "disk"}, {"ID_SERIAL", "36001405bbbb"}};  // other values, same names
    const UdevProperties usb{{"DEVTYPE", "disk"}, {"ID_USB_DRIVER", "usb-storage"}};
    const auto first = pool.intern(property_names_of(sdb));
    const auto second = pool.intern(property_names_of(sdc));
    const auto other = pool.intern(property_names_of(usb));
    EXPECT_EQ(first.get(), second.get());
    EXPECT_NE(first.get(), other.get());
    EXPECT_EQ(*other, (std::vector<std::string>{"DEVTYPE", "ID_USB_DRIVER"}));
    EXPECT_EQ(pool.size(), 2u);
    EXPECT_EQ(pool.intern(nullptr), nullptr);
}

TEST(APropertyNamePool, DropsASetNoDiskHoldsAnyMoreWhenANewOneComesIn) {
    UdevPropertyNamePool pool;
    auto gone = pool.intern(property_names_of(UdevProperties{{"A", "1"}}));
    const auto kept = pool.intern(property_names_of(UdevProperties{{"B", "1"}}));
    gone.reset();  // its only disk went away
    EXPECT_EQ(pool.size(), 2u);
    const auto next = pool.intern(property_names_of(UdevProperties{{"C", "1"}}));
    EXPECT_EQ(pool.size(), 2u);  // B and C
    EXPECT_EQ(pool.intern(property_names_of(UdevProperties{{"B", "2"}})).get(), kept.get());
    EXPECT_EQ(pool.intern(property_names_of(UdevProperties{{"C", "2"}})).get(), next.get());
}

TEST(UdevClaimOf, IsClaimedOnlyWhenTheHelperSaidOneAndUnknownWhenTheRuleDidNotRun) {
    EXPECT_EQ(udev_claim_of(UdevProperties{{"DEVTYPE", "disk"}, {"DM_MULTIPATH_DEVICE_PATH", "1"}}),
              UdevClaim::Claimed);
    EXPECT_EQ(udev_claim_of(UdevProperties{{"DEVTYPE", "disk"}, {"DM_MULTIPATH_DEVICE_PATH", "0"}}),
              UdevClaim::NotClaimed);
    EXPECT_EQ(udev_claim_of(UdevProperties{{"DEVTYPE", "disk"}}), UdevClaim::Unknown);
    EXPECT_EQ(udev_claim_of(UdevProperties{}), UdevClaim::Unknown);
}
