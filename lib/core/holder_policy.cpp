#include "core/holder_policy.hpp"

namespace pathkeeper::core {

const char* to_string(LegState s) noexcept {
    switch (s) {
        case LegState::InSync:
            return "in_sync";
        case LegState::Syncing:
            return "syncing";
        case LegState::Faulty:
            return "faulty";
        case LegState::Unknown:
            return "unknown";
    }
    return "unknown";
}

namespace {

// "md0 (raid1)", "vg0-data (LVM raid1)".
std::string label(const MapHolder& h) {
    const bool md = h.kind.starts_with("md ");
    return h.device + " (" + (md ? h.level : h.kind) + ")";
}

HolderVerdict fail(const MapHolder& h, const std::string& why) {
    return HolderVerdict{true, label(h) + " " + why + ": fail fast"};
}

HolderVerdict queue(const MapHolder& h, const std::string& why) {
    return HolderVerdict{false, label(h) + " " + why + ": queue to protect the only copy"};
}

}  // namespace

std::optional<HolderVerdict> decide_holder_verdict(const MapHolder& h) {
    if (!h.redundant) {
        return std::nullopt;
    }
    if (h.leg == LegState::Faulty) {
        return fail(h, "has already failed this leg");
    }
    if (!h.running) {
        return HolderVerdict{false, label(h) + " is not running: queue"};
    }
    if (h.level == "raid1" || h.level == "mirror") {
        return h.other_in_sync > 0 ? fail(h, "has another in-sync leg") : queue(h, "is degraded");
    }
    if (h.level == "raid4" || h.level == "raid5" || h.level == "raid10") {
        return h.degraded == 0 ? fail(h, "is not degraded") : queue(h, "is degraded");
    }
    if (h.level == "raid6") {
        return h.degraded < 2 ? fail(h, "keeps its parity without this leg")
                              : queue(h, "is degraded by two members");
    }
    return std::nullopt;
}

bool yields_to_holder(Origin configured) noexcept {
    switch (configured) {
        case Origin::BuiltIn:
        case Origin::BuiltInDevice:
        case Origin::Defaults:
        case Origin::Device:
            return true;
        case Origin::Overrides:
        case Origin::Multipath:
        case Origin::Detected:
        case Origin::Administrator:
        case Origin::Holder:
            return false;
    }
    return false;
}

Resolved<NoPathRetry> apply_holder_verdict(const Resolved<NoPathRetry>& configured,
                                           const HolderVerdict& verdict) {
    if (!verdict.fail_fast || !yields_to_holder(configured.origin)) {
        return configured;
    }
    return Resolved<NoPathRetry>{NoPathRetry::fail(), Origin::Holder, {}};
}

bool holder_fails_fast(const Resolved<NoPathRetry>& no_path_retry) noexcept {
    return no_path_retry.origin == Origin::Holder;
}

}  // namespace pathkeeper::core
