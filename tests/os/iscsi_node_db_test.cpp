#include "os/iscsi_node_db.hpp"

#include <gtest/gtest.h>

#include "fake_sysfs.hpp"
#include "temp_dir.hpp"

namespace pathkeeper::os {
namespace {

namespace fs = std::filesystem;
using testing::write_file;

// As iscsiadm -m discovery writes it (open-iscsi 2.1.8, Debian 12), cut to the lines around the one read.
const char* const kRecord =
    "# BEGIN RECORD 2.1.8\n"
    "node.name = iqn.2003-01.org.linux-iscsi.target:sn.1234\n"
    "node.tpgt = 1\n"
    "node.session.timeo.replacement_timeout = 5\n"
    "node.conn[0].timeo.noop_out_interval = 2\n"
    "# END RECORD\n";

TEST(AnIscsiNodeRecord, GivesItsReplacementTimeout) {
    EXPECT_EQ(replacement_timeout_from_record(kRecord), 5u);
    EXPECT_EQ(replacement_timeout_from_record("  node.session.timeo.replacement_timeout=120  \r\n"), 120u);
}

TEST(AnIscsiNodeRecord, WithoutTheLineOrWithABadValueGivesNothing) {
    EXPECT_EQ(replacement_timeout_from_record("node.tpgt = 1\n"), std::nullopt);
    EXPECT_EQ(replacement_timeout_from_record("# node.session.timeo.replacement_timeout = 5\n"),
              std::nullopt);
    EXPECT_EQ(replacement_timeout_from_record("node.session.timeo.replacement_timeout = five\n"),
              std::nullopt);
    EXPECT_EQ(replacement_timeout_from_record("node.session.timeo.replacement_timeout = -1\n"), std::nullopt);
    EXPECT_EQ(replacement_timeout_from_record("node.session.timeo.replacement_timeout =\n"), std::nullopt);
    EXPECT_EQ(replacement_timeout_from_record("node.session.timeo.replacement_timeout_x = 5\n"),
              std::nullopt);
}

class ANodeDatabase : public ::testing::Test {
protected:
    testing::TempDir dir_;
    fs::path db() const { return dir_.path() / "nodes"; }
    const IscsiNodeKey key_{"iqn.2003-01.org.linux-iscsi.target:sn.1234", "10.77.1.1", "3260", "1",
                            "default"};
};

TEST_F(ANodeDatabase, FindsTheSessionsRecordByTargetPortalTpgtAndIface) {
    write_file(db() / key_.target_iqn / "10.77.1.1,3260,1" / "default", kRecord);
    write_file(db() / key_.target_iqn / "10.77.2.1,3260,1" / "default",
               "node.session.timeo.replacement_timeout = 120\n");
    EXPECT_EQ(configured_replacement_timeout(db(), key_), 5u);
    IscsiNodeKey other = key_;
    other.address = "10.77.2.1";
    EXPECT_EQ(configured_replacement_timeout(db(), other), 120u);
    other.iface = "eth1";  // no record for that iface
    EXPECT_EQ(configured_replacement_timeout(db(), other), std::nullopt);
}

TEST_F(ANodeDatabase, ReadsTheOlderFlatLayoutWhereThePortalEntryIsTheRecord) {
    write_file(db() / key_.target_iqn / "10.77.1.1,3260,1", kRecord);
    EXPECT_EQ(configured_replacement_timeout(db(), key_), 5u);
}

TEST_F(ANodeDatabase, GivesNothingForAMissingRecordOrNamesThatWouldLeaveIt) {
    EXPECT_EQ(configured_replacement_timeout(db(), key_), std::nullopt);
    write_file(dir_.path() / "default", kRecord);
    IscsiNodeKey escape = key_;
    escape.target_iqn = "..";
    escape.address = "..";
    escape.port = "";
    EXPECT_EQ(configured_replacement_timeout(db(), escape), std::nullopt);
    escape = key_;
    escape.target_iqn = "../../x";
    EXPECT_EQ(configured_replacement_timeout(db(), escape), std::nullopt);
}

}  // namespace
}  // namespace pathkeeper::os
