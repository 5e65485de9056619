// The administrator's edits of the known-WWIDs list (multipath -a / -w / -W). The list decides membership
// under find_multipaths on / strict; planning adds the WWID of every map it makes, so a WWID with a map is
// known by definition and cannot be removed while the map exists.
#include <algorithm>

#include "core/action_collector.hpp"
#include "core/engine.hpp"
#include "core/wwid.hpp"

namespace pathkeeper::core {

namespace {

bool listed(const KnownWwids& list, std::string_view wwid) {
    return std::find(list.begin(), list.end(), wwid) != list.end();
}

}  // namespace

Result<std::string> Engine::known_wwids_target(const AdminEditKnownWwids& request) const {
    return resolve_wwid_target(request.target, [this](std::string_view dev) -> std::optional<std::string> {
        const PathRecord* p = state_.find_path(dev);
        return p != nullptr ? std::optional<std::string>(p->info.wwid) : std::nullopt;
    });
}

Result<void> Engine::validate_known_wwids_edit(const AdminEditKnownWwids& request) const {
    if (request.edit == KnownWwidsEdit::Reset) {
        return {};
    }
    auto wwid = known_wwids_target(request);
    if (!wwid) {
        return wwid.error();
    }
    if (request.edit == KnownWwidsEdit::Remove) {
        if (!listed(known_wwids_, *wwid)) {
            return make_error(ErrorCode::NotFound, "WWID " + *wwid + " is not in the known-WWIDs list");
        }
        if (auto it = state_.maps.find(*wwid); it != state_.maps.end() && it->second.exists) {
            return make_error(ErrorCode::NotSupported, "WWID " + *wwid + " has map " + it->second.plan.name +
                                                           "; a WWID with a map stays known");
        }
    }
    return {};
}

void Engine::edit_known_wwids(const AdminEditKnownWwids& request, TimePoint now, ActionCollector& out) {
    KnownWwids before = known_wwids_;
    switch (request.edit) {
        case KnownWwidsEdit::Add: {
            const std::string wwid = *known_wwids_target(request);
            if (!listed(known_wwids_, wwid)) {
                known_wwids_.push_back(wwid);
                out.log(LogLevel::Notice, "",
                        "WWID " + wwid + " added to the known-WWIDs list by the administrator");
            }
            break;
        }
        case KnownWwidsEdit::Remove: {
            const std::string wwid = *known_wwids_target(request);
            std::erase(known_wwids_, wwid);
            out.log(LogLevel::Notice, "",
                    "WWID " + wwid + " removed from the known-WWIDs list by the administrator");
            break;
        }
        case KnownWwidsEdit::Reset: {
            std::erase_if(known_wwids_, [this](const std::string& wwid) {
                auto it = state_.maps.find(wwid);
                return it == state_.maps.end() || !it->second.exists;
            });
            for (const auto& [wwid, m] : state_.maps) {
                if (m.exists && !listed(known_wwids_, wwid)) {
                    known_wwids_.push_back(wwid);
                }
            }
            out.log(LogLevel::Notice, "",
                    "known-WWIDs list reset by the administrator to the " +
                        std::to_string(known_wwids_.size()) + " WWID(s) with a map (" +
                        std::to_string(before.size()) + " before)");
            break;
        }
    }
    if (known_wwids_ == before) {
        return;
    }
    out.add(SaveKnownWwids{known_wwids_});
    // A WWID that became known may make a map now (find_multipaths on / strict).
    if (started_ && request.edit == KnownWwidsEdit::Add) {
        reconcile(now, out);
        evaluate_all(now, out);
    }
}

}  // namespace pathkeeper::core
