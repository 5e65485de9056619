#include "reservation/admin_command.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace pathkeeper::reservation {

namespace {

struct CommandName {
    AdminCommand command;
    const char* name;
};

constexpr std::array kCommands{
    CommandName{AdminCommand::Status, "status"},
    CommandName{AdminCommand::Register, "register"},
    CommandName{AdminCommand::Unregister, "unregister"},
    CommandName{AdminCommand::Reserve, "reserve"},
    CommandName{AdminCommand::Release, "release"},
    CommandName{AdminCommand::Clear, "clear"},
    CommandName{AdminCommand::Preempt, "preempt"},
    CommandName{AdminCommand::PreemptAbort, "preempt-abort"},
};

}  // namespace

const char* to_string(AdminCommand command) noexcept {
    for (const auto& c : kCommands) {
        if (c.command == command) {
            return c.name;
        }
    }
    return "unknown";
}

core::Result<AdminCommand> parse_admin_command(std::string_view text) {
    for (const auto& c : kCommands) {
        if (text == c.name) {
            return c.command;
        }
    }
    return core::make_error(core::ErrorCode::InvalidArgument,
                            "unknown reservation command \"" + std::string(text) +
                                "\": status, register, unregister, reserve, release, clear, preempt or "
                                "preempt-abort");
}

bool changes_registrations(AdminCommand command) noexcept {
    switch (command) {
        case AdminCommand::Register:
        case AdminCommand::Unregister:
        case AdminCommand::Clear:
        case AdminCommand::Preempt:
        case AdminCommand::PreemptAbort:
            return true;
        case AdminCommand::Status:
        case AdminCommand::Reserve:
        case AdminCommand::Release:
            return false;
    }
    return false;
}

bool takes_type(AdminCommand command) noexcept {
    return command == AdminCommand::Reserve || command == AdminCommand::Release ||
           command == AdminCommand::Preempt || command == AdminCommand::PreemptAbort;
}

bool takes_victim(AdminCommand command) noexcept {
    return command == AdminCommand::Preempt || command == AdminCommand::PreemptAbort;
}

AdminPrResult run_admin_command(ports::PersistentReservations& transport, std::vector<PathTarget> paths,
                                const AdminPrRequest& request, std::chrono::milliseconds timeout) {
    MapReservation map(transport, std::move(paths), timeout);
    AdminPrResult out;
    out.key = request.key;
    switch (request.command) {
        case AdminCommand::Status: {
            InResult<core::PrKeyList> keys = map.read_keys();
            if (!keys.value) {
                out.command = std::move(keys.command);
                return out;
            }
            InResult<core::PrReservation> held = map.read_reservation();
            if (!held.value) {
                out.command = std::move(held.command);
                return out;
            }
            AdminPrStatus status;
            status.generation = keys.value->generation;
            status.keys = std::move(keys.value->keys);
            status.holder = held.value->holder;
            status.registered =
                std::find(status.keys.begin(), status.keys.end(), request.key) != status.keys.end();
            out.command = std::move(held.command);
            out.command.message = keys.command.message + "; " + out.command.message;
            out.status = std::move(status);
            return out;
        }
        case AdminCommand::Register:
            out.command = map.register_key(0, request.key, true, request.aptpl, request.all_tg_pt);
            return out;
        case AdminCommand::Unregister:
            out.command = map.register_key(0, 0, true, request.aptpl, request.all_tg_pt);
            return out;
        case AdminCommand::Reserve:
            out.command = map.reserve(request.key, request.type);
            return out;
        case AdminCommand::Release:
            out.command = map.release(request.key, request.type);
            return out;
        case AdminCommand::Clear:
            out.command = map.clear(request.key);
            return out;
        case AdminCommand::Preempt:
        case AdminCommand::PreemptAbort:
            out.command = map.preempt(request.key, request.victim, request.type,
                                      request.command == AdminCommand::PreemptAbort);
            return out;
    }
    return out;
}

std::string initiator_of_hctl(std::string_view hctl) {
    const auto colon = hctl.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        return {};
    }
    return "host" + std::string(hctl.substr(0, colon));
}

}  // namespace pathkeeper::reservation
