#include "core/local_links.hpp"

#include <algorithm>

namespace pathkeeper::core {

void LocalLinks::update(const std::vector<LocalLinkState>& links) {
    for (const LocalLinkState& link : links) {
        for (const std::string& address : link.addresses) {
            last_seen_on_[address] = link.name;
        }
        links_[link.name] = link;
    }
}

std::optional<std::string> LocalLinks::interface_of(std::string_view address) const {
    auto it = last_seen_on_.find(address);
    if (it == last_seen_on_.end()) {
        return std::nullopt;
    }
    return it->second;
}

bool LocalLinks::cut_off(std::string_view address) const {
    auto seen = last_seen_on_.find(address);
    if (seen == last_seen_on_.end()) {
        return false;
    }
    auto link = links_.find(seen->second);
    if (link == links_.end()) {
        return false;
    }
    const auto& addresses = link->second.addresses;
    return !link->second.up || std::find(addresses.begin(), addresses.end(), address) == addresses.end();
}

}  // namespace pathkeeper::core
