#pragma once
// Structured journal entries for path and map state changes: one entry per change, with a stable MESSAGE_ID
// (explained in packaging/systemd/pathkeeper.catalog) and MAP=, PATH=, WWID=, OLD=, NEW=, REASON= fields.
// The engine tells each change twice, as a Log line and as a publication for D-Bus; the entry carries that
// line as its MESSAGE, so the change is logged once.

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/actions.hpp"
#include "ports/logger.hpp"

namespace pathkeeper::daemon {

enum class JournalEvent {
    PathFailed,        // a usable path became unusable
    PathReinstated,    // an unusable path is usable again
    PathStateChanged,  // any other change (pending -> down, up -> ghost, ...)
    MapCreated,
    MapAdopted,
    MapReloaded,
    MapRemoved,
    MapRenamed,
    MapGroupSwitched,
    MapAllPathsDown,
    MapPathsRestored,
    MapQueueingDisabled,
    MapQueueingRestored,
};

struct JournalEventKind {
    JournalEvent event;
    std::string_view name;
    std::string_view message_id;
};

// The one table of message ids.
std::span<const JournalEventKind> journal_event_kinds();
std::string_view message_id(JournalEvent event);

JournalEvent journal_event_of(const core::PublishPathStateChange& change);
JournalEvent journal_event_of(core::MapChange change);

// The entry for a publication; `line` is the engine's Log telling the same change (its level and message are
// kept), or null when there is none.
ports::LogEvent journal_entry(const core::PublishPathStateChange& change, const core::Log* line);
ports::LogEvent journal_entry(const core::PublishMapChange& change, const core::Log* line);

// For each action of one engine batch, the index of the Log telling the same change when the action is a
// publication: the Log right before it, else right after it, naming the same map (and path). Each Log goes
// to one publication at most.
std::vector<std::optional<std::size_t>> lines_of_publications(const std::vector<core::Action>& actions);

}  // namespace pathkeeper::daemon
