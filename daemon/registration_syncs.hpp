#pragma once
// RegistrationSyncs: runs the engine's SyncRegistration actions (path_registration.hpp) and feeds back
// RegistrationSynced. On threads of their own: a PR command through a dead path waits out its timeout, and
// must hold up neither dm operations nor path checks. The keys of maps with reservation_key "file" are read
// from the keys file at each sync, so a key recorded meanwhile (by the mpathpersist front end) is the one
// used.

#include <functional>
#include <string>
#include <vector>

#include "core/actions.hpp"
#include "daemon/dm_worker.hpp"
#include "daemon/event_sink.hpp"
#include "ports/persistent_reservations.hpp"
#include "ports/state_files.hpp"
#include "reservation/admin_command.hpp"

namespace pathkeeper::daemon {

class RegistrationSyncs {
public:
    // transport null: the back end sends no PR commands, every sync answers Unsupported.
    RegistrationSyncs(ports::PersistentReservations* transport, ports::StateFiles& files,
                      std::string keys_path, EventSink& sink);

    void start(const core::SyncRegistration& sync);

    // An administrator's command (pathctl reservation) on the map `map`, queued behind that map's earlier
    // ones. With key_from_file the request's key (and APTPL) is the one the keys file records for `wwid`,
    // read on the worker as the syncs read it. With keys_file_map (the map's reservation_key is "file"), a
    // register that worked records its key for `wwid` in the keys file and an unregister removes it, as
    // mpathpersist has multipathd do. `done` runs on the loop thread.
    using AdminDone = std::function<void(const core::Result<reservation::AdminPrResult>&)>;
    void run_admin(const std::string& map, reservation::AdminPrRequest request, bool key_from_file,
                   bool keys_file_map, const std::string& wwid, std::vector<reservation::PathTarget> paths,
                   AdminDone done);
    int fd() const { return worker_.fd(); }
    void run_completions() { worker_.run_completions(); }

    static constexpr std::size_t kThreads = 2;

private:
    // Records (or with key 0 removes) the WWID's key in the keys file, atomically; says why it could not.
    core::Result<void> record_key(const std::string& wwid, core::PrKey key, bool aptpl);

    ports::PersistentReservations* transport_;
    ports::StateFiles& files_;
    std::string keys_path_;
    EventSink& sink_;
    DmWorker worker_{kThreads};  // one queue per path: a path's syncs run in order
};

}  // namespace pathkeeper::daemon
