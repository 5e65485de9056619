#include "reservation/map_reservation.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace pathkeeper::reservation {

namespace {

using core::ScsiOutcome;

// The target's own answer about the logical unit: another path would get the same one.
bool is_final(ScsiOutcome outcome) {
    return outcome == ScsiOutcome::ReservationConflict || outcome == ScsiOutcome::NotSupported ||
           outcome == ScsiOutcome::IllegalRequest;
}

std::string key_text(core::PrKey key) {
    return "key " + core::format_pr_key(key);
}

// What a completion means to an admin. `conflict_hint` says what a reservation conflict means for the
// command at hand (the target does not say which rule it broke).
std::string explain(const core::ScsiCompletion& completion, const std::string& conflict_hint) {
    switch (completion.outcome) {
        case ScsiOutcome::Good:
            return "done";
        case ScsiOutcome::ReservationConflict:
            return "reservation conflict: " + conflict_hint;
        case ScsiOutcome::NotSupported:
            if (completion.sense && completion.sense->has_asc && completion.sense->asc == 0x20) {
                return "the target does not support persistent reservations (" +
                       core::describe(*completion.sense) + ")";
            }
            return "the target does not support this service action or reservation type" +
                   (completion.sense ? " (" + core::describe(*completion.sense) + ")" : std::string());
        case ScsiOutcome::IllegalRequest:
            return "the target rejected the request: " + completion.detail;
        case ScsiOutcome::UnitAttention:
            return "the target kept reporting a state change: " + completion.detail;
        case ScsiOutcome::Busy:
            return "the target is busy: " + completion.detail;
        case ScsiOutcome::Failed:
            return completion.detail;
    }
    return completion.detail;
}

CommandResult no_path(const std::string& command) {
    CommandResult out;
    out.message = "no path to send " + command + " through";
    return out;
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) {
            out += separator;
        }
        out += part;
    }
    return out;
}

}  // namespace

MapReservation::MapReservation(ports::PersistentReservations& transport, std::vector<PathTarget> paths,
                               std::chrono::milliseconds timeout)
    : transport_(transport), paths_(std::move(paths)), timeout_(timeout) {}

template <typename Send>
core::ScsiCompletion MapReservation::send_with_retries(const PathTarget& path, Send&& send) {
    core::ScsiCompletion completion = send(path);
    for (int retry = 0; retry < kUnitAttentionRetries && completion.outcome == ScsiOutcome::UnitAttention;
         ++retry) {
        completion = send(path);
    }
    return completion;
}

template <typename Send, typename Explain>
CommandResult MapReservation::on_one_path(const std::string& command, Send&& send, Explain&& explain_for) {
    if (paths_.empty()) {
        return no_path(command);
    }
    CommandResult out;
    std::vector<std::string> undelivered;
    for (const auto& path : paths_) {
        core::ScsiCompletion completion = send_with_retries(path, send);
        const ScsiOutcome outcome = completion.outcome;
        std::string text = explain_for(completion);
        out.paths.push_back({path.devnode, std::move(completion)});
        if (outcome == ScsiOutcome::Good || is_final(outcome)) {
            out.ok = outcome == ScsiOutcome::Good;
            out.outcome = outcome;
            out.message = command + " through " + path.devnode + ": " + text;
            if (!undelivered.empty()) {
                out.message += " (not delivered through " + join(undelivered, "; ") + ")";
            }
            return out;
        }
        out.outcome = outcome;
        undelivered.push_back(path.devnode + ": " + text);
    }
    out.message = command + " failed on every path: " + join(undelivered, "; ");
    return out;
}

CommandResult MapReservation::pr_in(core::PrInAction action, std::uint16_t allocation_length,
                                    std::vector<std::uint8_t>& data) {
    auto send = [&](const PathTarget& path) {
        ports::PrInReply reply = transport_.pr_in(path.device_path, action, allocation_length, timeout_);
        data = std::move(reply.data);
        return reply.completion;
    };
    return on_one_path(core::to_string(action), send, [](const core::ScsiCompletion& c) {
        return explain(c, "another host's reservation");
    });
}

CommandResult MapReservation::pr_out(const std::string& command, core::PrOutAction action,
                                     std::optional<core::PrType> type,
                                     const core::PrOutParameters& parameters,
                                     const std::string& conflict_hint) {
    auto send = [&](const PathTarget& path) {
        return transport_.pr_out(path.device_path, action, type, parameters, timeout_);
    };
    return on_one_path(command, send,
                       [&](const core::ScsiCompletion& c) { return explain(c, conflict_hint); });
}

namespace {

// Parses a PR IN reply of a delivered command; a reply the parser rejects fails the command.
template <typename T, typename Parse>
InResult<T> parsed(CommandResult command, const std::vector<std::uint8_t>& data, Parse parse) {
    InResult<T> out;
    if (command.ok) {
        auto value = parse(std::span<const std::uint8_t>(data));
        if (value) {
            out.value = std::move(*value);
        } else {
            command.ok = false;
            command.outcome = ScsiOutcome::Failed;
            command.message += ", but the reply is unreadable: " + value.error().message;
        }
    }
    out.command = std::move(command);
    return out;
}

}  // namespace

InResult<core::PrKeyList> MapReservation::read_keys() {
    std::vector<std::uint8_t> data;
    auto result = parsed<core::PrKeyList>(pr_in(core::PrInAction::ReadKeys, kReadKeysAllocationLength, data),
                                          data, core::parse_read_keys);
    if (!result.value || !result.value->truncated) {
        return result;
    }
    // More keys than the first reply held: ask once more for all of them (or as many as fit in one reply).
    const auto grown = static_cast<std::uint16_t>(
        std::min<std::uint64_t>(result.value->required_length, core::kPrInMaxAllocationLength));
    if (grown <= kReadKeysAllocationLength) {
        return result;
    }
    auto first_paths = std::move(result.command.paths);
    result =
        parsed<core::PrKeyList>(pr_in(core::PrInAction::ReadKeys, grown, data), data, core::parse_read_keys);
    first_paths.insert(first_paths.end(), std::make_move_iterator(result.command.paths.begin()),
                       std::make_move_iterator(result.command.paths.end()));
    result.command.paths = std::move(first_paths);
    if (result.value && result.value->truncated) {
        result.command.message += " (only " + std::to_string(result.value->keys.size()) +
                                  " keys fit in one reply; the target holds more)";
    }
    return result;
}

InResult<core::PrReservation> MapReservation::read_reservation() {
    std::vector<std::uint8_t> data;
    return parsed<core::PrReservation>(pr_in(core::PrInAction::ReadReservation, 4096, data), data,
                                       core::parse_read_reservation);
}

InResult<core::PrCapabilities> MapReservation::report_capabilities() {
    std::vector<std::uint8_t> data;
    return parsed<core::PrCapabilities>(pr_in(core::PrInAction::ReportCapabilities, 4096, data), data,
                                        core::parse_report_capabilities);
}

CommandResult MapReservation::register_key(core::PrKey current_key, core::PrKey new_key, bool ignore_existing,
                                           bool aptpl, bool all_tg_pt) {
    const core::PrOutAction action =
        ignore_existing ? core::PrOutAction::RegisterAndIgnoreExistingKey : core::PrOutAction::Register;
    const std::string command = std::string(core::to_string(action)) + " " + key_text(new_key);
    if (paths_.empty()) {
        return no_path(command);
    }
    core::PrOutParameters parameters;
    parameters.reservation_key = ignore_existing ? 0 : current_key;
    parameters.service_action_key = new_key;
    parameters.aptpl = aptpl;
    parameters.all_tg_pt = all_tg_pt;
    const std::string conflict_hint =
        current_key == 0 ? "a key is already registered through this path"
                         : "the key registered through this path is not " + core::format_pr_key(current_key);
    auto send = [&](const PathTarget& path) {
        return transport_.pr_out(path.device_path, action, std::nullopt, parameters, timeout_);
    };

    CommandResult out;
    std::set<std::string> registered_initiators;
    std::vector<std::string> sent;
    struct Failure {
        std::string initiator;
        std::string text;
        ScsiOutcome outcome;
    };
    std::vector<Failure> failures;
    for (const auto& path : paths_) {
        // With ALL_TG_PT one path per initiator port registers them all.
        const bool shared_port = all_tg_pt && !path.initiator.empty();
        if (shared_port && registered_initiators.count(path.initiator) != 0) {
            continue;
        }
        core::ScsiCompletion completion = send_with_retries(path, send);
        sent.push_back(path.devnode);
        if (completion.outcome == ScsiOutcome::Good) {
            if (shared_port) {
                registered_initiators.insert(path.initiator);
            }
        } else {
            failures.push_back({shared_port ? path.initiator : std::string(),
                                path.devnode + ": " + explain(completion, conflict_hint),
                                completion.outcome});
        }
        out.paths.push_back({path.devnode, std::move(completion)});
    }
    // A path that failed is covered when another path of its initiator port registered with ALL_TG_PT.
    std::erase_if(failures, [&](const Failure& failure) {
        return !failure.initiator.empty() && registered_initiators.count(failure.initiator) != 0;
    });
    if (failures.empty()) {
        out.ok = true;
        out.outcome = ScsiOutcome::Good;
        out.message = command + " through " + join(sent, ", ") + ": done";
        return out;
    }
    out.outcome = failures.front().outcome;
    std::vector<std::string> texts;
    for (const auto& failure : failures) {
        texts.push_back(failure.text);
    }
    out.message = command + " failed through " + std::to_string(failures.size()) + " of " +
                  std::to_string(sent.size()) + " paths: " + join(texts, "; ");
    return out;
}

CommandResult MapReservation::reserve(core::PrKey key, core::PrType type) {
    core::PrOutParameters parameters;
    parameters.reservation_key = key;
    return pr_out(std::string("reserve ") + core::to_string(type) + " with " + key_text(key),
                  core::PrOutAction::Reserve, type, parameters,
                  key_text(key) + " is not registered, or another host holds the reservation");
}

CommandResult MapReservation::release(core::PrKey key, core::PrType type) {
    core::PrOutParameters parameters;
    parameters.reservation_key = key;
    return pr_out(std::string("release ") + core::to_string(type) + " with " + key_text(key),
                  core::PrOutAction::Release, type, parameters, key_text(key) + " is not registered");
}

CommandResult MapReservation::clear(core::PrKey key) {
    core::PrOutParameters parameters;
    parameters.reservation_key = key;
    return pr_out("clear with " + key_text(key), core::PrOutAction::Clear, std::nullopt, parameters,
                  key_text(key) + " is not registered");
}

CommandResult MapReservation::preempt(core::PrKey key, core::PrKey victim_key, core::PrType type,
                                      bool abort) {
    core::PrOutParameters parameters;
    parameters.reservation_key = key;
    parameters.service_action_key = victim_key;
    const core::PrOutAction action = abort ? core::PrOutAction::PreemptAndAbort : core::PrOutAction::Preempt;
    return pr_out(std::string(core::to_string(action)) + " " + key_text(victim_key) + " with " +
                      key_text(key) + " as " + core::to_string(type),
                  action, type, parameters,
                  key_text(key) + " is not registered, or no registration has " + key_text(victim_key));
}

}  // namespace pathkeeper::reservation
