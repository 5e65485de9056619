#include "os/dm_status_ioctl.hpp"

#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <optional>

#include "os/errno_text.hpp"
#include "os/unique_fd.hpp"

namespace pathkeeper::os {
namespace {

constexpr const char* kMultipathTarget = "multipath";
// The first buffer holds any real multipath status; a reply that does not fit is asked again in a doubled
// buffer, up to the status size core::parse_status accepts and some room for the records.
constexpr std::size_t kFirstBufferBytes = 16 * 1024;
constexpr std::size_t kLastBufferBytes = 4 * 1024 * 1024;

core::Error bad_reply(const std::string& what) {
    return core::Error{core::ErrorCode::InvalidArgument, "malformed DM_TABLE_STATUS reply: " + what};
}

// The NUL-terminated text at [offset, end) of `bytes`, or nullopt when no NUL comes before end.
std::optional<std::string> terminated_text(std::span<const std::uint8_t> bytes, std::size_t offset,
                                           std::size_t end) {
    const auto* first = bytes.data() + offset;
    const auto* nul = static_cast<const std::uint8_t*>(std::memchr(first, '\0', end - offset));
    if (nul == nullptr) {
        return std::nullopt;
    }
    return std::string(reinterpret_cast<const char*>(first), static_cast<std::size_t>(nul - first));
}

}  // namespace

core::Result<std::vector<std::uint8_t>> dm_table_status_request(std::string_view name, std::size_t size) {
    dm_ioctl header{};
    if (name.empty() || name.size() >= sizeof header.name) {
        return core::Error{core::ErrorCode::InvalidArgument,
                           "bad dm device name '" + std::string(name) + "' (1 to " +
                               std::to_string(sizeof header.name - 1) + " characters)"};
    }
    if (size < sizeof header || size > UINT32_MAX) {
        return core::Error{core::ErrorCode::InvalidArgument,
                           "DM_TABLE_STATUS buffer of " + std::to_string(size) + " bytes"};
    }
    header.version[0] = DM_VERSION_MAJOR;
    header.data_size = static_cast<std::uint32_t>(size);
    header.data_start = sizeof header;
    std::memcpy(header.name, name.data(), name.size());
    std::vector<std::uint8_t> request(size, 0);
    std::memcpy(request.data(), &header, sizeof header);
    return request;
}

core::Result<DmStatusReply> parse_dm_table_status_reply(std::span<const std::uint8_t> reply) {
    dm_ioctl header{};
    if (reply.size() < sizeof header) {
        return bad_reply(std::to_string(reply.size()) + " bytes, shorter than its header");
    }
    std::memcpy(&header, reply.data(), sizeof header);
    DmStatusReply parsed;
    if ((header.flags & DM_BUFFER_FULL_FLAG) != 0) {
        parsed.buffer_full = true;
        return parsed;
    }
    parsed.has_live_table = (header.flags & DM_ACTIVE_PRESENT_FLAG) != 0;
    const std::size_t end = header.data_size;
    if (end > reply.size() || header.data_start < sizeof header || header.data_start > end) {
        return bad_reply("data " + std::to_string(header.data_start) + ".." + std::to_string(end) +
                         " outside the " + std::to_string(reply.size()) + "-byte buffer");
    }
    // Each record's `next` counts from the first record (not from itself, as in a table load).
    const std::size_t first = header.data_start;
    std::size_t offset = first;
    for (std::uint32_t i = 0; i < header.target_count; ++i) {
        const std::string which = "target " + std::to_string(i);
        dm_target_spec spec{};
        if (offset > end || end - offset < sizeof spec) {
            return bad_reply(which + " runs past the data");
        }
        std::memcpy(&spec, reply.data() + offset, sizeof spec);
        DmTargetStatus target;
        target.start = spec.sector_start;
        target.length = spec.length;
        const auto type = terminated_text(reply, offset + offsetof(dm_target_spec, target_type),
                                          offset + offsetof(dm_target_spec, target_type) + DM_MAX_TYPE_NAME);
        if (!type) {
            return bad_reply(which + ": target type not terminated");
        }
        target.type = *type;
        auto params = terminated_text(reply, offset + sizeof spec, end);
        if (!params) {
            return bad_reply(which + ": status not terminated");
        }
        target.params = std::move(*params);
        parsed.targets.push_back(std::move(target));
        if (i + 1 < header.target_count) {
            const std::size_t next = first + spec.next;
            if (next <= offset) {
                return bad_reply(which + ": next record does not come after it");
            }
            offset = next;
        }
    }
    return parsed;
}

core::Result<std::string> read_multipath_status(const std::string& name,
                                                const std::filesystem::path& control) {
    const UniqueFd fd(::open(control.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) {
        return errno_error("open " + control.string(), errno);
    }
    core::Result<DmStatusReply> reply = core::Error{core::ErrorCode::Internal, "no reply"};
    for (std::size_t size = kFirstBufferBytes; size <= kLastBufferBytes; size *= 2) {
        auto request = dm_table_status_request(name, size);
        if (!request) {
            return request.error();
        }
        if (::ioctl(fd.get(), DM_TABLE_STATUS, request->data()) < 0) {
            const int err = errno;
            if (err == ENXIO) {
                return core::Error{core::ErrorCode::NotFound, "no dm device named " + name};
            }
            return errno_error("read status of " + name, err);
        }
        reply = parse_dm_table_status_reply(*request);
        if (!reply || !reply->buffer_full) {
            break;
        }
    }
    if (!reply) {
        return core::Error{reply.error().code, name + ": " + reply.error().message};
    }
    if (reply->buffer_full) {
        return core::Error{core::ErrorCode::InvalidArgument,
                           name + ": status larger than " + std::to_string(kLastBufferBytes) + " bytes"};
    }
    if (!reply->has_live_table || reply->targets.empty()) {
        return core::Error{core::ErrorCode::InvalidArgument, name + ": no live table"};
    }
    if (reply->targets.size() != 1 || reply->targets.front().type != kMultipathTarget) {
        return core::Error{core::ErrorCode::InvalidArgument, name + ": not a single multipath target (" +
                                                                 std::to_string(reply->targets.size()) +
                                                                 " targets, first '" +
                                                                 reply->targets.front().type + "')"};
    }
    return std::move(reply->targets.front().params);
}

}  // namespace pathkeeper::os
