// LibUdevSource on the host's netlink: the receive buffer it reports is the one the socket has.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <stdexcept>

#include "os/udev_source.hpp"

namespace pathkeeper::os {
namespace {

std::size_t socket_buffer(int fd) {
    int size = 0;
    socklen_t length = sizeof(size);
    EXPECT_EQ(::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &length), 0);
    return static_cast<std::size_t>(size);
}

TEST(TheUdevSource, ReportsTheReceiveBufferTheSocketReallyHas) {
    try {
        LibUdevSource small("/sys", 64 * 1024);  // below every default net.core.rmem_max: always granted
        EXPECT_EQ(small.receive_buffer().requested, 64U * 1024U);
        EXPECT_EQ(small.receive_buffer().obtained, socket_buffer(small.fd()));
        EXPECT_TRUE(small.receive_buffer().enough());
        // Far above rmem_max: granted with CAP_NET_ADMIN (SO_RCVBUFFORCE), else capped; either way it says
        // so.
        LibUdevSource large("/sys", 512 * 1024 * 1024);
        EXPECT_EQ(large.receive_buffer().obtained, socket_buffer(large.fd()));
        EXPECT_EQ(large.receive_buffer().enough(), large.receive_buffer().obtained >= 512U * 1024U * 1024U);
    } catch (const std::runtime_error& e) {
        GTEST_SKIP() << "no udev netlink monitor here: " << e.what();
    }
}

TEST(TheUdevSource, HasLostNoUeventsWhenItStarts) {
    try {
        LibUdevSource udev("/sys", 64 * 1024);
        EXPECT_FALSE(udev.take_lost_uevents());
    } catch (const std::runtime_error& e) {
        GTEST_SKIP() << "no udev netlink monitor here: " << e.what();
    }
}

}  // namespace
}  // namespace pathkeeper::os
