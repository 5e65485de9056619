#include "core/model.hpp"

#include <array>
#include <utility>

#include "core/text.hpp"

namespace pathkeeper::core {

namespace {

// Linux dev_t: 12-bit major, 20-bit minor (include/linux/kdev_t.h MINORBITS).
constexpr unsigned max_major = (1U << 12) - 1;
constexpr unsigned max_minor = (1U << 20) - 1;

Error invalid(std::string message) {
    return make_error(ErrorCode::InvalidArgument, std::move(message));
}

}  // namespace

std::string DevT::to_string() const {
    return std::to_string(major) + ":" + std::to_string(minor);
}

Result<DevT> DevT::parse(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        return invalid("device number '" + text::quote(text) + "' is not major:minor");
    }
    const auto major = text::to_unsigned(text.substr(0, colon), max_major);
    const auto minor = text::to_unsigned(text.substr(colon + 1), max_minor);
    if (!major || !minor) {
        return invalid("device number '" + text::quote(text) + "' is not major:minor with major <= " +
                       std::to_string(max_major) + " and minor <= " + std::to_string(max_minor));
    }
    return DevT{static_cast<unsigned>(*major), static_cast<unsigned>(*minor)};
}

std::string ScsiAddress::to_string() const {
    return std::to_string(host) + ":" + std::to_string(channel) + ":" + std::to_string(target) + ":" +
           std::to_string(lun);
}

Result<ScsiAddress> ScsiAddress::parse(std::string_view text) {
    std::array<std::string_view, 4> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto colon = text.find(':', start);
        const bool last = i + 1 == parts.size();
        if (last != (colon == std::string_view::npos)) {
            return invalid("SCSI address '" + text::quote(text) + "' is not host:channel:target:lun");
        }
        parts[i] = text.substr(start, last ? std::string_view::npos : colon - start);
        start = colon + 1;
    }
    constexpr std::uint64_t max32 = 0xffffffffU;
    const auto host = text::to_unsigned(parts[0], max32);
    const auto channel = text::to_unsigned(parts[1], max32);
    const auto target = text::to_unsigned(parts[2], max32);
    const auto lun = text::to_unsigned(parts[3]);
    if (!host || !channel || !target || !lun) {
        return invalid("SCSI address '" + text::quote(text) + "' has a field that is not a decimal number");
    }
    return ScsiAddress{static_cast<unsigned>(*host), static_cast<unsigned>(*channel),
                       static_cast<unsigned>(*target), *lun};
}

const char* to_string(Transport t) noexcept {
    switch (t) {
        case Transport::Unknown:
            return "unknown";
        case Transport::Iscsi:
            return "iscsi";
        case Transport::Fc:
            return "fc";
        case Transport::Sas:
            return "sas";
        case Transport::Other:
            return "other";
    }
    return "unknown";
}

Result<Transport> parse_transport(std::string_view text) {
    for (const Transport t :
         {Transport::Unknown, Transport::Iscsi, Transport::Fc, Transport::Sas, Transport::Other}) {
        if (text == to_string(t)) {
            return t;
        }
    }
    return invalid("unknown transport '" + text::quote(text) +
                   "' (expected iscsi, fc, sas, other or unknown)");
}

const char* to_string(PathState s) noexcept {
    switch (s) {
        case PathState::Up:
            return "up";
        case PathState::Down:
            return "down";
        case PathState::Ghost:
            return "ghost";
        case PathState::Pending:
            return "pending";
        case PathState::Shaky:
            return "shaky";
    }
    return "unknown";
}

Result<PathState> parse_path_state(std::string_view text) {
    for (const PathState s :
         {PathState::Up, PathState::Down, PathState::Ghost, PathState::Pending, PathState::Shaky}) {
        if (text == to_string(s)) {
            return s;
        }
    }
    return invalid("unknown path state '" + text::quote(text) +
                   "' (expected up, down, ghost, pending or shaky)");
}

const char* to_string(DmPathState s) noexcept {
    switch (s) {
        case DmPathState::Active:
            return "active";
        case DmPathState::Failed:
            return "failed";
        case DmPathState::Unknown:
            return "unknown";
    }
    return "unknown";
}

// Spellings of drivers/scsi/scsi_sysfs.c (sdev_access_states), which is what `access_state` shows.
const char* to_string(AluaState s) noexcept {
    switch (s) {
        case AluaState::Unknown:
            return "unknown";
        case AluaState::ActiveOptimized:
            return "active/optimized";
        case AluaState::ActiveNonOptimized:
            return "active/non-optimized";
        case AluaState::Standby:
            return "standby";
        case AluaState::Unavailable:
            return "unavailable";
        case AluaState::Transitioning:
            return "transitioning";
        case AluaState::Offline:
            return "offline";
        case AluaState::LbaDependent:
            return "lba-dependent";
    }
    return "unknown";
}

Result<AluaState> parse_alua_state(std::string_view text) {
    // sysfs attributes end in a newline; tolerate surrounding whitespace but nothing else.
    const std::string_view word = text::trim(text);
    for (const AluaState s :
         {AluaState::Unknown, AluaState::ActiveOptimized, AluaState::ActiveNonOptimized, AluaState::Standby,
          AluaState::Unavailable, AluaState::Transitioning, AluaState::Offline, AluaState::LbaDependent}) {
        if (word == to_string(s)) {
            return s;
        }
    }
    return invalid("unknown ALUA access state '" + text::quote(text) + "'");
}

int alua_priority(AluaState s) noexcept {
    switch (s) {
        case AluaState::ActiveOptimized:
            return 50;
        case AluaState::ActiveNonOptimized:
            return 10;
        case AluaState::LbaDependent:
            return 5;
        case AluaState::Standby:
            return 1;
        case AluaState::Unknown:
        case AluaState::Unavailable:
        case AluaState::Transitioning:
        case AluaState::Offline:
            return 0;
    }
    return 0;
}

int alua_priority(AluaState s, bool preferred_port, bool exclusive_pref_bit) noexcept {
    const int base = alua_priority(s);
    if (preferred_port && (s != AluaState::ActiveOptimized || exclusive_pref_bit)) {
        return base + 80;
    }
    return base;
}

}  // namespace pathkeeper::core
