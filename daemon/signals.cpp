#include "daemon/signals.hpp"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pathkeeper::daemon {

SignalSource::SignalSource() {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &mask, &previous_mask_);
    std::signal(SIGPIPE, SIG_IGN);
    fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) {
        throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
    }
}

SignalSource::~SignalSource() {
    close(fd_);
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

std::vector<SignalRequest> SignalSource::drain() {
    std::vector<SignalRequest> requests;
    signalfd_siginfo info{};
    while (read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGHUP) {
            requests.push_back(SignalRequest::Reload);
        } else {
            requests.push_back(SignalRequest::Stop);
        }
    }
    return requests;
}

}  // namespace pathkeeper::daemon
