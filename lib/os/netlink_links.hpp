#pragma once
// rtnetlink watch of the host's interfaces: links (flags) and their addresses, kept per interface index.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "os/unique_fd.hpp"
#include "ports/local_links.hpp"

namespace pathkeeper::os {

class NetlinkLinkWatch final : public ports::LinkWatch {
public:
    // Opens the monitor socket (link and IPv4/IPv6 address groups); throws std::runtime_error when it cannot.
    NetlinkLinkWatch();

    int fd() const override { return monitor_fd_.get(); }
    core::Result<std::vector<core::LocalLinkState>> read_all() override;
    core::Result<std::vector<core::LocalLinkState>> changes() override;

private:
    struct Interface {
        std::string name;
        unsigned flags = 0;
        std::set<std::string> addresses;
    };
    // Applies one netlink message; records the interface index it touched.
    void apply(const void* message, std::set<int>& touched);
    core::Result<void> dump(int type, std::set<int>& touched);
    std::vector<core::LocalLinkState> states_of(const std::set<int>& touched);

    UniqueFd monitor_fd_;
    std::map<int, Interface> interfaces_;
    std::map<int, std::string> removed_;  // interfaces gone since the last report, by index
};

}  // namespace pathkeeper::os
