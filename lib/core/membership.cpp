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
    }
    return "unknown";
}

std::optional<MemberDecision> excluded_disk(const Config& config, const PathInfo& path) {
    if (path.wwid.empty()) {
        return MemberDecision{false, MemberReason::NoWwid, {}};
    }
    if (auto checked = check_wwid(path.wwid); !checked) {
        return MemberDecision{false, MemberReason::InvalidWwid, checked.error().message};
    }
    BlacklistVerdict verdict = is_blacklisted(config, path);
    if (verdict.blacklisted) {
        return MemberDecision{false, MemberReason::Blacklisted, std::move(verdict.reason)};
    }
    return std::nullopt;
}

MemberDecision decide_wwid_membership(const Config& config, FindMultipaths mode, std::string_view wwid,
                                      const MembershipFacts& facts) {
    if (config.find_multipath(wwid) != nullptr) {
        return {true, MemberReason::MultipathsEntry, {}};
    }
    if (facts.wwid_known && facts.wwid_known()) {
        return {true, MemberReason::KnownWwid, {}};
    }
    if (facts.map_exists) {
        return {true, MemberReason::ExistingMap, {}};
    }
    switch (mode) {
        case FindMultipaths::Greedy:
            return {true, MemberReason::FindMultipathsGreedy, {}};
        case FindMultipaths::On:
            if (facts.another_path_has_wwid && facts.another_path_has_wwid()) {
                return {true, MemberReason::AnotherPathHasWwid, {}};
            }
            break;
        case FindMultipaths::Strict:
            break;
    }
    return {false, MemberReason::NotKnown, {}};
}

MemberDecision decide_membership(const Config& config, FindMultipaths mode, const PathInfo& path,
                                 const MembershipFacts& facts) {
    if (auto excluded = excluded_disk(config, path)) {
        return std::move(*excluded);
    }
    return decide_wwid_membership(config, mode, path.wwid, facts);
}

}  // namespace pathkeeper::core
