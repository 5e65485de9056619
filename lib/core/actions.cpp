#include "core/actions.hpp"

namespace pathkeeper::core {

const char* to_string(MapChange c) noexcept {
    switch (c) {
        case MapChange::Created:
            return "created";
        case MapChange::Adopted:
            return "adopted";
        case MapChange::Reloaded:
            return "reloaded";
        case MapChange::Removed:
            return "removed";
        case MapChange::Renamed:
            return "renamed";
        case MapChange::GroupSwitched:
            return "group-switched";
        case MapChange::AllPathsDown:
            return "all-paths-down";
        case MapChange::QueueingDisabled:
            return "queueing-disabled";
        case MapChange::QueueingRestored:
            return "queueing-restored";
        case MapChange::PathsRestored:
            return "paths-restored";
    }
    return "unknown";
}

namespace {

struct Formatter {
    std::string operator()(const CreateMap& a) const {
        return "create " + a.name + " uuid=" + a.uuid + " size=" + std::to_string(a.size_sectors) +
               " table=\"" + format_table(a.table) + "\"";
    }
    std::string operator()(const ReloadMap& a) const {
        return "reload " + a.name + " size=" + std::to_string(a.size_sectors) + " table=\"" +
               format_table(a.table) + "\"";
    }
    std::string operator()(const RemoveMap& a) const {
        return "remove " + a.name + (a.by_admin ? " by-admin" : "") + (a.deferred ? " deferred" : "");
    }
    std::string operator()(const RenameMap& a) const { return "rename " + a.old_name + " " + a.new_name; }
    std::string operator()(const DmMessage& a) const { return "message " + a.map + " " + a.message; }
    std::string operator()(const ReadMapStatus& a) const { return "read-status " + a.map; }
    std::string operator()(const StartCheck& a) const {
        std::string text =
            "check " + a.devnode + " " + to_string(a.checker) + " timeout=" + format_duration(a.timeout);
        if (a.prio) {
            text += std::string(" prio=") + to_string(*a.prio);
            if (!a.prio_args.empty()) {
                text += " prio_args=\"" + a.prio_args + "\"";
            }
        }
        if (a.probe_rdac) {
            text += " probe-rdac";
        }
        return text;
    }
    std::string operator()(const SyncRegistration& a) const {
        return "sync-registration " + a.devnode + " key=" + to_string(a.key) + (a.aptpl ? " aptpl" : "") +
               (a.all_tg_pt ? " all-tg-pt" : "") + (a.confirm_only ? " confirm-only" : "");
    }
    std::string operator()(const SetRecoveryTmo& a) const {
        return "set-recovery-tmo session" + std::to_string(a.session_id) + " " +
               std::to_string(a.value.count()) + "s";
    }
    std::string operator()(const EndTcpConnection& a) const {
        return "end-tcp-connection session" + std::to_string(a.session_id) + " " + a.local_address + "->" +
               a.remote_address + ":" + std::to_string(a.remote_port);
    }
    std::string operator()(const TunePath& a) const {
        return "tune-path " + a.map + " " + a.devnode + " " + to_string(a.tuning);
    }
    std::string operator()(const TuneMapDevice& a) const {
        return "tune-map " + a.map + " max_sectors_kb=" + std::to_string(a.max_sectors_kb);
    }
    std::string operator()(const TriggerUdevChange& a) const { return "trigger-change " + a.devnode; }
    std::string operator()(const SaveBindings& a) const {
        std::string s = "save-bindings";
        for (const Binding& b : a.bindings.entries()) {
            s += " " + b.alias + "=" + b.wwid;
        }
        return s;
    }
    std::string operator()(const SaveKnownWwids& a) const {
        std::string s = "save-wwids";
        for (const std::string& w : a.wwids) {
            s += " " + w;
        }
        return s;
    }
    std::string operator()(const SaveReleasedWwids& a) const {
        std::string s = "save-released-wwids";
        for (const std::string& w : a.wwids) {
            s += " " + w;
        }
        return s;
    }
    std::string operator()(const PublishPathStateChange& a) const {
        return "publish-path " + (a.map.empty() ? std::string("-") : a.map) + " " + a.devnode + " " +
               to_string(a.old_state) + "->" + to_string(a.new_state) + " (" + a.reason + ")";
    }
    std::string operator()(const PublishMapChange& a) const {
        std::string s = "publish-map " + a.map + " " + to_string(a.change);
        if (!a.detail.empty()) {
            s += " (" + a.detail + ")";
        }
        return s;
    }
    std::string operator()(const Log& a) const {
        std::string s = std::string("log ") + to_string(a.level) + " ";
        if (!a.context.empty()) {
            s += a.context + ": ";
        }
        return s + a.message;
    }
};

}  // namespace

std::string to_string(const Action& action) {
    return std::visit(Formatter{}, action);
}

std::string to_string(const std::vector<Action>& actions) {
    std::string s;
    for (const Action& a : actions) {
        s += to_string(a);
        s += '\n';
    }
    return s;
}

}  // namespace pathkeeper::core
