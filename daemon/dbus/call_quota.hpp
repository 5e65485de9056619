#pragma once
// CallQuota: each unprivileged user's share of a bus turn. The daemon answers bus calls in turns of a bounded
// number of messages (BusLink); each turn, each uid other than 0 has at most kReadsPerTurn of its held reads
// let through (ReadScheduler), so a read flood costs the loop little and a root call is never queued behind
// it. Root is never counted.

#include <sys/types.h>

#include <unordered_map>

namespace pathkeeper::dbus {

class CallQuota {
public:
    static constexpr unsigned kReadsPerTurn = 4;

    void new_turn() { used_.clear(); }
    // Counts the call as `cost` reads; false when they do not fit in what is left of uid's share of this
    // turn.
    bool admit(uid_t uid, unsigned cost = 1) {
        if (uid == 0) {
            return true;
        }
        unsigned& used = used_[uid];
        if (used + cost > kReadsPerTurn) {
            used = kReadsPerTurn;
            return false;
        }
        used += cost;
        return true;
    }

private:
    std::unordered_map<uid_t, unsigned> used_;
};

}  // namespace pathkeeper::dbus
