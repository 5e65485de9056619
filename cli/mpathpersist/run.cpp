#include "cli/mpathpersist/run.hpp"

#include <optional>
#include <ostream>
#include <vector>

#include "cli/mpathpersist/format.hpp"
#include "reservation/map_reservation.hpp"

namespace pathkeeper::mpathpersist {
namespace {

// Forwards to the real transport, keeps the bytes of the last good PR IN reply for --hex, and caps the
// allocation length at --alloc-length, so MapReservation stays the only place that picks paths.
class RecordingTransport final : public ports::PersistentReservations {
public:
    RecordingTransport(ports::PersistentReservations& inner, std::optional<std::uint16_t> cap)
        : inner_(inner), cap_(cap) {}

    ports::PrInReply pr_in(const std::string& device_path, core::PrInAction action,
                           std::uint16_t allocation_length, std::chrono::milliseconds timeout) override {
        if (cap_ && *cap_ < allocation_length) {
            allocation_length = *cap_;
        }
        auto reply = inner_.pr_in(device_path, action, allocation_length, timeout);
        if (reply.completion.outcome == core::ScsiOutcome::Good) {
            last_good_ = reply.data;
        }
        return reply;
    }
    core::ScsiCompletion pr_out(const std::string& device_path, core::PrOutAction action,
                                std::optional<core::PrType> type, const core::PrOutParameters& parameters,
                                std::chrono::milliseconds timeout) override {
        return inner_.pr_out(device_path, action, type, parameters, timeout);
    }
    const std::vector<std::uint8_t>& last_good() const { return last_good_; }

private:
    ports::PersistentReservations& inner_;
    std::optional<std::uint16_t> cap_;
    std::vector<std::uint8_t> last_good_;
};

class Runner {
public:
    Runner(const Environment& env, const Request& request) : env_(env), request_(request) {}

    int fail(ExitCode code, const std::string& message) const {
        if (request_.verbosity >= 1) {
            *env_.err << kProgramName << ": " << request_.device << ": " << message << "\n";
        }
        return to_int(code);
    }
    void note(const std::string& message) const {
        if (request_.verbosity >= 2) {
            *env_.err << kProgramName << ": " << request_.device << ": " << message << "\n";
        }
    }

    int execute(const MapInfo& map) {
        std::vector<reservation::PathTarget> targets;
        for (const MapPath& path : map.paths) {
            if (!path.active) {
                note("skipping path " + (path.devnode.empty() ? path.devt.to_string() : path.devnode) +
                     (path.devnode.empty() ? " (not listed among the map's slaves)" : " (failed in dm)"));
                continue;
            }
            targets.push_back(reservation::PathTarget{path.devnode, path.device_path, path.initiator});
        }
        note("map " + map.name + " (" + map.uuid + "): " + std::to_string(targets.size()) + " of " +
             std::to_string(map.paths.size()) + " paths usable");
        if (targets.empty()) {
            return fail(ExitCode::DmmpError, "no usable path: every path of map " + map.name + " is failed");
        }
        RecordingTransport transport(*env_.transport, request_.alloc_length);
        reservation::MapReservation reservation(transport, std::move(targets), env_.timeout);
        if (request_.in_action) {
            return execute_in(reservation, transport);
        }
        return finish(execute_out(reservation));
    }

private:
    int execute_in(reservation::MapReservation& reservation, const RecordingTransport& transport) {
        std::string text;
        CommandOutcome outcome;
        switch (*request_.in_action) {
            case core::PrInAction::ReadKeys: {
                auto result = reservation.read_keys();
                outcome = CommandOutcome{result.command, result.value.has_value()};
                if (result.value) {
                    text = format_read_keys(*result.value);
                }
                break;
            }
            case core::PrInAction::ReadReservation: {
                auto result = reservation.read_reservation();
                outcome = CommandOutcome{result.command, result.value.has_value()};
                if (result.value) {
                    text = format_read_reservation(*result.value);
                }
                break;
            }
            case core::PrInAction::ReportCapabilities: {
                auto result = reservation.report_capabilities();
                outcome = CommandOutcome{result.command, result.value.has_value()};
                if (result.value) {
                    text = format_capabilities(*result.value);
                }
                break;
            }
        }
        if (!outcome.command.ok) {
            return finish(outcome.command);
        }
        if (!outcome.has_value) {
            return fail(ExitCode::Malformed, "the target's reply could not be read");
        }
        report_paths(outcome.command);
        *env_.out << (request_.hex ? format_hex(transport.last_good()) : text);
        return to_int(ExitCode::Success);
    }

    reservation::CommandResult execute_out(reservation::MapReservation& reservation) {
        const core::PrKey rk = request_.reservation_key;
        const core::PrKey sark = request_.service_action_key;
        switch (*request_.out_action) {
            case core::PrOutAction::Register:
                return reservation.register_key(rk, sark, false, request_.aptpl, request_.all_tg_pt);
            case core::PrOutAction::RegisterAndIgnoreExistingKey:
                return reservation.register_key(rk, sark, true, request_.aptpl, request_.all_tg_pt);
            case core::PrOutAction::Reserve:
                return reservation.reserve(rk, *request_.type);
            case core::PrOutAction::Release:
                return reservation.release(rk, *request_.type);
            case core::PrOutAction::Clear:
                return reservation.clear(rk);
            case core::PrOutAction::Preempt:
                return reservation.preempt(rk, sark, *request_.type, false);
            case core::PrOutAction::PreemptAndAbort:
                return reservation.preempt(rk, sark, *request_.type, true);
        }
        reservation::CommandResult unknown;
        unknown.message = "unknown service action";
        return unknown;
    }

    void report_paths(const reservation::CommandResult& result) const {
        for (const auto& path : result.paths) {
            note(path.devnode + ": " + core::to_string(path.completion.outcome) +
                 (path.completion.detail.empty() ? "" : " (" + path.completion.detail + ")"));
        }
    }

    int finish(const reservation::CommandResult& result) const {
        report_paths(result);
        if (result.ok) {
            return to_int(ExitCode::Success);
        }
        // The first path that answered with the deciding outcome: its sense data picks the exit status.
        const reservation::PathResult* decisive = nullptr;
        for (const auto& path : result.paths) {
            if (path.completion.outcome == result.outcome) {
                decisive = &path;
                break;
            }
        }
        core::ScsiCompletion completion;
        completion.outcome = result.outcome;
        ExitCode code = exit_code_for(decisive != nullptr ? decisive->completion : completion);
        std::string message = core::to_string(result.outcome);
        if (!result.message.empty()) {
            message += ": " + result.message;  // names the command, the path(s) and what the target said
        } else if (decisive != nullptr) {
            message += " on " + decisive->devnode + ": " + decisive->completion.detail;
        }
        if (code == ExitCode::Success) {
            code = ExitCode::Other;  // not ok, whatever the last path said
        }
        return fail(code, message);
    }

    struct CommandOutcome {
        reservation::CommandResult command;
        bool has_value = false;
    };

    const Environment& env_;
    const Request& request_;
};

}  // namespace

ExitCode exit_code_for(const core::ScsiCompletion& completion) {
    const std::optional<core::SenseKey> sense =
        completion.sense ? std::optional(completion.sense->sense_key) : std::nullopt;
    switch (completion.outcome) {
        case core::ScsiOutcome::Good:
            return ExitCode::Success;
        case core::ScsiOutcome::ReservationConflict:
            return ExitCode::ReservationConflict;
        case core::ScsiOutcome::NotSupported:
            return ExitCode::InvalidOperation;
        case core::ScsiOutcome::IllegalRequest:
            return ExitCode::IllegalRequest;
        case core::ScsiOutcome::UnitAttention:
            return ExitCode::UnitAttention;
        case core::ScsiOutcome::Busy:
        case core::ScsiOutcome::Failed:
            break;
    }
    if (!sense) {
        return ExitCode::Other;
    }
    switch (*sense) {
        case core::SenseKey::NotReady:
            return ExitCode::NotReady;
        case core::SenseKey::MediumError:
            return ExitCode::MediumError;
        case core::SenseKey::HardwareError:
            return ExitCode::HardwareError;
        case core::SenseKey::AbortedCommand:
            return ExitCode::AbortedCommand;
        case core::SenseKey::NoSense:
            return ExitCode::NoSense;
        default:
            return ExitCode::Other;
    }
}

int run(std::span<const std::string_view> args, const Environment& env) {
    auto request = parse_options(args);
    if (!request) {
        *env.err << kProgramName << ": " << request.error().message << "\n"
                 << "Try '" << kProgramName << " --help' for more information.\n";
        return to_int(ExitCode::SyntaxError);
    }
    if (request->help) {
        *env.out << usage_text();
        return to_int(ExitCode::Success);
    }
    Runner runner(env, *request);
    auto devt = env.device_number(request->device);
    if (!devt) {
        return runner.fail(ExitCode::FileError, devt.error().code == core::ErrorCode::NotFound
                                                    ? "no such device"
                                                    : devt.error().message);
    }
    auto map = resolve_map(request->device, *devt, env.sysfs_root, env.read_status);
    if (!map) {
        return runner.fail(ExitCode::DmmpError, map.error().message);
    }
    return runner.execute(*map);
}

}  // namespace pathkeeper::mpathpersist
