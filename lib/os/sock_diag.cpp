#include "os/sock_diag.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "os/errno_text.hpp"
#include "os/unique_fd.hpp"

namespace pathkeeper::os {

namespace {

struct Request {
    nlmsghdr header;
    inet_diag_req_v2 body;
};

Request make_request(std::uint16_t type, std::uint16_t flags, std::uint8_t family) {
    Request r{};
    r.header.nlmsg_len = sizeof r;
    r.header.nlmsg_type = type;
    r.header.nlmsg_flags = flags;
    r.header.nlmsg_seq = 1;
    r.body.sdiag_family = family;
    r.body.sdiag_protocol = IPPROTO_TCP;
    // Every state but LISTEN: a connection being closed is ended too.
    r.body.idiag_states = ~(1U << TCP_LISTEN);
    return r;
}

bool same_address(int family, const std::uint32_t* diag, const unsigned char* wanted) {
    return std::memcmp(diag, wanted, family == AF_INET ? 4 : 16) == 0;
}

}  // namespace

core::Result<void> SockDiagTcpConnections::load_kernel_support() {
    // A tuple no connection has: the dump runs (and loads the modules), nothing is ended.
    auto ended = end_connections("0.0.0.0", "0.0.0.0", 0);
    if (!ended) {
        return ended.error();
    }
    return {};
}

core::Result<unsigned> SockDiagTcpConnections::end_connections(const std::string& local_address,
                                                               const std::string& remote_address,
                                                               unsigned remote_port) {
    const std::string what = local_address + " -> " + remote_address + ":" + std::to_string(remote_port);
    unsigned char local[16] = {};
    unsigned char remote[16] = {};
    int family = AF_INET;
    if (inet_pton(AF_INET, local_address.c_str(), local) != 1 ||
        inet_pton(AF_INET, remote_address.c_str(), remote) != 1) {
        family = AF_INET6;
        if (inet_pton(AF_INET6, local_address.c_str(), local) != 1 ||
            inet_pton(AF_INET6, remote_address.c_str(), remote) != 1) {
            return core::make_error(core::ErrorCode::InvalidArgument,
                                    "TCP connection " + what + ": not a pair of IPv4 or IPv6 addresses");
        }
    }
    const UniqueFd sock(socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!sock.valid()) {
        return errno_error("sock_diag socket", errno);
    }
    Request dump =
        make_request(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, static_cast<std::uint8_t>(family));
    if (send(sock.get(), &dump, sizeof dump, 0) < 0) {
        return errno_error("sock_diag dump of TCP sockets", errno);
    }
    std::vector<inet_diag_sockid> found;
    std::vector<char> buffer(64 * 1024);
    bool done = false;
    while (!done) {
        const ssize_t n = recv(sock.get(), buffer.data(), buffer.size(), 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_error("sock_diag dump of TCP sockets", errno);
        }
        int length = static_cast<int>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(h, length);
             h = NLMSG_NEXT(h, length)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                done = true;
                break;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                return errno_error("sock_diag dump of TCP sockets",
                                   -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error);
            }
            const auto* m = static_cast<const inet_diag_msg*>(NLMSG_DATA(h));
            if (same_address(family, m->id.idiag_src, local) &&
                same_address(family, m->id.idiag_dst, remote) && ntohs(m->id.idiag_dport) == remote_port) {
                found.push_back(m->id);
            }
        }
    }
    unsigned ended = 0;
    for (const inet_diag_sockid& id : found) {
        Request destroy =
            make_request(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, static_cast<std::uint8_t>(family));
        destroy.body.id = id;
        if (send(sock.get(), &destroy, sizeof destroy, 0) < 0) {
            return errno_error("sock_diag SOCK_DESTROY of " + what, errno);
        }
        const ssize_t n = recv(sock.get(), buffer.data(), buffer.size(), 0);
        if (n < 0) {
            return errno_error("sock_diag SOCK_DESTROY of " + what, errno);
        }
        const auto* h = reinterpret_cast<const nlmsghdr*>(buffer.data());
        if (h->nlmsg_type == NLMSG_ERROR) {
            const int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
            // ENOENT: it closed meanwhile, which is what was wanted.
            if (err != 0 && err != ENOENT) {
                return errno_error("sock_diag SOCK_DESTROY of " + what, err);
            }
        }
        ++ended;
    }
    return ended;
}

}  // namespace pathkeeper::os
