#include "core/map_io_policy.hpp"

#include "core/duration.hpp"

namespace pathkeeper::core {

void MapIoPolicy::sync_path(MapRecord& map, PathRecord& path, ActionCollector& out) {
    const bool carries = state_.carries_io(map, path);
    const DmPathState want = carries ? DmPathState::Active : DmPathState::Failed;
    if (path.dm_state == want) {
        return;
    }
    if (carries && !path.policy.in_service()) {
        out.log(LogLevel::Warning, state_.context(path),
                "no other usable path: using it although flap damping holds it out");
    }
    out.add(
        DmMessage{map.plan.name, std::string(want == DmPathState::Active ? "reinstate_path " : "fail_path ") +
                                     path.info.devt.to_string()});
    path.dm_state = want;
}

void MapIoPolicy::evaluate_all(TimePoint now, ActionCollector& out) {
    for (MapRecord* m : state_.maps_in_creation_order()) {
        evaluate(*m, now, out);
    }
}

void MapIoPolicy::evaluate(MapRecord& m, TimePoint now, ActionCollector& out) {
    if (!m.exists) {
        return;
    }
    // Reinstates before fails: a shaky last-resort path handing over to a steady one must not leave dm a
    // moment with no active path (which errors I/O under no_path_retry fail).
    for (const bool reinstating : {true, false}) {
        for (const PlannedPath& p : m.plan.paths) {
            PathRecord* rec = state_.find_path(p.devnode);
            if (rec != nullptr && state_.carries_io(m, *rec) == reinstating) {
                sync_path(m, *rec, out);
            }
        }
    }
    if (m.plan.paths.empty()) {
        return;
    }
    const NoPathRetry npr = m.plan.options.no_path_retry.value;
    const unsigned usable = state_.usable_count(m);
    if (usable == 0) {
        if (!m.no_path_since) {
            m.no_path_since = now;
            std::string what;
            switch (npr.mode) {
                case NoPathRetry::Mode::Queue:
                    what = "queueing I/O until a path returns (no_path_retry queue)";
                    break;
                case NoPathRetry::Mode::Fail:
                    what = "failing I/O (no_path_retry fail)";
                    break;
                case NoPathRetry::Mode::Count: {
                    const Millis wait = polling_interval_ * npr.count;
                    m.fail_io_at = now + wait;
                    what = "queueing I/O for " + std::to_string(npr.count) + " checks (" +
                           format_duration(wait) + ", no_path_retry " + std::to_string(npr.count) + ")";
                    break;
                }
            }
            out.log(LogLevel::Warning, m.plan.name, "no usable path left; " + what);
            out.add(PublishMapChange{m.plan.name, MapChange::AllPathsDown, to_string(npr), m.plan.wwid});
        }
        if (npr.mode == NoPathRetry::Mode::Count && m.queueing && m.fail_io_at && now >= *m.fail_io_at) {
            out.add(DmMessage{m.plan.name, "fail_if_no_path"});
            m.queueing = false;
            m.retries_exhausted = true;
            m.fail_io_at.reset();
            out.log(LogLevel::Warning, m.plan.name,
                    "no path returned within " + std::to_string(npr.count) +
                        " checks; queued I/O now fails (no_path_retry " + std::to_string(npr.count) + ")");
            out.add(PublishMapChange{m.plan.name, MapChange::QueueingDisabled, "no_path_retry exhausted",
                                     m.plan.wwid});
        }
    } else if (m.no_path_since) {
        m.no_path_since.reset();
        m.fail_io_at.reset();
        out.log(LogLevel::Notice, m.plan.name, std::to_string(usable) + " usable path(s) again");
        out.add(PublishMapChange{m.plan.name, MapChange::PathsRestored, {}, m.plan.wwid});
        if (!m.queueing && npr.mode != NoPathRetry::Mode::Fail) {
            out.add(DmMessage{m.plan.name, "queue_if_no_path"});
            m.queueing = true;
            m.retries_exhausted = false;
            out.log(LogLevel::Notice, m.plan.name, "queue_if_no_path restored");
            out.add(PublishMapChange{m.plan.name, MapChange::QueueingRestored, {}, m.plan.wwid});
        }
    }
    failback(m, now, out);
}

void MapIoPolicy::restart_no_path_retry(MapRecord& m, const NoPathRetry& npr, TimePoint now,
                                        ActionCollector& out) {
    m.retries_exhausted = false;
    m.fail_io_at.reset();
    if (m.no_path_since && npr.mode == NoPathRetry::Mode::Count) {
        // Already without a path: the count starts now, as if the last path had just gone.
        const Millis wait = polling_interval_ * npr.count;
        m.fail_io_at = now + wait;
        out.log(LogLevel::Warning, m.plan.name,
                "no usable path; queueing I/O for " + std::to_string(npr.count) + " checks (" +
                    format_duration(wait) + ", no_path_retry " + std::to_string(npr.count) + ")");
    }
}

void MapIoPolicy::switch_group(MapRecord& m, unsigned group, const std::string& why, ActionCollector& out) {
    out.add(DmMessage{m.plan.name, "switch_group " + std::to_string(group)});
    out.add(PublishMapChange{m.plan.name, MapChange::GroupSwitched,
                             std::to_string(m.current_group) + "->" + std::to_string(group), m.plan.wwid});
    out.log(LogLevel::Notice, m.plan.name, "switched to path group " + std::to_string(group) + ": " + why);
    m.current_group = group;
    m.failback_at.reset();
}

void MapIoPolicy::failback(MapRecord& m, TimePoint now, ActionCollector& out) {
    if (m.plan.groups.size() < 2) {
        return;
    }
    const bool current_failed = !state_.group_usable(m, m.current_group);
    if (current_failed) {
        // The kernel moves I/O to the first group (in table order) that still has a usable path.
        for (unsigned g = 1; g <= m.plan.groups.size(); ++g) {
            if (state_.group_usable(m, g)) {
                m.current_group = g;
                break;
            }
        }
    }
    const unsigned best = state_.best_group_now(m);
    if (best == m.current_group || !state_.group_usable(m, best)) {
        m.failback_at.reset();
        return;
    }
    const Failback fb = m.plan.options.failback.value;
    switch (fb.mode) {
        case Failback::Mode::Immediate:
            switch_group(m, best, "failback immediate", out);
            break;
        case Failback::Mode::Manual:
            break;
        case Failback::Mode::Followover:
            if (current_failed) {
                switch_group(m, best, "failback followover: the active group failed", out);
            }
            break;
        case Failback::Mode::Delayed:
            if (!m.failback_at) {
                m.failback_at = now + fb.delay;
                out.log(LogLevel::Info, m.plan.name,
                        "path group " + std::to_string(best) + " is usable again; failback in " +
                            std::to_string(fb.delay.count()) + "s");
            } else if (now >= *m.failback_at) {
                switch_group(m, best, "failback after " + std::to_string(fb.delay.count()) + "s", out);
            }
            break;
    }
}

}  // namespace pathkeeper::core
