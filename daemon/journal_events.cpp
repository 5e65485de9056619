#include "daemon/journal_events.hpp"

#include <array>
#include <string>

#include "core/state_change_meaning.hpp"

namespace pathkeeper::daemon {
namespace {

// Generated once with `systemd-id128 new`; never change one (admins filter on them). Each has its entry in
// packaging/systemd/pathkeeper.catalog.
constexpr std::array kKinds{
    JournalEventKind{JournalEvent::PathFailed, "path-failed", "996359377edb431d9c7c49138d90e433"},
    JournalEventKind{JournalEvent::PathReinstated, "path-reinstated", "85d3489b39344c9a8e028e43290ddd2e"},
    JournalEventKind{JournalEvent::PathStateChanged, "path-state-changed",
                     "5e32a881a2b84d1483e54ba4911e102d"},
    JournalEventKind{JournalEvent::MapCreated, "map-created", "393d2ac8426745708a7975f5f7ac3976"},
    JournalEventKind{JournalEvent::MapAdopted, "map-adopted", "36c3b25e61bd456d8ef49b5b3c054ebb"},
    JournalEventKind{JournalEvent::MapReloaded, "map-reloaded", "6d398dd84ea0412ab37d338ec530b877"},
    JournalEventKind{JournalEvent::MapRemoved, "map-removed", "a28b3b2561804cf5bf66935888a2397e"},
    JournalEventKind{JournalEvent::MapRenamed, "map-renamed", "3e4861be253b4518b5da26bef82ae1a9"},
    JournalEventKind{JournalEvent::MapGroupSwitched, "map-group-switched",
                     "d8dbc977a8ad458bb987a9a08d635e4e"},
    JournalEventKind{JournalEvent::MapAllPathsDown, "map-all-paths-down", "75afd9ecda2f4406b6fc1d9020d5d0db"},
    JournalEventKind{JournalEvent::MapPathsRestored, "map-paths-restored",
                     "8e50c379b9064443a4babdf5d98419ae"},
    JournalEventKind{JournalEvent::MapQueueingDisabled, "map-queueing-disabled",
                     "38b0bebe62ee40c5a6e55c7975b43bb2"},
    JournalEventKind{JournalEvent::MapQueueingRestored, "map-queueing-restored",
                     "ef8ec207ffc646ab93c438c7f91ddd00"},
};

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string context_of(const core::PublishPathStateChange& change) {
    return change.map.empty() ? change.devnode : change.map + ": " + change.devnode;
}

// The Log context that names the publication's subject; nullopt for other actions.
std::optional<std::string> subject_of(const core::Action& action) {
    return std::visit(
        Overloaded{
            [](const core::PublishPathStateChange& a) -> std::optional<std::string> { return context_of(a); },
            [](const core::PublishMapChange& a) -> std::optional<std::string> { return a.map; },
            [](const auto&) -> std::optional<std::string> { return std::nullopt; },
        },
        action);
}

ports::LogEvent entry(JournalEvent event, ports::LogContext context, core::LogLevel fallback_level,
                      std::string fallback_message, const core::Log* line) {
    ports::LogEvent e;
    e.message_id = std::string(message_id(event));
    e.context = std::move(context);
    e.level = line != nullptr ? line->level : fallback_level;
    e.message = line != nullptr ? line->message : std::move(fallback_message);
    return e;
}

}  // namespace

std::span<const JournalEventKind> journal_event_kinds() {
    return kKinds;
}

std::string_view message_id(JournalEvent event) {
    for (const JournalEventKind& k : kKinds) {
        if (k.event == event) {
            return k.message_id;
        }
    }
    return {};
}

JournalEvent journal_event_of(const core::PublishPathStateChange& change) {
    switch (core::meaning_of_state_change(change.old_state, change.new_state)) {
        case core::StateChangeMeaning::Failed:
            return JournalEvent::PathFailed;
        case core::StateChangeMeaning::Reinstated:
            return JournalEvent::PathReinstated;
        case core::StateChangeMeaning::Other:
            break;
    }
    return JournalEvent::PathStateChanged;
}

JournalEvent journal_event_of(core::MapChange change) {
    switch (change) {
        case core::MapChange::Created:
            return JournalEvent::MapCreated;
        case core::MapChange::Adopted:
            return JournalEvent::MapAdopted;
        case core::MapChange::Reloaded:
            return JournalEvent::MapReloaded;
        case core::MapChange::Removed:
            return JournalEvent::MapRemoved;
        case core::MapChange::Renamed:
            return JournalEvent::MapRenamed;
        case core::MapChange::GroupSwitched:
            return JournalEvent::MapGroupSwitched;
        case core::MapChange::AllPathsDown:
            return JournalEvent::MapAllPathsDown;
        case core::MapChange::QueueingDisabled:
            return JournalEvent::MapQueueingDisabled;
        case core::MapChange::QueueingRestored:
            return JournalEvent::MapQueueingRestored;
        case core::MapChange::PathsRestored:
            return JournalEvent::MapPathsRestored;
    }
    return JournalEvent::MapReloaded;
}

ports::LogEvent journal_entry(const core::PublishPathStateChange& change, const core::Log* line) {
    const JournalEvent event = journal_event_of(change);
    const std::string old_state = core::to_string(change.old_state);
    const std::string new_state = core::to_string(change.new_state);
    ports::LogEvent e =
        entry(event, {change.map, change.devnode},
              event == JournalEvent::PathFailed ? core::LogLevel::Warning : core::LogLevel::Notice,
              "path " + old_state + " -> " + new_state + ": " + change.reason, line);
    e.fields = {{"WWID", change.wwid}, {"OLD", old_state}, {"NEW", new_state}, {"REASON", change.reason}};
    return e;
}

ports::LogEvent journal_entry(const core::PublishMapChange& change, const core::Log* line) {
    const JournalEvent event = journal_event_of(change.change);
    const bool trouble = event == JournalEvent::MapAllPathsDown || event == JournalEvent::MapQueueingDisabled;
    std::string message = std::string("map ") + core::to_string(change.change);
    if (!change.detail.empty()) {
        message += " (" + change.detail + ")";
    }
    ports::LogEvent e =
        entry(event, {change.map, ""}, trouble ? core::LogLevel::Warning : core::LogLevel::Notice,
              std::move(message), line);
    e.fields = {{"WWID", change.wwid}};
    if (change.change == core::MapChange::Renamed && change.detail.starts_with("was ")) {
        e.fields.emplace_back("OLD", change.detail.substr(4));
        e.fields.emplace_back("NEW", change.map);
    } else if (change.change == core::MapChange::GroupSwitched) {
        if (const auto arrow = change.detail.find("->"); arrow != std::string::npos) {
            e.fields.emplace_back("OLD", change.detail.substr(0, arrow));
            e.fields.emplace_back("NEW", change.detail.substr(arrow + 2));
        }
    } else {
        e.fields.emplace_back("REASON", change.detail);
    }
    return e;
}

std::vector<std::optional<std::size_t>> lines_of_publications(const std::vector<core::Action>& actions) {
    std::vector<std::optional<std::size_t>> lines(actions.size());
    std::vector<bool> taken(actions.size(), false);
    auto tells = [&](std::size_t i, const std::string& subject) {
        const auto* log = std::get_if<core::Log>(&actions[i]);
        return log != nullptr && !taken[i] && log->context == subject;
    };
    for (std::size_t i = 0; i < actions.size(); ++i) {
        const std::optional<std::string> subject = subject_of(actions[i]);
        if (!subject) {
            continue;
        }
        if (i > 0 && tells(i - 1, *subject)) {
            lines[i] = i - 1;
        } else if (i + 1 < actions.size() && tells(i + 1, *subject)) {
            lines[i] = i + 1;
        }
        if (lines[i]) {
            taken[*lines[i]] = true;
        }
    }
    return lines;
}

}  // namespace pathkeeper::daemon
