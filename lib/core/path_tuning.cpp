#include "core/path_tuning.hpp"

namespace pathkeeper::core {

namespace {

std::string seconds_text(std::chrono::seconds s) {
    return std::to_string(s.count()) + "s";
}

}  // namespace

Result<void> check_fc_timeouts(std::optional<std::chrono::seconds> fast_io_fail, const DevLossTmo& dev_loss) {
    const bool fast_off = fast_io_fail && *fast_io_fail == kFastIoFailOff;
    if (fast_io_fail && !fast_off && *fast_io_fail > kScsiBlockMaxTimeout) {
        return make_error(ErrorCode::InvalidConfig,
                          "fast_io_fail " + seconds_text(*fast_io_fail) + " is longer than " +
                              seconds_text(kScsiBlockMaxTimeout) +
                              ", the most the kernel accepts for an FC remote port's fast_io_fail_tmo");
    }
    if (dev_loss.mode == DevLossTmo::Mode::Kernel) {
        return {};
    }
    const bool infinite = dev_loss.mode == DevLossTmo::Mode::Infinity;
    const std::string dev_text = infinite ? "infinity" : seconds_text(dev_loss.value);
    if (!infinite && static_cast<std::uint64_t>(dev_loss.value.count()) > kFcDevLossTmoMax) {
        return make_error(ErrorCode::InvalidConfig,
                          "dev_loss_tmo " + dev_text + " is longer than " + std::to_string(kFcDevLossTmoMax) +
                              "s, the most the kernel accepts (infinity: no limit)");
    }
    const std::uint64_t dev_s =
        infinite ? kFcDevLossTmoMax : static_cast<std::uint64_t>(dev_loss.value.count());
    if (fast_off && dev_s > static_cast<std::uint64_t>(kScsiBlockMaxTimeout.count())) {
        return make_error(
            ErrorCode::InvalidConfig,
            "dev_loss_tmo " + dev_text + " is longer than " + seconds_text(kScsiBlockMaxTimeout) +
                " while fast_io_fail is off: the kernel refuses it (give fast_io_fail seconds)");
    }
    return {};
}

PlannedTuning plan_path_tuning(const ResolvedMapOptions& options, Transport transport) {
    PlannedTuning planned;
    if (transport == Transport::Unknown) {
        return planned;  // not a disk discovery described (plan input): nothing to write to
    }
    if (transport == Transport::Fc) {
        const DevLossTmo& dev_loss = options.dev_loss_tmo.value;
        const bool managed =
            dev_loss.mode != DevLossTmo::Mode::Kernel || options.fast_io_fail.origin != Origin::BuiltIn;
        if (managed) {
            if (auto ok = check_fc_timeouts(options.fast_io_fail.value, dev_loss); !ok) {
                planned.refused = ok.error().message;
            } else {
                planned.tuning.fc_fast_io_fail_tmo = options.fast_io_fail.value;
                if (dev_loss.mode == DevLossTmo::Mode::Infinity) {
                    planned.tuning.fc_dev_loss_tmo_s = kFcDevLossTmoMax;
                } else if (dev_loss.mode == DevLossTmo::Mode::Seconds) {
                    planned.tuning.fc_dev_loss_tmo_s = static_cast<std::uint64_t>(dev_loss.value.count());
                }
                const std::chrono::seconds fast = options.fast_io_fail.value;
                if (planned.tuning.fc_dev_loss_tmo_s && fast != kFastIoFailOff &&
                    static_cast<std::uint64_t>(fast.count()) >= *planned.tuning.fc_dev_loss_tmo_s) {
                    // The kernel takes only a fast_io_fail_tmo shorter than dev_loss_tmo; arrays' recommended
                    // settings include equal ones, which multipath-tools applies with fast_io_fail off.
                    planned.tuning.fc_fast_io_fail_tmo = kFastIoFailOff;
                    planned.adjusted = "fast_io_fail " + seconds_text(fast) +
                                       " is not shorter than dev_loss_tmo " + to_string(dev_loss) +
                                       ": the FC remote port's fast_io_fail_tmo is turned off instead";
                }
            }
        }
    }
    if (options.eh_deadline.value.mode != EhDeadline::Mode::Kernel) {
        planned.tuning.eh_deadline = options.eh_deadline.value;
    }
    if (!options.max_sectors_kb.value.is_kernel()) {
        planned.tuning.max_sectors_kb = options.max_sectors_kb.value.kb;
    }
    return planned;
}

void PathTunings::before_table(const PlannedMap& map, const EngineState& state, ActionCollector& out) {
    for (const PlannedPath& p : map.paths) {
        const PathRecord* rec = state.find_path(p.devnode);
        if (rec == nullptr) {
            continue;
        }
        PlannedTuning planned = plan_path_tuning(map.options, rec->info.transport);
        const std::string context = map.name + ": " + p.devnode;
        std::string& remark = remarks_[p.devnode];
        const std::string now = planned.refused + planned.adjusted;
        if (now != remark) {
            remark = now;
            if (!planned.refused.empty()) {
                out.log(LogLevel::Warning, context,
                        planned.refused + "; the FC remote port's timeouts are left as they are");
            } else if (!planned.adjusted.empty()) {
                out.log(LogLevel::Notice, context, planned.adjusted);
            }
        }
        auto it = sent_.find(p.devnode);
        const PathTuning before = it == sent_.end() ? PathTuning{} : it->second;
        if (planned.tuning == before) {
            continue;
        }
        sent_[p.devnode] = planned.tuning;
        if (!planned.tuning.empty()) {
            out.add(TunePath{map.name, p.devnode, planned.tuning});
        }
    }
}

void PathTunings::after_table(const std::string& map, MaxSectorsKb wanted, bool table_loaded,
                              ActionCollector& out) {
    auto it = map_sent_.find(map);
    if (wanted.is_kernel()) {
        if (it != map_sent_.end()) {
            map_sent_.erase(it);
        }
        return;
    }
    if (!table_loaded && it != map_sent_.end() && it->second == wanted.kb) {
        return;
    }
    map_sent_[map] = wanted.kb;
    out.add(TuneMapDevice{map, wanted.kb});
}

void PathTunings::forget_path(const std::string& devnode) {
    if (auto it = sent_.find(devnode); it != sent_.end()) {
        sent_.erase(it);
    }
    if (auto it = remarks_.find(devnode); it != remarks_.end()) {
        remarks_.erase(it);
    }
}

void PathTunings::write_failed(const TunePath& action, const std::string& why, ActionCollector& out) {
    // Not retried at every reconcile: the message would repeat; the next change of the path or the config
    // sends the settings again.
    out.log(LogLevel::Warning, action.map + ": " + action.devnode,
            "setting " + to_string(action.tuning) + " failed: " + why);
}

}  // namespace pathkeeper::core
