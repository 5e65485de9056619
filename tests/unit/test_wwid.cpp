#include <gtest/gtest.h>

#include <string>

#include "core/wwid.hpp"

namespace pathkeeper::core {
namespace {

// The message of a refused WWID, or "" when the rule accepts it.
std::string refusal(std::string_view wwid) {
    auto checked = check_wwid(wwid);
    EXPECT_EQ(checked.ok(), valid_wwid(wwid)) << wwid;
    return checked ? std::string() : checked.error().message;
}

TEST(TheWwidRule, AcceptsWhatUdevAndTheKernelGiveForRealLogicalUnits) {
    for (const char* wwid : {
             "36001405aabbccddeeff0011223344556",                // NAA 6 (IEEE registered extended)
             "350014ee2b1c2d3e4",                                // NAA 5
             "2002538abcdef0123",                                // EUI-64
             "1ATA_QEMU_HARDDISK_QM00001",                       // T10 vendor id after udev's clean-up
             "SATA_Samsung_SSD_860_S3Z9NB0K123456X",             // udev ID_SERIAL of an ATA disk
             "0QEMU_QEMU_HARDDISK_drive-scsi0-0-0-1",            // vendor-specific designator form
             "8iqn.2003-01.org.linux-iscsi.host:sn.1234,t,0x1",  // SCSI name string
             "333333330000007d0",                                // scsi_debug
             "1\\x2aodd#+-.:=@_",                                // udev's kept escapes and punctuation
         }) {
        EXPECT_EQ(refusal(wwid), "") << wwid;
    }
    EXPECT_EQ(refusal(std::string(wwid_max_chars, '3')), "");
}

TEST(TheWwidRule, RefusesEachBadInputNamingItAndWhy) {
    struct Case {
        std::string wwid;
        std::string message;
    };
    const Case cases[] = {
        {"", "WWID '' is empty"},
        {"3600 a0b8", "WWID '3600 a0b8' contains whitespace"},
        {"3600\ta0b8", "WWID '3600\\x09a0b8' contains whitespace"},
        {"3600\nPATHKEEPER_WWID=x", "WWID '3600\\x0aPATHKEEPER_WWID=x' contains whitespace"},
        {std::string("36\0x", 4), "WWID '36\\x00x' contains control characters"},
        {"36\x7f", "WWID '36\\x7f' contains control characters"},
        {"36\xc3\xa9", "WWID '36\\xc3\\xa9' contains non-ASCII bytes"},
        {"3600/a0b8", "WWID '3600/a0b8' contains '/'"},
        {"../../etc", "WWID '../../etc' contains '/'"},
        {".", "WWID '.' is a directory name"},
        {"..", "WWID '..' is a directory name"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(refusal(c.wwid), c.message);
        EXPECT_EQ(check_wwid(c.wwid).error().code, ErrorCode::InvalidArgument);
    }
    const std::string too_long(wwid_max_chars + 1, '3');
    EXPECT_NE(refusal(too_long).find("is longer than the limit (123 bytes, at most 122)"), std::string::npos)
        << refusal(too_long);
}

TEST(TheWwidRule, KeepsTheMapUuidWithinWhatDeviceMapperStores) {
    // dm keeps at most 128 bytes of uuid (DM_UUID_LEN 129 with the NUL); maps are "mpath-<wwid>".
    EXPECT_LE(std::string("mpath-").size() + wwid_max_chars, 128U);
    // and a map named by its WWID fits a dm name (DM_NAME_LEN 128 with the NUL).
    EXPECT_LE(wwid_max_chars, 127U);
}

}  // namespace
}  // namespace pathkeeper::core
