#include "cli/mpathpersist/format.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace pathkeeper::mpathpersist {
namespace {

// fence_mpath's parsing: every line matching the first is a key; the second (case-insensitive) finds the
// reservation holder.
std::vector<std::string> fence_keys(const std::string& output) {
    const std::regex key_line(R"(\s+0x(\S+)\s*)");
    std::vector<std::string> keys;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (std::regex_search(line, match, key_line)) {
            keys.push_back(match[1]);
        }
    }
    return keys;
}

std::optional<std::string> fence_holder(const std::string& output) {
    const std::regex holder(R"(\s+key\s*=\s*0x(\S+)\s+)", std::regex::icase);
    std::smatch match;
    if (std::regex_search(output, match, holder)) {
        return match[1];
    }
    return std::nullopt;
}

TEST(MpathpersistFormat, ReadKeysGolden) {
    core::PrKeyList keys;
    keys.generation = 0x1a;
    keys.keys = {0x1f2e0001, 0xabc, 0x1f2e0001};
    EXPECT_EQ(format_read_keys(keys),
              "  PR generation=0x1a, 3 registered reservation key(s) follow:\n"
              "    0x1f2e0001\n"
              "    0xabc\n"
              "    0x1f2e0001\n");
    EXPECT_EQ(format_read_keys(core::PrKeyList{}),
              "  PR generation=0x0, there are NO registered reservation keys\n");
}

TEST(MpathpersistFormat, ReadReservationGolden) {
    core::PrReservation reservation;
    reservation.generation = 7;
    EXPECT_EQ(format_read_reservation(reservation), "  PR generation=0x7, there is NO reservation held\n");
    reservation.holder = core::PrHolder{0x1f2e0001, 0, 5, core::PrType::WriteExclusiveRegistrantsOnly};
    EXPECT_EQ(format_read_reservation(reservation),
              "  PR generation=0x7, Reservation follows:\n"
              "   Key = 0x1f2e0001\n"
              "  scope = LU_SCOPE, type = Write Exclusive, registrants only\n");
}

TEST(MpathpersistFormat, CapabilitiesGolden) {
    core::PrCapabilities caps;
    caps.crh = true;
    caps.atp_c = true;
    caps.ptpl_c = true;
    caps.tmv = true;
    caps.allow_commands = 1;
    caps.type_mask = (1U << 1) | (1U << 3) | (1U << 5) | (1U << 6);
    EXPECT_EQ(format_capabilities(caps),
              "Report capabilities response:\n"
              "  Compatible Reservation Handling(CRH): 1\n"
              "  Specify Initiator Ports Capable(SIP_C): 0\n"
              "  All Target Ports Capable(ATP_C): 1\n"
              "  Persist Through Power Loss Capable(PTPL_C): 1\n"
              "  Type Mask Valid(TMV): 1\n"
              "  Allow Commands: 1\n"
              "  Persist Through Power Loss Active(PTPL_A): 0\n"
              "    Support indicated in Type mask:\n"
              "      Write Exclusive, all registrants: 0\n"
              "      Exclusive Access, registrants only: 1\n"
              "      Write Exclusive, registrants only: 1\n"
              "      Exclusive Access: 1\n"
              "      Write Exclusive: 1\n"
              "      Exclusive Access, all registrants: 0\n");
}

TEST(MpathpersistFormat, HexDump) {
    std::vector<std::uint8_t> bytes(18);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = static_cast<std::uint8_t>(i);
    }
    EXPECT_EQ(format_hex(bytes),
              "00     00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f\n"
              "10     10 11\n");
    EXPECT_EQ(format_hex({}), "");
}

TEST(MpathpersistFormat, FenceMpathRegexesFindTheKeys) {
    core::PrKeyList keys;
    keys.generation = 0x10;  // a header "0x" must not be taken for a key
    keys.keys = {0x1f2e0001, 0xdead0002};
    EXPECT_EQ(fence_keys(format_read_keys(keys)), (std::vector<std::string>{"1f2e0001", "dead0002"}));
    EXPECT_TRUE(fence_keys(format_read_keys(core::PrKeyList{0x22, {}, false, 0})).empty());
    keys.truncated = true;
    keys.required_length = 4096;
    EXPECT_EQ(fence_keys(format_read_keys(keys)), (std::vector<std::string>{"1f2e0001", "dead0002"}));

    core::PrReservation reservation;
    reservation.generation = 0x10;
    EXPECT_EQ(fence_holder(format_read_reservation(reservation)), std::nullopt);
    reservation.holder = core::PrHolder{0x1f2e0001, 0, 5, core::PrType::WriteExclusiveRegistrantsOnly};
    EXPECT_EQ(fence_holder(format_read_reservation(reservation)), "1f2e0001");
    // The reservation output holds no line fence_mpath would misread as a registered key but the holder's.
    EXPECT_EQ(fence_keys(format_read_reservation(reservation)), (std::vector<std::string>{"1f2e0001"}));
}

TEST(MpathpersistFormat, TypeDescriptions) {
    EXPECT_EQ(type_description(1), "Write Exclusive");
    EXPECT_EQ(type_description(8), "Exclusive Access, all registrants");
    EXPECT_EQ(type_description(2), "obsolete [2]");
    EXPECT_EQ(type_description(12), "reserved [12]");
}

}  // namespace
}  // namespace pathkeeper::mpathpersist
