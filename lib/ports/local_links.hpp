#pragma once
// The host's own network links (for local-link failover): a watch on their state, and ending a TCP
// connection.

#include <string>
#include <vector>

#include "core/local_links.hpp"
#include "core/result.hpp"

namespace pathkeeper::ports {

// The interfaces' state, watched. read_all answers at once; then the fd is readable whenever something
// changed, and changes() gives the whole state of each interface that did.
class LinkWatch {
public:
    virtual ~LinkWatch() = default;
    virtual int fd() const = 0;
    virtual core::Result<std::vector<core::LocalLinkState>> read_all() = 0;
    virtual core::Result<std::vector<core::LocalLinkState>> changes() = 0;
};

// Ends TCP connections (blocking: call it off the loop thread).
class TcpConnections {
public:
    virtual ~TcpConnections() = default;
    // Every TCP connection from local_address to remote_address:remote_port is ended; answers how many were.
    virtual core::Result<unsigned> end_connections(const std::string& local_address,
                                                   const std::string& remote_address,
                                                   unsigned remote_port) = 0;
};

}  // namespace pathkeeper::ports
