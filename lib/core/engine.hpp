#pragma once
// The policy engine: handle(event, now) -> actions. Owns what pathkeeperd knows (paths, their checker
// state machines, the maps it has loaded, queueing and failback state, iSCSI recovery timeouts) and
// decides everything; the daemon performs the actions and reports their outcome back as events.
//
// How it decides (desired vs actual, as libstorage-ng does):
//  - topology events (paths added / changed / removed, config, ALUA change, startup) re-run
//    plan_maps() over every known path and diff the result with the maps loaded: create, rename,
//    reload (no-flush) or remove; each path's SCSI settings (PathTunings) go out before the table. Tables are
//    compared as the kernel sees them (tables_equivalent, after matching groups by their path sets), so a
//    pure change of group *order* never reloads: group order is the failback policy's business and is done
//    with switch_group;
//  - per-path state (checker results, kernel failures from dm status, iSCSI session and SCSI device
//    state) goes through PathPolicy; the engine then sends fail_path / reinstate_path for every
//    member whose dm state differs from PathPolicy::in_service();
//  - per map, after each change: no_path_retry (queue / fail / queue N polling intervals then
//    fail_if_no_path, queueing restored when a path returns), failback (immediate / manual /
//    followover / delayed), and each iSCSI session's recovery_tmo (fast_io_fail while the map has
//    another usable path, last_path_recovery_tmo, by default the session's own, while a path is the
//    last one).
// Time is passed in; next_deadline() tells the daemon when to send the next Tick.
//
// The Engine dispatches events; its parts each own their state and are tested on their own: EngineState
// (paths and maps and the queries over them), map_diff (desired vs loaded) and MapLifecycle (applying the
// changes, dm's answers), MapIoPolicy, IscsiTimeouts, PathTunings, CheckScheduler, and take_snapshot.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/actions.hpp"
#include "core/bindings.hpp"
#include "core/check_scheduler.hpp"
#include "core/config.hpp"
#include "core/engine_state.hpp"
#include "core/events.hpp"
#include "core/iscsi_timeouts.hpp"
#include "core/local_link_failover.hpp"
#include "core/map_planner.hpp"
#include "core/path_policy.hpp"
#include "core/path_tuning.hpp"
#include "core/snapshot.hpp"

namespace pathkeeper::core {

class ActionCollector;
class MapIoPolicy;
class MapLifecycle;
struct MapUpdate;

class Engine {
public:
    Engine(Config config, Bindings bindings, KnownWwids known_wwids);

    std::vector<Action> handle(const Event& event, TimePoint now);

    // The earliest time a Tick has work to do (a check due, a no_path_retry countdown, a delayed
    // failback, a retry); nullopt when nothing is scheduled.
    std::optional<TimePoint> next_deadline() const;

    // find_multipaths smart: the WWIDs released as single-path disks before (persisted), never held again.
    void set_released_wwids(KnownWwids released);

    // What the daemon shows; with the time, also how long each no_path_retry countdown has left.
    TopologySnapshot snapshot(TimePoint now) const;
    TopologySnapshot snapshot() const { return take_snapshot(state_); }  // without countdowns

    // Checks an admin request before it is sent (NotFound for an unknown path / map, InvalidArgument
    // for a group out of range), so the D-Bus layer can answer with a named error.
    Result<void> validate(const AdminRequest& request) const;

    bool started() const noexcept { return started_; }
    const Config& config() const noexcept { return config_; }
    const ResolvedGlobalOptions& global_options() const noexcept { return global_; }
    const Bindings& bindings() const noexcept { return bindings_; }
    const KnownWwids& known_wwids() const noexcept { return known_wwids_; }
    // The no_path_retry the administrator set for this WWID at run time (pathctl queueing), if any.
    std::optional<NoPathRetry> no_path_retry_override(std::string_view wwid) const;
    // The verdict of the redundant layer holding the map of this WWID, if any (holder_policy.hpp).
    std::optional<HolderVerdict> holder_verdict(std::string_view wwid) const;
    // What a re-enumeration (PathsReEnumerated) changes: the path events that turn the known paths into
    // present_paths.
    PathEvents differences(const std::vector<PathInfo>& present_paths) const;
    // The paths as plan input (`pathctl show paths --as-plan-input`).
    std::vector<PlanPath> plan_input() const;
    // A map's RemoveMap was sent and dm has not answered yet (the D-Bus reply to RemoveMap waits for that).
    bool removal_in_progress(std::string_view map) const;
    // The name of the loaded map named name_or_wwid (by name, or by its WWID).
    std::optional<std::string> map_name_of(std::string_view name_or_wwid) const;
    // The loaded map named name_or_wwid as planned (its WWID, resolved options); nullptr for none.
    const PlannedMap* planned_map(std::string_view name_or_wwid) const;

private:
    void on(const PathAdded& e, TimePoint now, ActionCollector& out);
    void on(const PathChanged& e, TimePoint now, ActionCollector& out);
    void on(const PathRemoved& e, TimePoint now, ActionCollector& out);
    void on(const PathEvents& e, TimePoint now, ActionCollector& out);
    // After a path appeared, changed or went: plans the maps again, now or (inside PathEvents) once at the
    // end.
    void paths_changed(TimePoint now, ActionCollector& out);
    void on(const CheckStarted& e, TimePoint now, ActionCollector& out);
    void on(const CheckerResult& e, TimePoint now, ActionCollector& out);
    void on(const DmStatusRead& e, TimePoint now, ActionCollector& out);
    void on(const DmEvent& e, TimePoint now, ActionCollector& out);
    void on(const MapsDiscovered& e, TimePoint now, ActionCollector& out);
    void on(const Tick& e, TimePoint now, ActionCollector& out);
    void on(const ConfigApplied& e, TimePoint now, ActionCollector& out);
    void on(const AdminRequest& e, TimePoint now, ActionCollector& out);
    void set_queueing(const AdminSetQueueing& request, TimePoint now, ActionCollector& out);
    // engine_path_membership.cpp: pathctl remove-path / add-path.
    Result<void> validate_path_membership(const std::variant<AdminRemovePath, AdminAddPath>& request) const;
    void change_path_membership(const std::variant<AdminRemovePath, AdminAddPath>& request, TimePoint now,
                                ActionCollector& out);
    // engine_map_admin.cpp: pathctl remove-map / add-map.
    const MapRecord* map_named(std::string_view name_or_wwid) const;
    Result<std::string> add_map_target(const AdminAddMap& request) const;
    Result<void> validate_map_admin(const AdminRemoveMap& request) const;
    Result<void> validate_map_admin(const AdminAddMap& request) const;
    void remove_map_by_admin(const AdminRemoveMap& request, ActionCollector& out);
    void add_map_by_admin(const AdminAddMap& request, TimePoint now, ActionCollector& out);
    // A path of the WWID was added by the kernel: a map the administrator removed is planned again.
    void release_removed_by_admin(const std::string& wwid, ActionCollector& out);
    // engine_known_wwids.cpp: the WWID an Add / Remove names (a path's devnode is taken for its WWID), and
    // the edit itself.
    Result<std::string> known_wwids_target(const AdminEditKnownWwids& request) const;
    Result<void> validate_known_wwids_edit(const AdminEditKnownWwids& request) const;
    void edit_known_wwids(const AdminEditKnownWwids& request, TimePoint now, ActionCollector& out);
    // engine_map_resize.cpp: pathctl resize-map, and the warning about a resize that stays half seen.
    Result<void> validate_resize(const AdminResizeMap& request) const;
    void resize_map(const AdminResizeMap& request, TimePoint now, ActionCollector& out);
    void track_size_holds(const PlanResult& plan, TimePoint now);
    // find_multipaths smart: records when each WWID was first seen and passes the holds to the planner; then
    // remembers the WWIDs whose hold ended and lets udev answer for their paths again.
    void track_first_seen(const std::vector<PlanPath>& input, TimePoint now, PlanContext& ctx);
    void release_expired_holds(const PlanResult& plan, const std::vector<PlanPath>& input,
                               ActionCollector& out);
    void warn_size_holds(TimePoint now, ActionCollector& out);
    void on(const IscsiSessionChanged& e, TimePoint now, ActionCollector& out);
    void on(const DeviceStateChanged& e, TimePoint now, ActionCollector& out);
    void on(const AluaStateChanged& e, TimePoint now, ActionCollector& out);
    void on(const AluaStatesChanged& e, TimePoint now, ActionCollector& out);
    void on(const ActionCompleted& e, TimePoint now, ActionCollector& out);
    void on(const ActionFailed& e, TimePoint now, ActionCollector& out);
    void on(const PathsReEnumerated& e, TimePoint now, ActionCollector& out);
    void on(const MapVanished& e, TimePoint now, ActionCollector& out);
    void on(const MapHoldersRead& e, TimePoint now, ActionCollector& out);
    // engine_local_links.cpp: a session's own network link went: its paths fail over now.
    void on(const LocalLinksChanged& e, TimePoint now, ActionCollector& out);
    // engine_registration.cpp: the host's reservation key on each path (path_registration.hpp).
    void on(const RegistrationSynced& e, TimePoint now, ActionCollector& out);
    ResolvedMapOptions registration_options(const PathRecord& path) const;
    // The path's map has a key (or not): sets what the path owes, without taking it out of service.
    void configure_registration(PathRecord& path, bool force);
    // pathctl reservation changed what the target lists: the map's paths sync again, staying in service.
    void resync_registrations(const AdminSyncRegistrations& request, ActionCollector& out);
    // The path left service (or was added while running): it is synced before it carries I/O again.
    void require_registration(PathRecord& path, bool new_path);
    void after_transition(PathRecord& path, const PathTransition& t);
    // A settled path's registration is synced again now and then, on a check that finds it usable.
    void refresh_registration(PathRecord& path, TimePoint now);
    // Sends SyncRegistration for every path that owes one and checks usable.
    void sync_registrations(TimePoint now, ActionCollector& out);
    // A path event of a WWID whose map was removed outside the daemon: it may be planned (created) again.
    void release_withheld(const std::string& wwid, ActionCollector& out);
    // dm said NotFound to an action on `map`: a status read confirms whether the map is gone.
    void confirm_map_exists(const std::string& map, const Error& error, ActionCollector& out);

    // Plans the maps again and applies the difference to what is loaded (map_diff).
    void reconcile(TimePoint now, ActionCollector& out);
    // Every map's I/O policy, then the iSCSI timeouts that follow from it.
    void evaluate_all(TimePoint now, ActionCollector& out);
    // Made per use, so they hold no reference into the Engine and pick up the polling interval in force.
    MapIoPolicy io();
    MapLifecycle map_lifecycle();
    void external_failure(PathRecord& path, TimePoint now, const std::string& reason, ActionCollector& out);
    bool apply_alua_state(const AluaStateChanged& e, TimePoint now, ActionCollector& out);
    bool learn_from_check(PathRecord& rec, const CheckerResult& e, TimePoint now, ActionCollector& out);

    PathTiming timing_for(const MapRecord* map) const;
    void check_alua_siblings_now(const std::vector<const PathRecord*>& changed, TimePoint now);

    Config config_;
    ResolvedGlobalOptions global_;
    Bindings bindings_;
    KnownWwids known_wwids_;
    EngineState state_;
    CheckScheduler checks_;
    IscsiTimeouts iscsi_;
    LocalLinkFailover local_links_;
    PathTunings tunings_;
    std::set<std::string, std::less<>> shrink_allowed_;  // during a resize-map: the WWID that may shrink
    std::vector<PlanLogLine> last_plan_log_;  // logged once: a plan repeats its log lines every time
    bool started_ = false;
    std::set<std::string, std::less<>> registration_work_;  // paths whose registration is not settled
    std::uint64_t next_sync_id_ = 1;
    // find_multipaths smart: when the first path of each WWID was first seen, the WWIDs held back now
    // (their deadline wakes the engine) and those released as single-path disks.
    std::map<std::string, TimePoint, std::less<>> first_seen_;
    std::set<std::string, std::less<>> held_;
    KnownWwids released_;
    bool in_path_batch_ = false;       // inside PathEvents: planning waits for its end
    bool path_batch_changed_ = false;  // ... and is needed then
};

}  // namespace pathkeeper::core
