#pragma once
// The host's network interfaces as the kernel last reported them (rtnetlink), and the question the local-link
// failover asks of them: is the interface that carried this local address still able to carry it?

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pathkeeper::core {

// One interface's whole state now. up: administratively up and with carrier (IFF_UP and IFF_LOWER_UP).
struct LocalLinkState {
    std::string name;  // "eth1"
    bool up = false;
    std::vector<std::string> addresses;  // "10.77.1.1", "fd00::1" (no prefix length)
    bool operator==(const LocalLinkState&) const = default;
};

class LocalLinks {
public:
    // Each interface named replaces what was known of it; a removed interface comes as down, without
    // addresses.
    void update(const std::vector<LocalLinkState>& links);
    // The interface the address was last seen on; nullopt for an address never seen.
    std::optional<std::string> interface_of(std::string_view address) const;
    // The address was seen on an interface that is now down, or that no longer has it. An address never seen
    // is never cut off: a session is only failed for a link known to have carried it.
    bool cut_off(std::string_view address) const;

private:
    std::map<std::string, LocalLinkState, std::less<>> links_;      // by name
    std::map<std::string, std::string, std::less<>> last_seen_on_;  // address -> interface
};

}  // namespace pathkeeper::core
