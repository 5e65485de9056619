#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config_file.hpp"
#include "core/blacklist.hpp"

namespace pathkeeper::core {
namespace {

PathInfo disk(std::string devnode, std::string wwid = "36001405aaaa", std::string vendor = "LIO-ORG",
              std::string product = "disk01") {
    PathInfo p;
    p.devnode = std::move(devnode);
    p.wwid = std::move(wwid);
    p.vendor = std::move(vendor);
    p.product = std::move(product);
    return p;
}

UdevPropertyNames names(std::vector<std::string> list) {
    return std::make_shared<const std::vector<std::string>>(std::move(list));
}

Config parsed(const std::string& yaml) {
    auto r = config::parse_config(yaml, "bl.yaml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Config{};
}

TEST(TheBuiltInBlacklist, LetsScsiDisksThrough) {
    EXPECT_FALSE(is_blacklisted(Config{}, disk("sdb")).blacklisted);
    EXPECT_FALSE(is_blacklisted(Config{}, disk("sdaa")).blacklisted);
}

TEST(TheBuiltInBlacklist, RejectsEverythingThatIsNotSdDasdOrNvme) {
    for (const char* dev : {"ram0", "zram0", "loop3", "dm-0", "sr0", "md127", "fd0", "vda", "xvda", "st0"}) {
        auto v = is_blacklisted(Config{}, disk(dev));
        EXPECT_TRUE(v.blacklisted) << dev;
        EXPECT_EQ(v.category, BlacklistCategory::Devnode) << dev;
    }
    EXPECT_NE(is_blacklisted(Config{}, disk("dm-0")).reason.find("built-in"), std::string::npos);
}

TEST(TheBuiltInBlacklist, RejectsArrayManagementLuns) {
    auto v = is_blacklisted(Config{}, disk("sdc", "3600", "DGC", "LUNZ"));
    EXPECT_TRUE(v.blacklisted);
    EXPECT_EQ(v.category, BlacklistCategory::Device);
    EXPECT_TRUE(is_blacklisted(Config{}, disk("sdc", "3600", "NETAPP", "Universal Xport")).blacklisted);
}

TEST(TheBuiltInBlacklist, RejectsAPathWithoutAScsiIdentityPropertyWhenUdevPropertiesAreKnown) {
    PathInfo p = disk("sdb");
    p.udev_property_names = names({"DEVTYPE", "ID_BUS"});
    auto v = is_blacklisted(Config{}, p);
    EXPECT_TRUE(v.blacklisted);
    EXPECT_EQ(v.category, BlacklistCategory::Property);
    p.udev_property_names = names({"DEVTYPE", "ID_BUS", "ID_WWN"});
    EXPECT_FALSE(is_blacklisted(Config{}, p).blacklisted);
    p.udev_property_names = names({"DEVTYPE", "ID_BUS", "SCSI_IDENT_LUN_NAA_REGEXT"});
    EXPECT_FALSE(is_blacklisted(Config{}, p).blacklisted);
}

TEST(TheBuiltInBlacklist, DoesNotJudgePropertiesOfAPathWhoseUdevDataIsUnknown) {
    EXPECT_FALSE(is_blacklisted(Config{}, disk("sdb")).blacklisted);
    PathInfo none_known = disk("sdb");
    none_known.udev_property_names = names({});
    EXPECT_FALSE(is_blacklisted(Config{}, none_known).blacklisted);
}

TEST(AUserBlacklist, RejectsAMatchingWwidAndSaysWhere) {
    auto config = parsed("blacklist:\n  wwid: \"^36001405aa\"\n");
    auto v = is_blacklisted(config, disk("sdb"));
    EXPECT_TRUE(v.blacklisted);
    EXPECT_EQ(v.category, BlacklistCategory::Wwid);
    EXPECT_NE(v.reason.find("bl.yaml:2:9"), std::string::npos) << v.reason;
}

TEST(AUserBlacklist, RejectsAMatchingVendorWhateverTheProduct) {
    auto config = parsed("blacklist:\n  device:\n    - vendor: \"^LIO\"\n");
    EXPECT_TRUE(is_blacklisted(config, disk("sdb")).blacklisted);
    EXPECT_FALSE(is_blacklisted(config, disk("sdb", "3600", "IET", "VIRTUAL-DISK")).blacklisted);
}

TEST(AUserBlacklist, RejectsADevnode) {
    auto config = parsed("blacklist:\n  devnode: [\"^sda$\"]\n");
    EXPECT_TRUE(is_blacklisted(config, disk("sda")).blacklisted);
    EXPECT_FALSE(is_blacklisted(config, disk("sdab")).blacklisted);
}

TEST(AUserBlacklist, RejectsAPathCarryingABlacklistedProperty) {
    auto config = parsed("blacklist:\n  property: \"^ID_USB\"\n");
    PathInfo p = disk("sdb");
    p.udev_property_names = names({"ID_USB_DRIVER", "SCSI_IDENT_SERIAL"});
    // Names are sorted: ID_USB_DRIVER is seen before the excepted SCSI_IDENT_ property.
    EXPECT_TRUE(is_blacklisted(config, p).blacklisted);
}

TEST(ABlacklistException, WinsOverTheBlacklistOfTheSameKind) {
    auto config = parsed(
        "blacklist:\n  wwid: \".*\"\n"
        "blacklist_exceptions:\n  wwid: \"^36001405aaaa$\"\n");
    EXPECT_FALSE(is_blacklisted(config, disk("sdb", "36001405aaaa")).blacklisted);
    EXPECT_TRUE(is_blacklisted(config, disk("sdc", "36001405bbbb")).blacklisted);
}

TEST(ABlacklistException, CanLiftTheBuiltInDevnodeRule) {
    auto config = parsed("blacklist_exceptions:\n  devnode: \"^vd[a-z]\"\n");
    EXPECT_FALSE(is_blacklisted(config, disk("vdb")).blacklisted);
}

TEST(ABlacklistException, OfOneKindDoesNotLiftAnotherKindLikeMultipathTools) {
    auto config = parsed(
        "blacklist:\n  devnode: \"^sdb$\"\n"
        "blacklist_exceptions:\n  wwid: \"^36001405aaaa$\"\n");
    auto v = is_blacklisted(config, disk("sdb", "36001405aaaa"));
    EXPECT_TRUE(v.blacklisted);
    EXPECT_EQ(v.category, BlacklistCategory::Devnode);
}

TEST(ABlacklistException, ForADeviceLiftsTheBuiltInManagementLunRule) {
    auto config = parsed("blacklist_exceptions:\n  device:\n    - vendor: DGC\n      product: LUNZ\n");
    EXPECT_FALSE(is_blacklisted(config, disk("sdc", "3600", "DGC", "LUNZ")).blacklisted);
}

TEST(AUserBlacklist, RejectsAProtocolButAnExceptionLiftsIt) {
    auto config = parsed("blacklist:\n  protocol: \"scsi:(fcp|sas)\"\n");
    PathInfo fc = disk("sdb");
    fc.transport = Transport::Fc;
    auto v = is_blacklisted(config, fc);
    EXPECT_TRUE(v.blacklisted);
    EXPECT_EQ(v.category, BlacklistCategory::Protocol);
    PathInfo iscsi = disk("sdc");
    iscsi.transport = Transport::Iscsi;
    EXPECT_FALSE(is_blacklisted(config, iscsi).blacklisted);
    auto excepted =
        parsed("blacklist:\n  protocol: \".*\"\nblacklist_exceptions:\n  protocol: \"scsi:fcp\"\n");
    EXPECT_FALSE(is_blacklisted(excepted, fc).blacklisted);
}

TEST(TheBlacklistCheck, IgnoresTheWwidCategoryBeforeTheWwidIsKnown) {
    auto config = parsed("blacklist:\n  wwid: \".*\"\n");
    EXPECT_FALSE(is_blacklisted(config, disk("sdb", "")).blacklisted);
}

TEST(TheBlacklistCheck, WithExplicitEmptyListsBlacklistsNothing) {
    EXPECT_FALSE(is_blacklisted(BlacklistRules{}, BlacklistRules{}, disk("loop0")).blacklisted);
}

}  // namespace
}  // namespace pathkeeper::core
