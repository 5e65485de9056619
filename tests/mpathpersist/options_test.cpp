#include "cli/mpathpersist/options.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

namespace pathkeeper::mpathpersist {
namespace {

core::Result<Request> parse(std::initializer_list<std::string_view> args) {
    const std::vector<std::string_view> list(args);
    return parse_options(list);
}

std::string error_of(std::initializer_list<std::string_view> args) {
    auto result = parse(args);
    EXPECT_FALSE(result.ok());
    return result.ok() ? std::string() : result.error().message;
}

TEST(MpathpersistOptions, FenceMpathReadKeys) {
    auto request = parse({"-i", "-k", "-d", "/dev/mapper/mpatha"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->in_action, core::PrInAction::ReadKeys);
    EXPECT_FALSE(request->out_action);
    EXPECT_EQ(request->device, "/dev/mapper/mpatha");
}

TEST(MpathpersistOptions, FenceMpathReadReservation) {
    auto request = parse({"-i", "-r", "-d", "/dev/mapper/mpatha"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->in_action, core::PrInAction::ReadReservation);
}

TEST(MpathpersistOptions, FenceMpathRegister) {
    auto request = parse({"-o", "--register", "--param-sark=1f2e0001", "-d", "/dev/mapper/mpatha"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->out_action, core::PrOutAction::Register);
    EXPECT_EQ(request->service_action_key, 0x1f2e0001U);
    EXPECT_EQ(request->reservation_key, 0U);
    EXPECT_FALSE(request->type);
}

TEST(MpathpersistOptions, FenceMpathReserve) {
    auto request = parse({"-o", "--reserve", "--prout-type=5", "--param-rk=0x1f2e0001", "-d", "/dev/dm-3"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->out_action, core::PrOutAction::Reserve);
    EXPECT_EQ(request->type, core::PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(request->reservation_key, 0x1f2e0001U);
    EXPECT_EQ(request->device, "/dev/dm-3");
}

TEST(MpathpersistOptions, FenceMpathPreemptAbort) {
    auto request = parse({"-o", "--preempt-abort", "--prout-type=5", "--param-rk=abc1", "--param-sark=def2",
                          "-d", "/dev/mapper/mpatha"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->out_action, core::PrOutAction::PreemptAndAbort);
    EXPECT_EQ(request->reservation_key, 0xabc1U);
    EXPECT_EQ(request->service_action_key, 0xdef2U);
    EXPECT_EQ(request->type, core::PrType::WriteExclusiveRegistrantsOnly);
}

TEST(MpathpersistOptions, CombinedShortOptionsAndPositionalDevice) {
    auto request = parse({"-ik", "/dev/mapper/mpatha"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->in_action, core::PrInAction::ReadKeys);
    EXPECT_EQ(request->device, "/dev/mapper/mpatha");

    request = parse({"-oRT5", "-K", "0x10", "-d/dev/dm-0"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->out_action, core::PrOutAction::Reserve);
    EXPECT_EQ(request->type, core::PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(request->reservation_key, 0x10U);
    EXPECT_EQ(request->device, "/dev/dm-0");
}

TEST(MpathpersistOptions, ValueSpellings) {
    for (auto args : {std::vector<std::string_view>{"-o", "-R", "-T", "5", "-K", "1", "-d", "x"},
                      std::vector<std::string_view>{"-o", "-R", "-T5", "-K1", "x"},
                      std::vector<std::string_view>{"--out", "--reserve", "--prout-type", "5", "--param-rk",
                                                    "1", "--device", "x"},
                      std::vector<std::string_view>{"--out", "--reserve", "--prout-type=WERO",
                                                    "--param-rk=0x1", "--device=x"}}) {
        auto request = parse_options(args);
        ASSERT_TRUE(request.ok()) << request.error().message;
        EXPECT_EQ(request->type, core::PrType::WriteExclusiveRegistrantsOnly);
        EXPECT_EQ(request->reservation_key, 1U);
        EXPECT_EQ(request->device, "x");
    }
}

TEST(MpathpersistOptions, UnambiguousLongPrefixes) {
    auto request = parse({"--in", "--read-k", "-d", "x"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->in_action, core::PrInAction::ReadKeys);
    EXPECT_NE(error_of({"--in", "--read", "-d", "x"}).find("ambiguous option '--read'"), std::string::npos);
}

TEST(MpathpersistOptions, RegisterFlagsAndIgnore) {
    auto request = parse({"-o", "-I", "-S", "0xABCDEF", "-Z", "-a", "-v", "2", "x"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->out_action, core::PrOutAction::RegisterAndIgnoreExistingKey);
    EXPECT_EQ(request->service_action_key, 0xabcdefU);
    EXPECT_TRUE(request->aptpl);
    EXPECT_TRUE(request->all_tg_pt);
    EXPECT_EQ(request->verbosity, 2);
}

TEST(MpathpersistOptions, BareInReadsKeysAndActionImpliesDirection) {
    auto request = parse({"-i", "x"});
    ASSERT_TRUE(request.ok());
    EXPECT_EQ(request->in_action, core::PrInAction::ReadKeys);
    request = parse({"--report-capabilities", "-H", "-l", "0x100", "x"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->in_action, core::PrInAction::ReportCapabilities);
    EXPECT_TRUE(request->hex);
    EXPECT_EQ(request->alloc_length, 0x100);
    request = parse({"--clear", "-K", "5", "x"});
    ASSERT_TRUE(request.ok()) << request.error().message;
    EXPECT_EQ(request->out_action, core::PrOutAction::Clear);
}

TEST(MpathpersistOptions, Help) {
    auto request = parse({"-h"});
    ASSERT_TRUE(request.ok());
    EXPECT_TRUE(request->help);
    EXPECT_NE(usage_text().find("--preempt-abort"), std::string::npos);
}

TEST(MpathpersistOptions, UsageErrorsNameTheArgument) {
    EXPECT_NE(error_of({"-o", "--register", "--param-sark=0xZZ", "-d", "x"}).find("--param-sark"),
              std::string::npos);
    EXPECT_NE(
        error_of({"-o", "--register", "--param-sark=12345678901234567", "-d", "x"}).find("--param-sark"),
        std::string::npos);
    EXPECT_NE(error_of({"-i", "-k"}).find("no device given"), std::string::npos);
    EXPECT_NE(error_of({"-i", "-o", "-k", "-d", "x"}).find("--in (-i) and --out (-o) given together"),
              std::string::npos);
    EXPECT_NE(error_of({"-i", "--reserve", "-T5", "x"}).find("--reserve is a PR OUT action"),
              std::string::npos);
    EXPECT_NE(error_of({"-i", "-k", "-q", "x"}).find("unknown option '-q'"), std::string::npos);
    EXPECT_NE(error_of({"-i", "-k", "--frobnicate", "x"}).find("unknown option '--frobnicate'"),
              std::string::npos);
    EXPECT_NE(error_of({"-o", "--reserve", "--prout-type=2", "-K1", "x"}).find("--prout-type"),
              std::string::npos);
    EXPECT_NE(error_of({"-o", "--reserve", "-K1", "x"}).find("--reserve needs --prout-type"),
              std::string::npos);
    EXPECT_NE(error_of({"-o", "x"}).find("--out needs a service action"), std::string::npos);
    EXPECT_NE(error_of({"-i", "-k", "-r", "x"}).find("more than one service action"), std::string::npos);
    EXPECT_NE(error_of({"-i", "-k", "-d", "x", "y"}).find("two devices given"), std::string::npos);
    EXPECT_NE(error_of({"-i", "-k", "-d"}).find("needs a value"), std::string::npos);
    EXPECT_NE(error_of({"--in=1", "x"}).find("takes no value"), std::string::npos);
    EXPECT_NE(error_of({"-i", "-k", "-l", "0", "x"}).find("--alloc-length"), std::string::npos);
    EXPECT_NE(error_of({"-o", "-G", "-S1", "-H", "x"}).find("--hex only applies to --in"), std::string::npos);
    EXPECT_NE(error_of({}).find("no operation given"), std::string::npos);
}

TEST(MpathpersistOptions, UnsupportedOptionsAreRejectedClearly) {
    EXPECT_NE(error_of({"-i", "-s", "x"}).find("--read-full-status (-s) is not supported"),
              std::string::npos);
    EXPECT_NE(error_of({"-o", "-G", "-X", "iqn.x", "x"}).find("--transport-id is not supported"),
              std::string::npos);
    EXPECT_NE(error_of({"-o", "-G", "-Y", "x"}).find("--param-spec-i-pt is not supported"),
              std::string::npos);
    EXPECT_NE(error_of({"-b", "cmds.txt"}).find("--batch-file (-b) is not supported"), std::string::npos);
}

}  // namespace
}  // namespace pathkeeper::mpathpersist
