#pragma once
// A loaded map's record from create to removal: applies map_diff's changes to the records with the actions
// that carry them out, and takes in what dm answered (a create, reload or removal refused, a removal done).
// A refused action is retried a polling interval later by the next reconcile.

#include <string>

#include "core/action_collector.hpp"
#include "core/engine_state.hpp"
#include "core/map_diff.hpp"
#include "core/result.hpp"

namespace pathkeeper::core {

// What the record says dm has, as map_diff compares it.
LoadedMap loaded_map(const MapRecord& m);

class MapLifecycle {
public:
    // Made per use, with the polling interval in force.
    MapLifecycle(EngineState& state, Millis polling_interval)
        : state_(state), polling_interval_(polling_interval) {}

    void apply(MapUpdate& update, TimePoint now, ActionCollector& out);

    void create_failed(const CreateMap& create, const std::string& why, TimePoint now, ActionCollector& out);
    void reload_failed(const ReloadMap& reload, const std::string& why, TimePoint now, ActionCollector& out);
    // dm has the map's new table (a create or reload completed), and the WWID is in the known-WWIDs file
    // (saved before the create was sent): a member that udev left unclaimed, because the udev helper had not
    // yet seen a second path of the WWID, gets one "change" uevent, so the helper is asked again and now says
    // yes. Once per path per map creation, so the change event cannot cause another.
    void table_loaded(const std::string& map_name, ActionCollector& out);
    void removal_completed(const RemoveMap& remove, ActionCollector& out);
    // True when the map's paths came back meanwhile: it is taken over, and the maps need planning again. An
    // administrator's removal that failed puts the map back as it was (true too).
    bool removal_failed(const RemoveMap& remove, const Error& error, TimePoint now, ActionCollector& out);

private:
    void create(PlannedMap want, TimePoint now, ActionCollector& out);

    EngineState& state_;
    Millis polling_interval_;
};

}  // namespace pathkeeper::core
