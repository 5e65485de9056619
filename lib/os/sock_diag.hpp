#pragma once
// Ends TCP connections with sock_diag's SOCK_DESTROY (needs CAP_NET_ADMIN and a kernel built with
// CONFIG_INET_DIAG_DESTROY). The kernel loads inet_diag and tcp_diag itself when the family is first asked
// for.

#include "ports/local_links.hpp"

namespace pathkeeper::os {

class SockDiagTcpConnections final : public ports::TcpConnections {
public:
    // Asks the kernel for its TCP sockets once, so that it loads inet_diag and tcp_diag now: loading them at
    // the first end_connections (a modprobe each) would delay the failover it is there for.
    core::Result<void> load_kernel_support();
    core::Result<unsigned> end_connections(const std::string& local_address,
                                           const std::string& remote_address, unsigned remote_port) override;
};

}  // namespace pathkeeper::os
