#pragma once
// A dm map's status read with the DM_TABLE_STATUS ioctl on /dev/mapper/control directly, without
// libdevmapper: for programs started per uevent (the udev helper), where loading libdevmapper and the
// libraries behind it costs more than the one read they need. Building the request and parsing the kernel's
// reply are separate from the ioctl, so both are tested without a kernel.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::os {

// One target line of a status reply, as `dmsetup status` prints it.
struct DmTargetStatus {
    std::uint64_t start = 0;
    std::uint64_t length = 0;
    std::string type;
    std::string params;
};

struct DmStatusReply {
    bool buffer_full = false;     // the reply did not fit: ask again with a larger buffer
    bool has_live_table = false;  // false: the device exists without an active table
    std::vector<DmTargetStatus> targets;
};

// A DM_TABLE_STATUS request for the dm device `name`, in a buffer of `size` bytes (the reply's room).
// InvalidArgument for an empty or too long name or a buffer smaller than the ioctl header.
core::Result<std::vector<std::uint8_t>> dm_table_status_request(std::string_view name, std::size_t size);

// The kernel's reply in `reply` (the buffer the ioctl filled). InvalidArgument, saying what is wrong, when
// the header or a target record points outside the buffer or is not terminated.
core::Result<DmStatusReply> parse_dm_table_status_reply(std::span<const std::uint8_t> reply);

// The status parameters of the single multipath target of map `name` (what core::parse_status reads),
// asked of `control` (/dev/mapper/control). NotFound when no such map; InvalidArgument when it has no live
// table or is not one multipath target.
core::Result<std::string> read_multipath_status(const std::string& name,
                                                const std::filesystem::path& control = "/dev/mapper/control");

}  // namespace pathkeeper::os
