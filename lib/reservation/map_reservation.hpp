#pragma once
// Persistent reservation commands for one multipath map, sent through the map's paths. The one owner of
// the rule which command goes through which path: SPC registers a key per I_T nexus, so REGISTER and
// REGISTER AND IGNORE EXISTING KEY go through every path; every other command acts on the logical unit and
// goes through one path, the next one only when the first could not deliver it.
//
// Blocking (it calls the port): only from worker threads or a command-line tool.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/persistent_reservation.hpp"
#include "ports/persistent_reservations.hpp"

namespace pathkeeper::reservation {

struct PathTarget {
    std::string devnode;      // "sdc", for messages
    std::string device_path;  // "/dev/sdc", what the port opens
    // The initiator port the path leaves through ("host3"); empty: unknown, taken as a port of its own.
    // A registration with ALL_TG_PT covers every target port an initiator port reaches, so it goes through
    // one path per initiator port: a second one would find the nexus already registered.
    std::string initiator = {};
};

struct PathResult {
    std::string devnode;
    core::ScsiCompletion completion;  // the last attempt's, after unit attention retries
};

struct CommandResult {
    bool ok = false;
    core::ScsiOutcome outcome = core::ScsiOutcome::Failed;  // of the failure that decided it; Good when ok
    std::string message;            // one line for an admin: the command, the path(s), what the target said
    std::vector<PathResult> paths;  // every path the command was sent through, in order
};

template <typename T>
struct InResult {
    CommandResult command;
    std::optional<T> value;  // set when command.ok
};

class MapReservation {
public:
    // A unit attention is retried on the same path this many times: a reset or a preempted registration
    // reports one per nexus, and a target may stack several (reset, then registrations preempted).
    static constexpr int kUnitAttentionRetries = 3;
    // First READ KEYS allocation length; grown once to what the target says it needs.
    static constexpr std::uint16_t kReadKeysAllocationLength = 4096;

    MapReservation(ports::PersistentReservations& transport, std::vector<PathTarget> paths,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

    InResult<core::PrKeyList> read_keys();
    InResult<core::PrReservation> read_reservation();
    InResult<core::PrCapabilities> report_capabilities();

    // Through every path (one per initiator port with all_tg_pt). ignore_existing: REGISTER AND IGNORE
    // EXISTING KEY (current_key is not checked and not sent). new_key 0 unregisters.
    CommandResult register_key(core::PrKey current_key, core::PrKey new_key, bool ignore_existing, bool aptpl,
                               bool all_tg_pt);
    CommandResult reserve(core::PrKey key, core::PrType type);
    CommandResult release(core::PrKey key, core::PrType type);
    CommandResult clear(core::PrKey key);
    // Removes every registration of victim_key (and takes over its reservation with `type`); abort also
    // aborts the victim's outstanding commands.
    CommandResult preempt(core::PrKey key, core::PrKey victim_key, core::PrType type, bool abort);

private:
    // Sends through one path, retrying unit attentions there; returns the last attempt's completion.
    template <typename Send>
    core::ScsiCompletion send_with_retries(const PathTarget& path, Send&& send);
    // The one-path rule: paths in order until one delivers the command or the target gives a final answer.
    // `explain` turns a completion into the admin's text.
    template <typename Send, typename Explain>
    CommandResult on_one_path(const std::string& command, Send&& send, Explain&& explain);
    CommandResult pr_in(core::PrInAction action, std::uint16_t allocation_length,
                        std::vector<std::uint8_t>& data);
    CommandResult pr_out(const std::string& command, core::PrOutAction action,
                         std::optional<core::PrType> type, const core::PrOutParameters& parameters,
                         const std::string& conflict_hint);

    ports::PersistentReservations& transport_;
    std::vector<PathTarget> paths_;
    std::chrono::milliseconds timeout_;
};

}  // namespace pathkeeper::reservation
