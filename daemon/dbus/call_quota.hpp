#pragma once
// CallQuota: each unprivileged user's share of a bus turn. The daemon answers bus calls in turns of a bounded
// number of messages (BusLink); within a turn, each uid other than 0 has at most kReadsPerTurn reads answered
// and the rest refused with Busy, so a read flood costs the loop little and a root call queued behind it is
// reached within a few turns. Root is never counted or refused.

#include <sys/types.h>

#include <unordered_map>

namespace pathkeeper::dbus {

class CallQuota {
public:
    static constexpr unsigned kReadsPerTurn = 4;

    void new_turn() { used_.clear(); }
    // Counts the call; false when uid has had its share of this turn.
    bool admit(uid_t uid) {
        if (uid == 0) {
            return true;
        }
        return ++used_[uid] <= kReadsPerTurn;
    }

private:
    std::unordered_map<uid_t, unsigned> used_;
};

}  // namespace pathkeeper::dbus
