#pragma once
// Runs the real pathkeeperd binary as a child process (stderr captured in a file) for end-to-end tests on
// the simulated back end.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace pathkeeper::daemon {

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

// Polls until predicate() holds or the timeout passes.
inline bool eventually(const std::function<bool()>& predicate,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (predicate()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return predicate();
}

class DaemonProcess {
public:
    DaemonProcess(std::vector<std::string> args, std::string log_path) : log_path_(std::move(log_path)) {
        args.insert(args.begin(), PATHKEEPERD_BINARY);
        pid_ = fork();
        if (pid_ == 0) {
            const int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 1);
            dup2(fd, 2);
            std::vector<char*> argv;
            for (auto& a : args) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            unsetenv("NOTIFY_SOCKET");
            execv(argv[0], argv.data());
            _exit(127);
        }
    }
    ~DaemonProcess() {
        if (running()) {
            kill(pid_, SIGKILL);
            wait_exit();
        }
    }
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    std::string log() const { return read_text(log_path_); }
    bool log_contains(const std::string& text) const { return log().find(text) != std::string::npos; }
    void signal(int sig) const { kill(pid_, sig); }
    bool running() {
        if (exited_) {
            return false;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return false;
        }
        return true;
    }
    // Exit code, or -1 if it did not exit within the timeout.
    int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        eventually([&] { return !running(); }, timeout);
        return exited_ ? exit_code_ : -1;
    }

private:
    std::string log_path_;
    pid_t pid_ = -1;
    bool exited_ = false;
    int exit_code_ = -1;
};

}  // namespace pathkeeper::daemon
