#pragma once
// EventSink: where the daemon's parts hand what they learn. The Daemon feeds each event to the engine and
// executes the actions it answers with.

#include "core/events.hpp"

namespace pathkeeper::daemon {

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void feed(const core::Event& event) = 0;
    // What the published topology shows may have changed: it is published before the loop waits again.
    virtual void topology_changed() = 0;
};

}  // namespace pathkeeper::daemon
