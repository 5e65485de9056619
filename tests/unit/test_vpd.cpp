#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/vpd.hpp"

using namespace pathkeeper::core;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_data(const std::string& name) {
    std::ifstream in(std::string(PATHKEEPER_TEST_DATA_DIR) + "/vpd/" + name, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes designator(std::uint8_t byte0, std::uint8_t byte1, const Bytes& value) {
    // Built byte by byte: GCC 12's -Warray-bounds misfires on insert() of a small vector at -O2.
    Bytes d;
    d.reserve(4 + value.size());
    d.push_back(byte0);
    d.push_back(byte1);
    d.push_back(0);
    d.push_back(static_cast<std::uint8_t>(value.size()));
    for (const std::uint8_t b : value) {
        d.push_back(b);
    }
    return d;
}

Bytes text_bytes(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

Bytes page(const std::vector<Bytes>& designators) {
    Bytes body;
    for (const auto& d : designators) {
        for (const std::uint8_t b : d) {
            body.push_back(b);
        }
    }
    Bytes p{0x00, 0x83, static_cast<std::uint8_t>(body.size() >> 8),
            static_cast<std::uint8_t>(body.size() & 0xff)};
    for (const std::uint8_t b : body) {
        p.push_back(b);
    }
    return p;
}

Result<std::string> wwid_of(const Bytes& raw) {
    auto parsed = parse_vpd_pg83(raw);
    if (!parsed) {
        return parsed.error();
    }
    return wwid_from_vpd_pg83(*parsed);
}

const Bytes naa6 = designator(
    0x01, 0x03,
    {0x60, 0x01, 0x40, 0x5e, 0x3a, 0x9b, 0x1f, 0x8c, 0x2d, 0x24, 0xa5, 0xca, 0x1c, 0x3b, 0x5f, 0x0d});
const Bytes naa5 = designator(0x01, 0x03, {0x50, 0x01, 0x40, 0x50, 0x00, 0x00, 0x00, 0x01});
const Bytes eui64 = designator(0x01, 0x02, {0x00, 0x25, 0x38, 0xAB, 0xCD, 0xEF, 0x01, 0x23});
const Bytes t10 = designator(0x02, 0x01, text_bytes("ACME    DISK0           SN 1234   "));

}  // namespace

TEST(VpdPage83, ParsesEveryDesignatorOfALioPage) {
    auto parsed = parse_vpd_pg83(read_data("lio_iblock_iscsi.bin"));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    ASSERT_EQ(parsed->designators.size(), 7U);
    const auto& naa = parsed->designators[0];
    EXPECT_EQ(naa.type, static_cast<std::uint8_t>(DesignatorType::Naa));
    EXPECT_EQ(naa.code_set, 1U);
    EXPECT_EQ(naa.association, DesignatorAssociation::LogicalUnit);
    EXPECT_EQ(naa.value.size(), 16U);
    const auto& name = parsed->designators[5];
    EXPECT_EQ(name.type, static_cast<std::uint8_t>(DesignatorType::ScsiNameString));
    EXPECT_EQ(name.association, DesignatorAssociation::TargetPort);
    EXPECT_TRUE(name.piv);
    EXPECT_EQ(name.protocol_id, 5U);  // iSCSI
    EXPECT_EQ(target_port_group(*parsed), 1U);
}

TEST(VpdPage83, GivesALioLunTheWwidUdevPutsInIdSerial) {
    auto wwid = wwid_of(read_data("lio_iblock_iscsi.bin"));
    ASSERT_TRUE(wwid.ok()) << wwid.error().message;
    EXPECT_EQ(*wwid, "36001405e3a9b1f8c2d24a5ca1c3b5f0d");
}

TEST(VpdPage83, GivesAScsiDebugLunItsLocallyAssignedNaaLikeScsiId) {
    // scsi_id takes any NAA before the T10 vendor id, so scsi_debug's NAA-3 wins.
    auto wwid = wwid_of(read_data("scsi_debug_lun.bin"));
    ASSERT_TRUE(wwid.ok()) << wwid.error().message;
    EXPECT_EQ(*wwid, "333333330000007d0");
    auto page = parse_vpd_pg83(read_data("scsi_debug_lun.bin"));
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(target_port_group(*page), 0x100U);
}

TEST(VpdPage83, IgnoresTheZeroPaddingOfAnSgioBuffer) {
    auto wwid = wwid_of(read_data("scsi_debug_lun_sgio_padded.bin"));
    ASSERT_TRUE(wwid.ok()) << wwid.error().message;
    EXPECT_EQ(*wwid, "333333330000007d0");
}

TEST(VpdPage83, PrefersRegisteredExtendedNaaWhereverItStands) {
    EXPECT_EQ(*wwid_of(page({t10, naa5, eui64, naa6})), "36001405e3a9b1f8c2d24a5ca1c3b5f0d");
    EXPECT_EQ(*wwid_of(page({t10, eui64, naa5})), "35001405000000001");
}

TEST(VpdPage83, TakesEui64BeforeTheT10VendorId) {
    EXPECT_EQ(*wwid_of(page({t10, eui64})), "2002538abcdef0123");
}

TEST(VpdPage83, BuildsAT10WwidWithUdevWhitespaceRules) {
    EXPECT_EQ(*wwid_of(page({t10})), "1ACME_DISK0_SN_1234");
}

TEST(VpdPage83, IgnoresDesignatorsOfTargetPortsAndDevices) {
    const Bytes port_naa =
        designator(0x61, 0x93, {0x60, 0x01, 0x40, 0x5e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2});
    const Bytes device_naa =
        designator(0x61, 0xa3, {0x60, 0x01, 0x40, 0x5e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3});
    EXPECT_EQ(*wwid_of(page({port_naa, device_naa, t10})), "1ACME_DISK0_SN_1234");
    auto none = wwid_of(page({port_naa, device_naa}));
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code, ErrorCode::NotFound);
}

TEST(VpdPage83, FallsBackToAScsiNameStringLikeMultipathTools) {
    const Bytes iqn =
        designator(0x03, 0x08, text_bytes(std::string("iqn.2005-10.org.freenas.ctl:disk1\0\0\0", 36)));
    EXPECT_EQ(*wwid_of(page({iqn})), "82005-10.org.freenas.ctl:disk1");
    const Bytes naa_name = designator(0x03, 0x08, text_bytes(std::string("naa.6001405ABCDEF\0\0\0", 20)));
    EXPECT_EQ(*wwid_of(page({naa_name})), "36001405abcdef");
    const Bytes other = designator(0x03, 0x08, text_bytes("urn:uuid:1234"));
    EXPECT_FALSE(wwid_of(page({other})).ok());
}

TEST(VpdPage83, SkipsZeroLengthAndBlankDesignators) {
    const Bytes empty_naa = designator(0x01, 0x03, {});
    const Bytes blank_t10 = designator(0x02, 0x01, text_bytes("        "));
    EXPECT_EQ(*wwid_of(page({empty_naa, blank_t10, eui64})), "2002538abcdef0123");
    auto none = wwid_of(page({empty_naa, blank_t10}));
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().code, ErrorCode::NotFound);
}

TEST(VpdPage83, CleansNonAsciiVendorIdsButKeepsValidUtf8) {
    // udev's clean-up keeps valid UTF-8; the WWID rule then refuses the result (printable ASCII only).
    EXPECT_EQ(udev_clean_serial("1ACME\xff/x\xc3\xa9!z"), "1ACME__x\xc3\xa9_z");
    const Bytes odd = designator(0x02, 0x01, {'A', 'C', 'M', 'E', 0xff, '/', 'x', 0xc3, 0xa9, '!', 'z'});
    auto refused = wwid_of(page({odd}));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("WWID '1ACME__x\\xc3\\xa9_z' contains non-ASCII bytes"),
              std::string::npos)
        << refused.error().message;
    const Bytes ascii = designator(0x02, 0x01, {'A', 'C', 'M', 'E', 0xff, '/', 'x', '!', 'z'});
    EXPECT_EQ(*wwid_of(page({ascii})), "1ACME__x_z");
    const Bytes with_nul = designator(0x02, 0x01, {'A', 'B', 0x00, 'C', 'D'});
    EXPECT_EQ(*wwid_of(page({with_nul})), "1AB");
}

TEST(VpdPage83, ReadsTheScsi2FormatOfOldArrays) {
    Bytes raw{0x00, 0x83, 0x00, 0x10, 0x60, 0x06, 0x04, 0x80, 0x00, 0x01,
              0x87, 0x00, 0x01, 0x23, 0x53, 0x30, 0x30, 0x31, 0x32, 0x33};
    auto parsed = parse_vpd_pg83(raw);
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed->scsi2_format);
    EXPECT_EQ(*wwid_from_vpd_pg83(*parsed),
              "3600604800001870001235330303132"
              "33");
}

TEST(VpdPage83, RefusesWwidsOverTheLimitInsteadOfCuttingThem) {
    // udev's ID_SERIAL of this LUN would be the whole text: a cut WWID would not match it.
    const Bytes longest = designator(0x02, 0x01, Bytes(255, 'A'));
    auto wwid = wwid_of(page({longest}));
    ASSERT_FALSE(wwid.ok());
    EXPECT_EQ(wwid.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(wwid.error().message.find("designator at byte 4"), std::string::npos) << wwid.error().message;
    EXPECT_NE(wwid.error().message.find("at most " + std::to_string(wwid_max_chars)), std::string::npos);
    const Bytes fits = designator(0x02, 0x01, Bytes(wwid_max_chars - 1, 'A'));
    auto longest_allowed = wwid_of(page({fits}));
    ASSERT_TRUE(longest_allowed.ok()) << longest_allowed.error().message;
    EXPECT_EQ(longest_allowed->size(), wwid_max_chars);
}

TEST(VpdPage83, RefusesTextDesignatorsThatGiveNonAsciiOrSlashWwids) {
    auto utf8 = wwid_of(page({designator(0x02, 0x01, Bytes{'A', 'C', 'M', 'E', 0xc3, 0xa9, '1'})}));
    ASSERT_FALSE(utf8.ok());
    EXPECT_NE(utf8.error().message.find("non-ASCII"), std::string::npos) << utf8.error().message;
    const std::string name = "iqn.2003-01.org.example/lun1";
    auto slash = wwid_of(page({designator(0x03, 0x08, Bytes(name.begin(), name.end()))}));
    ASSERT_FALSE(slash.ok());
    EXPECT_NE(slash.error().message.find("'/'"), std::string::npos) << slash.error().message;
    auto sysfs = wwid_from_sysfs_wwid("iqn.2003-01.org.example/lun1");
    ASSERT_FALSE(sysfs.ok());
    EXPECT_NE(sysfs.error().message.find("'/'"), std::string::npos) << sysfs.error().message;
}

TEST(VpdPage83, RejectsShortWrongAndTruncatedPagesNamingTheOffset) {
    EXPECT_FALSE(parse_vpd_pg83(Bytes{}).ok());
    EXPECT_FALSE(parse_vpd_pg83(Bytes{0x00, 0x83, 0x00}).ok());
    auto wrong = parse_vpd_pg83(Bytes{0x00, 0x80, 0x00, 0x00});
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().message.find("0x80"), std::string::npos);

    Bytes raw = read_data("lio_iblock_iscsi.bin");
    ASSERT_GT(raw.size(), 40U);
    for (std::size_t cut = 0; cut < raw.size(); ++cut) {
        EXPECT_FALSE(parse_vpd_pg83(Bytes(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(cut))).ok())
            << "cut at " << cut;
    }
}

TEST(VpdPage83, RejectsADesignatorLengthRunningPastThePage) {
    Bytes raw = page({naa6, t10});
    raw[4 + naa6.size() + 3] = 200;  // the T10 designator claims 200 bytes
    auto parsed = parse_vpd_pg83(raw);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("byte 24"), std::string::npos) << parsed.error().message;

    Bytes header_cut = page({naa6});
    header_cut.push_back(0x02);
    header_cut.push_back(0x01);
    header_cut[3] = static_cast<std::uint8_t>(header_cut.size() - 4);
    EXPECT_FALSE(parse_vpd_pg83(header_cut).ok());
}

TEST(VpdPage83, NeverCrashesOnPseudoRandomGarbage) {
    std::uint32_t state = 12345;
    for (int round = 0; round < 2000; ++round) {
        Bytes raw(static_cast<std::size_t>(round % 300));
        for (auto& b : raw) {
            state = state * 1664525U + 1013904223U;
            b = static_cast<std::uint8_t>(state >> 24);
        }
        if (raw.size() > 1 && round % 2 == 0) {
            raw[1] = 0x83;
        }
        auto parsed = parse_vpd_pg83(raw);
        if (parsed.ok()) {
            (void)wwid_from_vpd_pg83(*parsed);
        }
    }
    SUCCEED();
}

TEST(SysfsWwid, ConvertsKernelSpellingsToIdSerialForm) {
    EXPECT_EQ(*wwid_from_sysfs_wwid("naa.6001405E3A9B1F8C2D24A5CA1C3B5F0D\n"),
              "36001405e3a9b1f8c2d24a5ca1c3b5f0d");
    EXPECT_EQ(*wwid_from_sysfs_wwid("eui.002538abcdef0123"), "2002538abcdef0123");
    EXPECT_EQ(*wwid_from_sysfs_wwid("t10.ATA     QEMU HARDDISK                           QM00001\n"),
              "1ATA_QEMU_HARDDISK_QM00001");
    EXPECT_EQ(*wwid_from_sysfs_wwid(std::string("iqn.2005-10.org.freenas.ctl:disk1\0\0", 35)),
              "82005-10.org.freenas.ctl:disk1");
}

TEST(SysfsWwid, RejectsUnknownShortAndNonHexSpellings) {
    for (const char* bad : {"", "naa.", "\n", "naa.60014zz", "foo.1234", "6001405e3a9b", "t10.    "}) {
        EXPECT_FALSE(wwid_from_sysfs_wwid(bad).ok()) << bad;
    }
}
