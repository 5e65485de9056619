#pragma once
// What a path state change means to someone counting failures and recoveries (the journal, the metrics).

#include "core/model.hpp"

namespace pathkeeper::core {

enum class StateChangeMeaning { Failed, Reinstated, Other };

// Pending is "not checked yet": leaving it is the first answer, neither a recovery nor a failure.
inline StateChangeMeaning meaning_of_state_change(PathState from, PathState to) noexcept {
    if (from == PathState::Pending || to == PathState::Pending) {
        return StateChangeMeaning::Other;
    }
    const bool was_usable = is_usable(from);
    const bool now_usable = is_usable(to);
    if (was_usable && !now_usable) {
        return StateChangeMeaning::Failed;
    }
    if (!was_usable && now_usable) {
        return StateChangeMeaning::Reinstated;
    }
    return StateChangeMeaning::Other;
}

}  // namespace pathkeeper::core
