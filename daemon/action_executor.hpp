#pragma once
// ActionExecutor: performs what the engine decides. dm operations go to the DmWorker, in order per map
// (those that end in udev's work complete once udev is done), checks to the worker pool, state files are
// written on the loop thread, publications go to the bus link; every outcome goes back to the engine as an
// event.

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/actions.hpp"
#include "daemon/backend.hpp"
#include "daemon/bus_link.hpp"
#include "daemon/dm_worker.hpp"
#include "daemon/event_sink.hpp"
#include "daemon/registration_syncs.hpp"
#include "ports/logger.hpp"

namespace pathkeeper::daemon {

class ActionExecutor {
public:
    ActionExecutor(Backend& backend, DmWorker& dm_worker, RegistrationSyncs& registration_syncs,
                   EventSink& sink, BusLink& bus, ports::Logger& logger, std::string bindings_path,
                   std::string wwids_path);

    // The actions of one engine batch, in order. A path or map change is written as one structured journal
    // entry (journal_events.hpp), carrying the engine's Log line for it.
    void execute(const std::vector<core::Action>& actions);

    // The dm device of each map, as last read (at startup and by the dm operations).
    const std::map<std::string, core::DevT>& map_devices() const { return map_devices_; }
    void note_map_device(const std::string& name, core::DevT devt) { map_devices_[name] = devt; }
    // Maps a failed reload left suspended, which the daemon is resuming (shown by `pathctl show maps`).
    const std::set<std::string>& suspended_maps() const { return suspended_maps_; }

    // An administrator's removal (RemoveMap by_admin) was tried: "removed", "deferred", or why not.
    using AdminRemovalDone = std::function<void(const core::RemoveMap&, const core::Result<std::string>&)>;
    void on_admin_removal(AdminRemovalDone done) { admin_removal_done_ = std::move(done); }

    // A map left suspended is resumed again after kResumeRetryFirst, doubling up to kResumeRetryMax.
    static constexpr std::chrono::milliseconds kResumeRetryFirst{200};
    static constexpr std::chrono::milliseconds kResumeRetryMax{10000};

private:
    void execute(const core::Action& action);
    void completed(const core::Action& action, const core::Result<void>& result);
    // A dm change that ends in udev's work (create, reload, remove, rename), as a deferred DmWorker job:
    // `start` runs the ioctl on the worker; once udev is done with it (or at once when it failed) `finish`
    // runs on the worker with the ioctl's result and returns what the loop thread does next.
    using UdevStart = std::function<core::Result<ports::DeviceMapper::UdevHandle>()>;
    using UdevFinish = std::function<DmWorker::Continuation(const core::Result<void>&)>;
    void submit_udev_synced(const std::string& map, UdevStart start, UdevFinish finish);
    // The DmWorker queue of a map: its name, or after a rename the queue of the name it had.
    const std::string& queue_of(const std::string& map) const;
    // Resumes a map left suspended until it runs (or is gone), on its own DmWorker queue.
    void keep_resuming(const std::string& map);
    void save_file(const core::Action& action, const std::string& path, const std::string& text);
    void start_check(const core::StartCheck& check);

    Backend& backend_;
    DmWorker& dm_worker_;
    RegistrationSyncs& registration_syncs_;
    EventSink& sink_;
    BusLink& bus_;
    ports::Logger& logger_;
    std::string bindings_path_;
    std::string wwids_path_;
    std::map<std::string, core::DevT> map_devices_;
    std::map<std::string, std::string> queue_of_map_;
    AdminRemovalDone admin_removal_done_;
    std::set<std::string> suspended_maps_;  // renamed maps: new name -> queue of the old one
};

}  // namespace pathkeeper::daemon
