#include "os/sock_diag.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>

namespace pathkeeper::os {
namespace {

// A connected pair of TCP sockets over loopback.
class ALoopbackConnection : public ::testing::Test {
protected:
    void SetUp() override {
        listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(listener_, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        ASSERT_EQ(listen(listener_, 1), 0);
        socklen_t length = sizeof address;
        ASSERT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length), 0);
        port_ = ntohs(address.sin_port);
        client_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_EQ(connect(client_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        server_ = accept(listener_, nullptr, nullptr);
        ASSERT_GE(server_, 0);
    }
    void TearDown() override {
        for (int fd : {client_, server_, listener_}) {
            if (fd >= 0) {
                close(fd);
            }
        }
    }
    int listener_ = -1;
    int client_ = -1;
    int server_ = -1;
    unsigned port_ = 0;
};

TEST_F(ALoopbackConnection, IsEndedSoItsOwnerSeesItAbortedOrTheMissingPrivilegeIsNamed) {
    SockDiagTcpConnections connections;
    auto ended = connections.end_connections("127.0.0.1", "127.0.0.1", port_);
    if (geteuid() != 0) {
        ASSERT_FALSE(ended.ok());
        EXPECT_EQ(ended.error().code, core::ErrorCode::AccessDenied) << ended.error().message;
        EXPECT_NE(ended.error().message.find("SOCK_DESTROY"), std::string::npos) << ended.error().message;
        return;
    }
    ASSERT_TRUE(ended.ok()) << ended.error().message;
    EXPECT_EQ(*ended, 1u);  // the client's end only: the accepted end is connected to the client's port
    char byte = 0;
    errno = 0;
    EXPECT_EQ(recv(client_, &byte, 1, 0), -1);
    EXPECT_EQ(errno, ECONNABORTED);
}

TEST_F(ALoopbackConnection, IsLeftAloneWhenAnotherPortIsNamed) {
    SockDiagTcpConnections connections;
    auto ended = connections.end_connections("127.0.0.1", "127.0.0.1", port_ == 1 ? 2 : 1);
    ASSERT_TRUE(ended.ok()) << ended.error().message;
    EXPECT_EQ(*ended, 0u);
    EXPECT_EQ(send(client_, "x", 1, MSG_NOSIGNAL), 1);
}

TEST(SockDiag, RefusesAddressesThatAreNotIp) {
    SockDiagTcpConnections connections;
    auto ended = connections.end_connections("eth0", "10.0.0.1", 3260);
    ASSERT_FALSE(ended.ok());
    EXPECT_EQ(ended.error().code, core::ErrorCode::InvalidArgument);
    EXPECT_NE(ended.error().message.find("eth0"), std::string::npos) << ended.error().message;
}

}  // namespace
}  // namespace pathkeeper::os
