#include "os/netlink_links.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "os/errno_text.hpp"

namespace pathkeeper::os {

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;

std::string address_text(int family, const void* data) {
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(family, data, text, sizeof text) == nullptr) {
        return {};
    }
    return text;
}

}  // namespace

NetlinkLinkWatch::NetlinkLinkWatch() {
    monitor_fd_.reset(socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!monitor_fd_.valid()) {
        throw std::runtime_error("rtnetlink socket: " + errno_text(errno));
    }
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    local.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (bind(monitor_fd_.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        throw std::runtime_error("rtnetlink bind: " + errno_text(errno));
    }
}

void NetlinkLinkWatch::apply(const void* message, std::set<int>& touched) {
    const auto* h = static_cast<const nlmsghdr*>(message);
    if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
        const auto* info = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
        std::string name;
        int length = static_cast<int>(IFLA_PAYLOAD(h));
        for (const rtattr* a = IFLA_RTA(info); RTA_OK(a, length); a = RTA_NEXT(a, length)) {
            if (a->rta_type == IFLA_IFNAME) {
                name.assign(static_cast<const char*>(RTA_DATA(a)),
                            strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
            }
        }
        if (h->nlmsg_type == RTM_DELLINK) {
            auto it = interfaces_.find(info->ifi_index);
            removed_[info->ifi_index] = it != interfaces_.end() ? it->second.name : name;
            interfaces_.erase(info->ifi_index);
        } else {
            Interface& i = interfaces_[info->ifi_index];
            if (!name.empty()) {
                i.name = name;
            }
            i.flags = info->ifi_flags;
            removed_.erase(info->ifi_index);
        }
        touched.insert(info->ifi_index);
    } else if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) {
        const auto* info = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
        if (info->ifa_family != AF_INET && info->ifa_family != AF_INET6) {
            return;
        }
        std::string local;
        std::string address;
        int length = static_cast<int>(IFA_PAYLOAD(h));
        for (const rtattr* a = IFA_RTA(info); RTA_OK(a, length); a = RTA_NEXT(a, length)) {
            if (a->rta_type == IFA_LOCAL) {
                local = address_text(info->ifa_family, RTA_DATA(a));
            } else if (a->rta_type == IFA_ADDRESS) {
                address = address_text(info->ifa_family, RTA_DATA(a));
            }
        }
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS the peer's on point-to-point links.
        const std::string& own = local.empty() ? address : local;
        if (own.empty()) {
            return;
        }
        const int index = static_cast<int>(info->ifa_index);
        if (h->nlmsg_type == RTM_NEWADDR) {
            interfaces_[index].addresses.insert(own);
        } else if (auto it = interfaces_.find(index); it != interfaces_.end()) {
            it->second.addresses.erase(own);
        }
        touched.insert(index);
    }
}

core::Result<void> NetlinkLinkWatch::dump(int type, std::set<int>& touched) {
    const UniqueFd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd.valid()) {
        return errno_error("rtnetlink socket", errno);
    }
    struct {
        nlmsghdr header;
        rtgenmsg body;
    } request{};
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_type = static_cast<std::uint16_t>(type);
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = 1;
    request.body.rtgen_family = AF_UNSPEC;
    if (send(fd.get(), &request, sizeof request, 0) < 0) {
        return errno_error("rtnetlink dump request", errno);
    }
    std::vector<char> buffer(kBufferBytes);
    for (;;) {
        const ssize_t n = recv(fd.get(), buffer.data(), buffer.size(), 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_error("rtnetlink dump", errno);
        }
        int length = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(h, length);
             h = NLMSG_NEXT(h, length)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                return {};
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
                return errno_error("rtnetlink dump", -e->error);
            }
            apply(h, touched);
        }
    }
}

std::vector<core::LocalLinkState> NetlinkLinkWatch::states_of(const std::set<int>& touched) {
    std::vector<core::LocalLinkState> states;
    for (int index : touched) {
        if (auto gone = removed_.find(index); gone != removed_.end()) {
            states.push_back(core::LocalLinkState{gone->second, false, {}});
            removed_.erase(gone);
            continue;
        }
        auto it = interfaces_.find(index);
        if (it == interfaces_.end() || it->second.name.empty()) {
            continue;  // an address event before its link: reported with the link
        }
        const Interface& i = it->second;
        core::LocalLinkState s;
        s.name = i.name;
        s.up = (i.flags & IFF_UP) != 0 && (i.flags & IFF_LOWER_UP) != 0;
        s.addresses.assign(i.addresses.begin(), i.addresses.end());
        states.push_back(std::move(s));
    }
    return states;
}

core::Result<std::vector<core::LocalLinkState>> NetlinkLinkWatch::read_all() {
    interfaces_.clear();
    removed_.clear();
    std::set<int> touched;
    if (auto links = dump(RTM_GETLINK, touched); !links) {
        return links.error();
    }
    if (auto addresses = dump(RTM_GETADDR, touched); !addresses) {
        return addresses.error();
    }
    return states_of(touched);
}

core::Result<std::vector<core::LocalLinkState>> NetlinkLinkWatch::changes() {
    std::set<int> touched;
    std::vector<char> buffer(kBufferBytes);
    for (;;) {
        const ssize_t n = recv(monitor_fd_.get(), buffer.data(), buffer.size(), 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            if (errno == ENOBUFS) {
                // Notifications were lost: the whole state, read again, is the change.
                return read_all();
            }
            return errno_error("rtnetlink receive", errno);
        }
        int length = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(h, length);
             h = NLMSG_NEXT(h, length)) {
            apply(h, touched);
        }
    }
    return states_of(touched);
}

}  // namespace pathkeeper::os
