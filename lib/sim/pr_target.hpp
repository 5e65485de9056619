#pragma once
// SimPrTarget: simulated logical units that answer persistent reservation commands the way an SPC-4 device
// server does, behind the same port as the SG_IO adaptor. Each device path is one I_T nexus of a logical
// unit; replies are real PR IN byte buffers, and errors are the completions the real status and sense bytes
// classify to, so the code under test parses and classifies exactly what a disk would send.
//
// Modelled: REGISTER / REGISTER AND IGNORE EXISTING KEY (ALL_TG_PT registers every nexus of the same
// initiator), RESERVE, RELEASE, CLEAR, PREEMPT / PREEMPT AND ABORT, READ KEYS, READ RESERVATION, REPORT
// CAPABILITIES, the PRgeneration, all-registrants reservation types, and the unit attentions SPC queues for
// the other nexuses (registrations preempted, reservations preempted or released). Not modelled: APTPL
// (accepted, nothing persists), SPEC_I_PT, REGISTER AND MOVE, the access restrictions a reservation places
// on reads and writes. Thread safe.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ports/persistent_reservations.hpp"

namespace pathkeeper::sim {

class SimPrTarget final : public ports::PersistentReservations {
public:
    // Adds `device_path` as one I_T nexus of logical unit `lu` (created on first use). Paths with the same
    // non-empty `initiator` share an initiator port, which matters only to ALL_TG_PT.
    void add_path(const std::string& device_path, const std::string& lu, const std::string& initiator = {});

    // Fault knobs. An unsupported unit answers every PR command with ILLEGAL REQUEST, invalid command
    // operation code; a failed path delivers nothing (a pulled cable: the host reports no connection); a
    // queued unit attention (power on or reset) is reported by the next command through that path.
    void set_supported(const std::string& lu, bool supported);
    void set_path_failed(const std::string& device_path, bool failed);
    void queue_unit_attention(const std::string& device_path);

    // For assertions.
    std::size_t command_count(const std::string& device_path) const;          // every command sent through it
    std::optional<core::PrKey> key_of(const std::string& device_path) const;  // nullopt: not registered
    struct ReservationState {
        // The holding nexus; nullopt for the all-registrants types, which every registrant holds.
        std::optional<std::string> holder;
        core::PrType type = core::PrType::WriteExclusive;
    };
    std::optional<ReservationState> reservation(const std::string& lu) const;
    std::uint32_t generation(const std::string& lu) const;

    ports::PrInReply pr_in(const std::string& device_path, core::PrInAction action,
                           std::uint16_t allocation_length, std::chrono::milliseconds timeout) override;
    core::ScsiCompletion pr_out(const std::string& device_path, core::PrOutAction action,
                                std::optional<core::PrType> type, const core::PrOutParameters& parameters,
                                std::chrono::milliseconds timeout) override;

private:
    struct Nexus {
        std::string lu;
        std::string initiator;
        bool failed = false;
        std::deque<std::pair<std::uint8_t, std::uint8_t>> unit_attentions;  // ASC, ASCQ
        std::size_t commands = 0;
    };
    struct Reservation {
        std::string holder;  // the reserving nexus (ignored for the all-registrants types)
        core::PrType type = core::PrType::WriteExclusive;
    };
    struct Lu {
        bool supported = true;
        std::uint32_t generation = 0;
        std::vector<std::pair<std::string, core::PrKey>> registrations;  // nexus, key; in registration order
        std::optional<Reservation> reservation;
    };

    // The completion for a command that did not reach the unit, or for the unit's first answer before the
    // service action runs (unit attention, unsupported); nullopt when the command goes ahead.
    std::optional<core::ScsiCompletion> admit(const std::string& device_path, Nexus*& nexus, Lu*& lu);
    core::ScsiCompletion register_key(const std::string& path, Nexus& nexus, Lu& lu, bool ignore_existing,
                                      const core::PrOutParameters& parameters);
    core::ScsiCompletion reserve(const std::string& path, Lu& lu, core::PrType type, core::PrKey key);
    core::ScsiCompletion release(const std::string& path, Lu& lu, core::PrType type, core::PrKey key);
    core::ScsiCompletion clear(const std::string& path, Lu& lu, core::PrKey key);
    core::ScsiCompletion preempt(const std::string& path, Lu& lu, core::PrType type,
                                 const core::PrOutParameters& parameters);
    void unregister(Lu& lu, const std::string& path);
    void notify_others(const Lu& lu, const std::string& except, std::uint8_t asc, std::uint8_t ascq);

    mutable std::mutex mutex_;
    std::map<std::string, Nexus> nexuses_;
    std::map<std::string, Lu> lus_;
};

}  // namespace pathkeeper::sim
