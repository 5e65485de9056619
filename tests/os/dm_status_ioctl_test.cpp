// The DM_TABLE_STATUS request and reply of os/dm_status_ioctl, on buffers laid out as the kernel fills them
// (linux/dm-ioctl.h), without a kernel.

#include "os/dm_status_ioctl.hpp"

#include <gtest/gtest.h>
#include <linux/dm-ioctl.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace pathkeeper::os {
namespace {

struct SpecText {
    std::uint64_t start;
    std::uint64_t length;
    std::string type;
    std::string params;
};

// A reply as the kernel writes it: the header, then each target record followed by its NUL-terminated
// status, records 8-byte aligned, `next` counted from the first record.
std::vector<std::uint8_t> kernel_reply(const std::vector<SpecText>& targets,
                                       std::uint32_t flags = DM_ACTIVE_PRESENT_FLAG,
                                       std::size_t size = 4096) {
    std::vector<std::uint8_t> buffer(size, 0);
    dm_ioctl header{};
    header.version[0] = DM_VERSION_MAJOR;
    header.data_size = static_cast<std::uint32_t>(size);
    header.data_start = sizeof header;
    header.target_count = static_cast<std::uint32_t>(targets.size());
    header.flags = flags;
    std::size_t offset = sizeof header;
    for (const auto& target : targets) {
        dm_target_spec spec{};
        spec.sector_start = target.start;
        spec.length = target.length;
        std::memcpy(spec.target_type, target.type.data(),
                    std::min(target.type.size(), sizeof spec.target_type));
        const std::size_t params_at = offset + sizeof spec;
        const std::size_t next = (params_at + target.params.size() + 1 + 7) & ~std::size_t{7};
        spec.next = static_cast<std::uint32_t>(next - header.data_start);
        std::memcpy(buffer.data() + offset, &spec, sizeof spec);
        std::memcpy(buffer.data() + params_at, target.params.c_str(), target.params.size() + 1);
        offset = next;
    }
    std::memcpy(buffer.data(), &header, sizeof header);
    return buffer;
}

dm_ioctl header_of(const std::vector<std::uint8_t>& buffer) {
    dm_ioctl header{};
    std::memcpy(&header, buffer.data(), sizeof header);
    return header;
}

void set_header(std::vector<std::uint8_t>& buffer, const dm_ioctl& header) {
    std::memcpy(buffer.data(), &header, sizeof header);
}

const std::string status = "2 0 0 0 1 1 A 0 2 0 8:16 A 0 8:32 F 1 ";

TEST(DmStatusIoctl, RequestNamesTheMapAndOffersTheWholeBuffer) {
    auto request = dm_table_status_request("mpatha", 16384);
    ASSERT_TRUE(request) << request.error().message;
    ASSERT_EQ(request->size(), 16384U);
    const dm_ioctl header = header_of(*request);
    EXPECT_EQ(header.version[0], static_cast<std::uint32_t>(DM_VERSION_MAJOR));
    EXPECT_EQ(header.data_size, 16384U);
    EXPECT_EQ(header.data_start, sizeof(dm_ioctl));
    EXPECT_EQ(header.flags, 0U);  // status, not the table
    EXPECT_STREQ(header.name, "mpatha");
    EXPECT_EQ(header.uuid[0], '\0');
}

TEST(DmStatusIoctl, RequestRefusesBadNamesAndSmallBuffers) {
    EXPECT_FALSE(dm_table_status_request("", 16384));
    EXPECT_TRUE(dm_table_status_request(std::string(DM_NAME_LEN - 1, 'a'), 16384));
    auto too_long = dm_table_status_request(std::string(DM_NAME_LEN, 'a'), 16384);
    ASSERT_FALSE(too_long);
    EXPECT_NE(too_long.error().message.find("bad dm device name"), std::string::npos);
    EXPECT_FALSE(dm_table_status_request("mpatha", sizeof(dm_ioctl) - 1));
}

TEST(DmStatusIoctl, ReplyWithOneMultipathTarget) {
    const auto buffer = kernel_reply({{0, 2097152, "multipath", status}});
    auto reply = parse_dm_table_status_reply(buffer);
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_FALSE(reply->buffer_full);
    EXPECT_TRUE(reply->has_live_table);
    ASSERT_EQ(reply->targets.size(), 1U);
    EXPECT_EQ(reply->targets[0].start, 0U);
    EXPECT_EQ(reply->targets[0].length, 2097152U);
    EXPECT_EQ(reply->targets[0].type, "multipath");
    EXPECT_EQ(reply->targets[0].params, status);
}

TEST(DmStatusIoctl, ReplyRecordsFollowNextFromTheFirstRecord) {
    const auto buffer =
        kernel_reply({{0, 100, "linear", ""}, {100, 50, "multipath", status}, {150, 8, "zero", ""}});
    auto reply = parse_dm_table_status_reply(buffer);
    ASSERT_TRUE(reply) << reply.error().message;
    ASSERT_EQ(reply->targets.size(), 3U);
    EXPECT_EQ(reply->targets[0].type, "linear");
    EXPECT_EQ(reply->targets[0].params, "");
    EXPECT_EQ(reply->targets[1].start, 100U);
    EXPECT_EQ(reply->targets[1].type, "multipath");
    EXPECT_EQ(reply->targets[1].params, status);
    EXPECT_EQ(reply->targets[2].start, 150U);
    EXPECT_EQ(reply->targets[2].type, "zero");
}

TEST(DmStatusIoctl, BufferFullAsksForMoreRoom) {
    auto reply = parse_dm_table_status_reply(kernel_reply({}, DM_BUFFER_FULL_FLAG | DM_ACTIVE_PRESENT_FLAG));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_TRUE(reply->buffer_full);
    EXPECT_TRUE(reply->targets.empty());
}

TEST(DmStatusIoctl, DeviceWithoutLiveTable) {
    auto reply = parse_dm_table_status_reply(kernel_reply({}, 0));
    ASSERT_TRUE(reply) << reply.error().message;
    EXPECT_FALSE(reply->has_live_table);
    EXPECT_TRUE(reply->targets.empty());
}

TEST(DmStatusIoctl, ShortBufferIsRefused) {
    const std::vector<std::uint8_t> buffer(sizeof(dm_ioctl) - 1, 0);
    auto reply = parse_dm_table_status_reply(buffer);
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().message.find("shorter than its header"), std::string::npos);
}

TEST(DmStatusIoctl, DataOutsideTheBufferIsRefused) {
    auto buffer = kernel_reply({{0, 8, "multipath", status}});
    dm_ioctl header = header_of(buffer);
    header.data_size = static_cast<std::uint32_t>(buffer.size() + 1);
    set_header(buffer, header);
    EXPECT_FALSE(parse_dm_table_status_reply(buffer));
    header.data_size = static_cast<std::uint32_t>(buffer.size());
    header.data_start = 8;  // inside the header
    set_header(buffer, header);
    EXPECT_FALSE(parse_dm_table_status_reply(buffer));
}

TEST(DmStatusIoctl, MoreTargetsThanTheDataHoldsAreRefused) {
    auto buffer = kernel_reply({{0, 8, "multipath", status}}, DM_ACTIVE_PRESENT_FLAG, 512);
    dm_ioctl header = header_of(buffer);
    header.target_count = 40;
    set_header(buffer, header);
    auto reply = parse_dm_table_status_reply(buffer);
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().message.find("malformed DM_TABLE_STATUS reply"), std::string::npos);
}

TEST(DmStatusIoctl, UnterminatedStatusIsRefused) {
    auto buffer = kernel_reply({{0, 8, "multipath", status}}, DM_ACTIVE_PRESENT_FLAG, 512);
    const std::size_t params_at = sizeof(dm_ioctl) + sizeof(dm_target_spec);
    std::memset(buffer.data() + params_at, 'x', buffer.size() - params_at);
    auto reply = parse_dm_table_status_reply(buffer);
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().message.find("status not terminated"), std::string::npos);
}

TEST(DmStatusIoctl, UnterminatedTargetTypeIsRefused) {
    auto buffer = kernel_reply({{0, 8, "multipath", status}});
    std::memset(buffer.data() + sizeof(dm_ioctl) + offsetof(dm_target_spec, target_type), 'm',
                DM_MAX_TYPE_NAME);
    auto reply = parse_dm_table_status_reply(buffer);
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().message.find("target type not terminated"), std::string::npos);
}

TEST(DmStatusIoctl, NextRecordPointingBackIsRefused) {
    auto buffer = kernel_reply({{0, 8, "linear", ""}, {8, 8, "multipath", status}});
    dm_target_spec spec{};
    std::memcpy(&spec, buffer.data() + sizeof(dm_ioctl), sizeof spec);
    spec.next = 0;  // itself: would loop
    std::memcpy(buffer.data() + sizeof(dm_ioctl), &spec, sizeof spec);
    auto reply = parse_dm_table_status_reply(buffer);
    ASSERT_FALSE(reply);
    EXPECT_NE(reply.error().message.find("does not come after it"), std::string::npos);
}

TEST(DmStatusIoctl, MissingControlDeviceIsNamed) {
    auto status_text = read_multipath_status("mpatha", "/nonexistent/mapper/control");
    ASSERT_FALSE(status_text);
    EXPECT_EQ(status_text.error().code, core::ErrorCode::NotFound);
    EXPECT_NE(status_text.error().message.find("/nonexistent/mapper/control"), std::string::npos);
}

}  // namespace
}  // namespace pathkeeper::os
