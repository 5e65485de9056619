#include "daemon/registration_syncs.hpp"

#include "core/reservation_keys.hpp"
#include "reservation/path_registration_sync.hpp"

namespace pathkeeper::daemon {

RegistrationSyncs::RegistrationSyncs(ports::PersistentReservations* transport, ports::StateFiles& files,
                                     std::string keys_path, EventSink& sink)
    : transport_(transport), files_(files), keys_path_(std::move(keys_path)), sink_(sink) {}

namespace {

struct KeyToUse {
    std::optional<core::PrKey> key;
    bool aptpl = false;
    std::string why_none;
};

KeyToUse key_for(const core::SyncRegistration& sync, ports::StateFiles& files, const std::string& keys_path) {
    if (sync.key.mode == core::ReservationKey::Mode::Fixed) {
        return {sync.key.key, sync.aptpl, {}};
    }
    auto text = files.read(keys_path);
    if (!text) {
        return {std::nullopt, false,
                "no key recorded for WWID " + sync.wwid + " (" + text.error().message + ")"};
    }
    auto parsed = core::parse_reservation_keys(*text);
    if (!parsed) {
        return {std::nullopt, false, keys_path + ": " + parsed.error().message};
    }
    const core::ReservationKeyEntry* entry = parsed->keys.find(sync.wwid);
    if (entry == nullptr) {
        return {std::nullopt, false, "no key recorded for WWID " + sync.wwid + " in " + keys_path};
    }
    return {entry->key, sync.aptpl || entry->aptpl, {}};
}

}  // namespace

void RegistrationSyncs::start(const core::SyncRegistration& sync) {
    worker_.submit(sync.devnode, [this, sync]() -> DmWorker::Continuation {
        core::RegistrationSynced answer{sync.devnode, sync.sync_id, core::RegistrationVerdict::Failed, {}};
        if (transport_ == nullptr) {
            answer.verdict = core::RegistrationVerdict::Unsupported;
            answer.detail = "this back end sends no persistent reservation commands";
        } else if (KeyToUse k = key_for(sync, files_, keys_path_); !k.key) {
            answer.verdict = core::RegistrationVerdict::HostUnregistered;
            answer.detail = k.why_none;
        } else {
            reservation::RegistrationSyncResult r =
                reservation::sync_path_registration(*transport_, {sync.devnode, "/dev/" + sync.devnode, {}},
                                                    *k.key, k.aptpl, sync.all_tg_pt, sync.timeout);
            answer.verdict = r.verdict;
            answer.detail = std::move(r.detail);
        }
        return [this, answer = std::move(answer)]() {
            sink_.feed(answer);
            sink_.topology_changed();
        };
    });
}

}  // namespace pathkeeper::daemon
