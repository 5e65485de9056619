#include "sim/pr_target.hpp"

#include <algorithm>
#include <array>

namespace pathkeeper::sim {

namespace {

using core::PrKey;
using core::ScsiCompletion;

// Additional sense codes the device server reports (SPC-4 annex D).
constexpr std::uint8_t kAscInvalidOpcode = 0x20;
constexpr std::uint8_t kAscInvalidFieldInCdb = 0x24;
constexpr std::uint8_t kAscInvalidFieldInParameterList = 0x26;
constexpr std::uint8_t kAscPowerOnReset = 0x29;
constexpr std::uint8_t kAscParametersChanged = 0x2a;
constexpr std::uint8_t kAscqReservationsPreempted = 0x03;
constexpr std::uint8_t kAscqReservationsReleased = 0x04;
constexpr std::uint8_t kAscqRegistrationsPreempted = 0x05;
constexpr std::uint8_t kAscqInvalidRelease = 0x04;  // with 0x26: invalid release of persistent reservation

// What the host adaptor reports when the cable is pulled, in the SG_IO adaptor's words.
constexpr const char* kNoConnect = "transport error: host status 0x01 (DID_NO_CONNECT)";

// Fixed-format sense data, as a target returns it with CHECK CONDITION.
ScsiCompletion check_condition(core::SenseKey key, std::uint8_t asc, std::uint8_t ascq) {
    std::array<std::uint8_t, 18> sense{};
    sense[0] = 0x70;
    sense[2] = static_cast<std::uint8_t>(key);
    sense[7] = 10;  // additional sense length: bytes 8-17
    sense[12] = asc;
    sense[13] = ascq;
    return core::classify_scsi_completion(core::kScsiStatusCheckCondition, sense);
}

ScsiCompletion status(std::uint8_t status) {
    return core::classify_scsi_completion(status, {});
}
ScsiCompletion good() {
    return status(core::kScsiStatusGood);
}
ScsiCompletion conflict() {
    return status(core::kScsiStatusReservationConflict);
}
ScsiCompletion illegal(std::uint8_t asc, std::uint8_t ascq = 0) {
    return check_condition(core::SenseKey::IllegalRequest, asc, ascq);
}

ScsiCompletion transport_failure(const std::string& device_path, const std::string& why) {
    ScsiCompletion out;
    out.outcome = core::ScsiOutcome::Failed;
    out.detail = device_path + ": " + why;
    return out;
}

bool all_registrants(core::PrType type) {
    return type == core::PrType::WriteExclusiveAllRegistrants ||
           type == core::PrType::ExclusiveAccessAllRegistrants;
}

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
}

void put_be64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    put_be32(out, static_cast<std::uint32_t>(v >> 32));
    put_be32(out, static_cast<std::uint32_t>(v));
}

}  // namespace

void SimPrTarget::add_path(const std::string& device_path, const std::string& lu,
                           const std::string& initiator) {
    std::lock_guard lock(mutex_);
    Nexus& nexus = nexuses_[device_path];
    nexus.lu = lu;
    nexus.initiator = initiator;
    lus_[lu];
}

void SimPrTarget::set_supported(const std::string& lu, bool supported) {
    std::lock_guard lock(mutex_);
    lus_[lu].supported = supported;
}

void SimPrTarget::set_path_failed(const std::string& device_path, bool failed) {
    std::lock_guard lock(mutex_);
    nexuses_.at(device_path).failed = failed;
}

void SimPrTarget::queue_unit_attention(const std::string& device_path) {
    std::lock_guard lock(mutex_);
    nexuses_.at(device_path).unit_attentions.emplace_back(kAscPowerOnReset, 0x00);
}

std::size_t SimPrTarget::command_count(const std::string& device_path) const {
    std::lock_guard lock(mutex_);
    auto it = nexuses_.find(device_path);
    return it == nexuses_.end() ? 0 : it->second.commands;
}

std::optional<PrKey> SimPrTarget::key_of(const std::string& device_path) const {
    std::lock_guard lock(mutex_);
    auto nexus = nexuses_.find(device_path);
    if (nexus == nexuses_.end()) {
        return std::nullopt;
    }
    for (const auto& [path, key] : lus_.at(nexus->second.lu).registrations) {
        if (path == device_path) {
            return key;
        }
    }
    return std::nullopt;
}

std::optional<SimPrTarget::ReservationState> SimPrTarget::reservation(const std::string& lu) const {
    std::lock_guard lock(mutex_);
    auto it = lus_.find(lu);
    if (it == lus_.end() || !it->second.reservation) {
        return std::nullopt;
    }
    const Reservation& r = *it->second.reservation;
    ReservationState out;
    out.type = r.type;
    if (!all_registrants(r.type)) {
        out.holder = r.holder;
    }
    return out;
}

std::uint32_t SimPrTarget::generation(const std::string& lu) const {
    std::lock_guard lock(mutex_);
    auto it = lus_.find(lu);
    return it == lus_.end() ? 0 : it->second.generation;
}

std::optional<ScsiCompletion> SimPrTarget::admit(const std::string& device_path, Nexus*& nexus, Lu*& lu) {
    auto it = nexuses_.find(device_path);
    if (it == nexuses_.end()) {
        return transport_failure(device_path, "cannot open: No such file or directory");
    }
    nexus = &it->second;
    ++nexus->commands;
    if (nexus->failed) {
        return transport_failure(device_path, kNoConnect);
    }
    lu = &lus_.at(nexus->lu);
    // A pending unit attention is reported instead of running the command, one per command (SAM-5 5.14).
    if (!nexus->unit_attentions.empty()) {
        const auto [asc, ascq] = nexus->unit_attentions.front();
        nexus->unit_attentions.pop_front();
        return check_condition(core::SenseKey::UnitAttention, asc, ascq);
    }
    if (!lu->supported) {
        return illegal(kAscInvalidOpcode);
    }
    return std::nullopt;
}

ports::PrInReply SimPrTarget::pr_in(const std::string& device_path, core::PrInAction action,
                                    std::uint16_t allocation_length, std::chrono::milliseconds) {
    std::lock_guard lock(mutex_);
    Nexus* nexus = nullptr;
    Lu* lu = nullptr;
    ports::PrInReply reply;
    if (auto refused = admit(device_path, nexus, lu)) {
        reply.completion = std::move(*refused);
        return reply;
    }
    std::vector<std::uint8_t>& out = reply.data;
    switch (action) {
        case core::PrInAction::ReadKeys:
            put_be32(out, lu->generation);
            put_be32(out, static_cast<std::uint32_t>(8 * lu->registrations.size()));
            for (const auto& registration : lu->registrations) {
                put_be64(out, registration.second);
            }
            break;
        case core::PrInAction::ReadReservation:
            put_be32(out, lu->generation);
            if (!lu->reservation) {
                put_be32(out, 0);
                break;
            }
            put_be32(out, 16);
            {
                PrKey key = 0;  // the all-registrants types report key 0 (SPC-4 6.15.3.3)
                if (!all_registrants(lu->reservation->type)) {
                    for (const auto& [path, registered] : lu->registrations) {
                        key = path == lu->reservation->holder ? registered : key;
                    }
                }
                put_be64(out, key);
                put_be32(out, 0);                                                 // obsolete
                out.push_back(0);                                                 // reserved
                out.push_back(static_cast<std::uint8_t>(lu->reservation->type));  // scope LU_SCOPE, type
                out.push_back(0);                                                 // obsolete
                out.push_back(0);
            }
            break;
        case core::PrInAction::ReportCapabilities:
            // Length 8; ATP_C and PTPL_C; TMV with every type of SPC-4 table 213.
            out = {0x00, 0x08, 0x05, 0x80, 0xea, 0x01, 0x00, 0x00};
            break;
    }
    out.resize(std::min<std::size_t>(out.size(), allocation_length));
    reply.completion = good();
    return reply;
}

ScsiCompletion SimPrTarget::pr_out(const std::string& device_path, core::PrOutAction action,
                                   std::optional<core::PrType> type, const core::PrOutParameters& parameters,
                                   std::chrono::milliseconds) {
    std::lock_guard lock(mutex_);
    Nexus* nexus = nullptr;
    Lu* lu = nullptr;
    if (auto refused = admit(device_path, nexus, lu)) {
        return std::move(*refused);
    }
    const bool needs_type = action == core::PrOutAction::Reserve || action == core::PrOutAction::Release ||
                            action == core::PrOutAction::Preempt ||
                            action == core::PrOutAction::PreemptAndAbort;
    if (needs_type && !type) {
        return illegal(kAscInvalidFieldInCdb);  // TYPE 0 is obsolete
    }
    switch (action) {
        case core::PrOutAction::Register:
            return register_key(device_path, *nexus, *lu, false, parameters);
        case core::PrOutAction::RegisterAndIgnoreExistingKey:
            return register_key(device_path, *nexus, *lu, true, parameters);
        case core::PrOutAction::Reserve:
            return reserve(device_path, *lu, *type, parameters.reservation_key);
        case core::PrOutAction::Release:
            return release(device_path, *lu, *type, parameters.reservation_key);
        case core::PrOutAction::Clear:
            return clear(device_path, *lu, parameters.reservation_key);
        case core::PrOutAction::Preempt:
        case core::PrOutAction::PreemptAndAbort:
            return preempt(device_path, *lu, *type, parameters);
    }
    return illegal(kAscInvalidFieldInCdb);
}

namespace {

std::optional<PrKey> registered_key(const std::vector<std::pair<std::string, PrKey>>& registrations,
                                    const std::string& path) {
    for (const auto& [registered_path, key] : registrations) {
        if (registered_path == path) {
            return key;
        }
    }
    return std::nullopt;
}

}  // namespace

ScsiCompletion SimPrTarget::register_key(const std::string& path, Nexus& nexus, Lu& lu, bool ignore_existing,
                                         const core::PrOutParameters& parameters) {
    const std::optional<PrKey> current = registered_key(lu.registrations, path);
    if (!ignore_existing) {
        // SPC-4 5.13.7.2: an unregistered nexus must send key 0, a registered one its own key.
        if (current ? parameters.reservation_key != *current : parameters.reservation_key != 0) {
            return conflict();
        }
    }
    // ALL_TG_PT: the same initiator port reaches the unit through every one of its paths.
    std::vector<std::string> targets{path};
    if (parameters.all_tg_pt && !nexus.initiator.empty()) {
        for (const auto& [other, other_nexus] : nexuses_) {
            if (other != path && other_nexus.lu == nexus.lu && other_nexus.initiator == nexus.initiator) {
                targets.push_back(other);
            }
        }
    }
    const PrKey new_key = parameters.service_action_key;
    if (!current && new_key == 0) {
        return good();  // unregistered, asked to unregister: nothing to do
    }
    for (const auto& target : targets) {
        if (new_key == 0) {
            unregister(lu, target);
            continue;
        }
        auto it = std::find_if(lu.registrations.begin(), lu.registrations.end(),
                               [&](const auto& r) { return r.first == target; });
        if (it != lu.registrations.end()) {
            it->second = new_key;
        } else {
            lu.registrations.emplace_back(target, new_key);
        }
    }
    ++lu.generation;
    return good();
}

ScsiCompletion SimPrTarget::reserve(const std::string& path, Lu& lu, core::PrType type, PrKey key) {
    const std::optional<PrKey> current = registered_key(lu.registrations, path);
    if (!current || *current != key) {
        return conflict();
    }
    if (lu.reservation) {
        const bool holds = all_registrants(lu.reservation->type) || lu.reservation->holder == path;
        return holds && lu.reservation->type == type ? good() : conflict();
    }
    lu.reservation = Reservation{path, type};
    return good();
}

ScsiCompletion SimPrTarget::release(const std::string& path, Lu& lu, core::PrType type, PrKey key) {
    const std::optional<PrKey> current = registered_key(lu.registrations, path);
    if (!current || *current != key) {
        return conflict();
    }
    if (!lu.reservation) {
        return good();
    }
    const bool holds = all_registrants(lu.reservation->type) || lu.reservation->holder == path;
    if (!holds) {
        return good();  // SPC-4 5.13.10.2: releasing someone else's reservation is a no-op
    }
    if (lu.reservation->type != type) {
        return illegal(kAscInvalidFieldInParameterList, kAscqInvalidRelease);
    }
    const core::PrType released = lu.reservation->type;
    lu.reservation.reset();
    if (released != core::PrType::WriteExclusive && released != core::PrType::ExclusiveAccess) {
        notify_others(lu, path, kAscParametersChanged, kAscqReservationsReleased);
    }
    return good();
}

ScsiCompletion SimPrTarget::clear(const std::string& path, Lu& lu, PrKey key) {
    const std::optional<PrKey> current = registered_key(lu.registrations, path);
    if (!current || *current != key) {
        return conflict();
    }
    notify_others(lu, path, kAscParametersChanged, kAscqReservationsPreempted);
    lu.registrations.clear();
    lu.reservation.reset();
    ++lu.generation;
    return good();
}

ScsiCompletion SimPrTarget::preempt(const std::string& path, Lu& lu, core::PrType type,
                                    const core::PrOutParameters& parameters) {
    const std::optional<PrKey> current = registered_key(lu.registrations, path);
    if (!current || *current != parameters.reservation_key) {
        return conflict();
    }
    const PrKey victim = parameters.service_action_key;
    const bool all_registrants_held = lu.reservation && all_registrants(lu.reservation->type);
    // Key 0 names a victim only under an all-registrants reservation, where it means every other registrant.
    if (victim == 0 && !all_registrants_held) {
        return illegal(kAscInvalidFieldInParameterList);
    }
    std::vector<std::string> victims;
    for (const auto& [registered_path, key] : lu.registrations) {
        if (registered_path != path && (victim == 0 || key == victim)) {
            victims.push_back(registered_path);
        }
    }
    const bool victim_holds =
        lu.reservation && (all_registrants_held ? victim == 0
                                                : registered_key(lu.registrations, lu.reservation->holder) ==
                                                      std::optional<PrKey>(victim));
    if (victims.empty() && !victim_holds) {
        return conflict();  // SPC-4 5.13.11.2.4: the key names no registration
    }
    for (const auto& victim_path : victims) {
        nexuses_.at(victim_path)
            .unit_attentions.emplace_back(kAscParametersChanged, kAscqRegistrationsPreempted);
        std::erase_if(lu.registrations, [&](const auto& r) { return r.first == victim_path; });
    }
    if (victim_holds) {
        lu.reservation = Reservation{path, type};
    }
    ++lu.generation;
    return good();
}

void SimPrTarget::unregister(Lu& lu, const std::string& path) {
    std::erase_if(lu.registrations, [&](const auto& r) { return r.first == path; });
    if (!lu.reservation) {
        return;
    }
    // The holder's reservation ends with its registration; an all-registrants one with the last registrant.
    const bool ends =
        all_registrants(lu.reservation->type) ? lu.registrations.empty() : lu.reservation->holder == path;
    if (ends) {
        const core::PrType type = lu.reservation->type;
        lu.reservation.reset();
        if (type != core::PrType::WriteExclusive && type != core::PrType::ExclusiveAccess) {
            notify_others(lu, path, kAscParametersChanged, kAscqReservationsReleased);
        }
    }
}

void SimPrTarget::notify_others(const Lu& lu, const std::string& except, std::uint8_t asc,
                                std::uint8_t ascq) {
    for (const auto& [path, key] : lu.registrations) {
        if (path != except) {
            nexuses_.at(path).unit_attentions.emplace_back(asc, ascq);
        }
    }
}

}  // namespace pathkeeper::sim
