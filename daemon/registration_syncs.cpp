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

KeyToUse key_in_file(const std::string& wwid, bool aptpl, ports::StateFiles& files,
                     const std::string& keys_path) {
    auto text = files.read(keys_path);
    if (!text) {
        return {std::nullopt, false, "no key recorded for WWID " + wwid + " (" + text.error().message + ")"};
    }
    auto parsed = core::parse_reservation_keys(*text);
    if (!parsed) {
        return {std::nullopt, false, keys_path + ": " + parsed.error().message};
    }
    const core::ReservationKeyEntry* entry = parsed->keys.find(wwid);
    if (entry == nullptr) {
        return {std::nullopt, false, "no key recorded for WWID " + wwid + " in " + keys_path};
    }
    return {entry->key, aptpl || entry->aptpl, {}};
}

KeyToUse key_for(const core::SyncRegistration& sync, ports::StateFiles& files, const std::string& keys_path) {
    if (sync.key.mode == core::ReservationKey::Mode::Fixed) {
        return {sync.key.key, sync.aptpl, {}};
    }
    return key_in_file(sync.wwid, sync.aptpl, files, keys_path);
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
            reservation::RegistrationSyncResult r = reservation::sync_path_registration(
                *transport_, {sync.devnode, "/dev/" + sync.devnode, {}}, *k.key, k.aptpl, sync.all_tg_pt,
                sync.timeout, sync.confirm_only);
            answer.verdict = r.verdict;
            answer.detail = std::move(r.detail);
        }
        return [this, answer = std::move(answer)]() {
            sink_.feed(answer);
            sink_.topology_changed();
        };
    });
}

core::Result<void> RegistrationSyncs::record_key(const std::string& wwid, core::PrKey key, bool aptpl) {
    core::ReservationKeys keys;
    if (auto text = files_.read(keys_path_)) {
        auto parsed = core::parse_reservation_keys(*text);
        if (!parsed) {
            return core::make_error(parsed.error().code, keys_path_ + ": " + parsed.error().message);
        }
        keys = std::move(parsed->keys);
    } else if (text.error().code != core::ErrorCode::NotFound) {
        return core::make_error(text.error().code, keys_path_ + ": " + text.error().message);
    }
    if (key == 0) {
        if (!keys.remove(wwid)) {
            return {};
        }
    } else if (auto set = keys.set(wwid, key, aptpl); !set) {
        return set;
    }
    return files_.write_atomic(keys_path_, core::format_reservation_keys(keys));
}

void RegistrationSyncs::run_admin(const std::string& map, reservation::AdminPrRequest request,
                                  bool key_from_file, bool keys_file_map, const std::string& wwid,
                                  std::vector<reservation::PathTarget> paths, AdminDone done) {
    // A queue of the map's own, apart from its paths' syncs: an admin's commands run in the order given.
    worker_.submit(
        "reservation " + map,
        [this, request, key_from_file, keys_file_map, wwid, paths = std::move(paths),
         done = std::move(done)]() mutable -> DmWorker::Continuation {
            core::Result<reservation::AdminPrResult> result = core::make_error(core::ErrorCode::Internal, "");
            if (transport_ == nullptr) {
                result = core::make_error(core::ErrorCode::NotSupported,
                                          "this back end sends no persistent reservation commands");
            } else if (KeyToUse k = key_from_file ? key_in_file(wwid, request.aptpl, files_, keys_path_)
                                                  : KeyToUse{request.key, request.aptpl, {}};
                       !k.key) {
                result = core::make_error(core::ErrorCode::InvalidArgument,
                                          k.why_none + "; give the key with --key");
            } else {
                request.key = *k.key;
                request.aptpl = k.aptpl;
                result = reservation::run_admin_command(*transport_, std::move(paths), request);
                const bool registering = request.command == reservation::AdminCommand::Register;
                if (keys_file_map && result && result->command.ok &&
                    (registering || request.command == reservation::AdminCommand::Unregister)) {
                    // The sync of a returning path reads the key from there.
                    if (auto recorded = record_key(wwid, registering ? request.key : 0, request.aptpl);
                        !recorded) {
                        result->command.message +=
                            "; but the keys file was not updated: " + recorded.error().message;
                    }
                }
            }
            return [done = std::move(done), result = std::move(result)]() { done(result); };
        });
}

}  // namespace pathkeeper::daemon
