#include "core/membership.hpp"

#include "core/blacklist.hpp"
#include "core/wwid.hpp"

namespace pathkeeper::core {

const char* to_string(MemberReason reason) noexcept {
    switch (reason) {
        case MemberReason::NoWwid:
            return "no WWID";
        case MemberReason::InvalidWwid:
            return "invalid WWID";
        case MemberReason::Blacklisted:
            return "blacklisted";
        case MemberReason::MultipathsEntry:
            return "multipaths entry";
        case MemberReason::KnownWwid:
            return "known WWID";
        case MemberReason::ExistingMap:
            return "existing map";
        case MemberReason::FindMultipathsGreedy:
            return "find_multipaths greedy";
        case MemberReason::AnotherPathHasWwid:
            return "another path has the WWID";
        case MemberReason::NotKnown:
            return "not known";
        case MemberReason::HeldForSecondPath:
            return "held back waiting for a second path";
        case MemberReason::HoldExpired:
            return "no second path within find_multipaths_timeout";
        case MemberReason::Released:
            return "released as a single-path disk";
    }
    return "unknown";
}

Millis smart_hold_deadline(Millis first_seen, Millis timeout) noexcept {
    return first_seen + timeout;
}

namespace {

// find_multipaths smart for a WWID nothing else makes a member.
MemberDecision decide_smart(Millis timeout, const MembershipFacts& facts) {
    if (facts.another_path_has_wwid && facts.another_path_has_wwid()) {
        return {true, false, MemberReason::AnotherPathHasWwid, {}};
    }
    if (facts.wwid_released && facts.wwid_released()) {
        return {false, false, MemberReason::Released, {}};
    }
    if (facts.now >= smart_hold_deadline(facts.first_seen.value_or(facts.now), timeout)) {
        return {false, false, MemberReason::HoldExpired, {}};
    }
    return {false, true, MemberReason::HeldForSecondPath, {}};
}

}  // namespace

std::optional<MemberDecision> excluded_disk(const Config& config, const PathInfo& path) {
    if (path.wwid.empty()) {
        return MemberDecision{false, false, MemberReason::NoWwid, {}};
    }
    if (auto checked = check_wwid(path.wwid); !checked) {
        return MemberDecision{false, false, MemberReason::InvalidWwid, checked.error().message};
    }
    BlacklistVerdict verdict = is_blacklisted(config, path);
    if (verdict.blacklisted) {
        return MemberDecision{false, false, MemberReason::Blacklisted, std::move(verdict.reason)};
    }
    return std::nullopt;
}

MemberDecision decide_wwid_membership(const Config& config, FindMultipaths mode, std::string_view wwid,
                                      const MembershipFacts& facts) {
    if (config.find_multipath(wwid) != nullptr) {
        return {true, false, MemberReason::MultipathsEntry, {}};
    }
    if (facts.wwid_known && facts.wwid_known()) {
        return {true, false, MemberReason::KnownWwid, {}};
    }
    if (facts.map_exists) {
        return {true, false, MemberReason::ExistingMap, {}};
    }
    switch (mode) {
        case FindMultipaths::Greedy:
            return {true, false, MemberReason::FindMultipathsGreedy, {}};
        case FindMultipaths::On:
            if (facts.another_path_has_wwid && facts.another_path_has_wwid()) {
                return {true, false, MemberReason::AnotherPathHasWwid, {}};
            }
            break;
        case FindMultipaths::Smart:
            return decide_smart(resolve_global_options(config).find_multipaths_timeout.value, facts);
        case FindMultipaths::Strict:
            break;
    }
    return {false, false, MemberReason::NotKnown, {}};
}

MemberDecision decide_membership(const Config& config, FindMultipaths mode, const PathInfo& path,
                                 const MembershipFacts& facts) {
    if (auto excluded = excluded_disk(config, path)) {
        return std::move(*excluded);
    }
    return decide_wwid_membership(config, mode, path.wwid, facts);
}

}  // namespace pathkeeper::core
