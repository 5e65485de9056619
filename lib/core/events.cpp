#include "core/events.hpp"

namespace pathkeeper::core {

const char* to_string(QueueingControl c) noexcept {
    switch (c) {
        case QueueingControl::Disable:
            return "disable";
        case QueueingControl::Restore:
            return "restore";
        case QueueingControl::Force:
            return "force";
    }
    return "?";
}

std::optional<QueueingControl> parse_queueing_control(std::string_view text) noexcept {
    for (QueueingControl c : {QueueingControl::Disable, QueueingControl::Restore, QueueingControl::Force}) {
        if (text == to_string(c)) {
            return c;
        }
    }
    return std::nullopt;
}

}  // namespace pathkeeper::core
