#include "daemon/multipathd_probe.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <system_error>

namespace pathkeeper::daemon {

namespace {

constexpr const char* kMultipathdSocketName = "@/org/kernel/linux/storage/multipathd";
constexpr const char* kStopMultipathd =
    "stop it first: systemctl disable --now multipathd.service multipathd.socket";

std::string first_line(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
        line.pop_back();
    }
    return line;
}

bool all_digits(const std::string& text) {
    if (text.empty() || text.size() > 10) {
        return false;
    }
    for (const char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

// The real, effective and saved uids from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs").
std::optional<std::array<std::uint32_t, 3>> process_uids(const std::filesystem::path& process) {
    std::ifstream in(process / "status");
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with("Uid:")) {
            continue;
        }
        std::istringstream fields(line.substr(4));
        std::array<std::uint32_t, 3> uids{};
        if (fields >> uids[0] >> uids[1] >> uids[2]) {
            return uids;
        }
        return std::nullopt;
    }
    return std::nullopt;
}

bool is_multipathd_binary(std::string exe) {
    // A multipathd still running after its package was upgraded shows its old binary as deleted.
    constexpr std::string_view deleted = " (deleted)";
    if (exe.ends_with(deleted)) {
        exe.resize(exe.size() - deleted.size());
    }
    return exe == "/sbin/multipathd" || exe == "/usr/sbin/multipathd";
}

enum class Verdict { NotMultipathd, Ignored, RootMultipathd };

// A process counts when it is named multipathd, runs as root (real, effective and saved uid 0: a user who
// runs a set-uid program through a link named multipathd keeps their real uid) and its executable is
// multipathd's. Under the unit's bounded capabilities /proc/<pid>/exe of a root process cannot be read (that
// needs CAP_SYS_PTRACE); the uids alone then decide, as only root can make such a process.
Verdict classify_process(const std::filesystem::path& proc, const std::string& pid, std::string& why) {
    const std::filesystem::path process = proc / pid;
    if (first_line(process / "comm") != "multipathd") {
        return Verdict::NotMultipathd;
    }
    const auto uids = process_uids(process);
    if (!uids || (*uids)[0] != 0 || (*uids)[1] != 0 || (*uids)[2] != 0) {
        why = "a process named multipathd (pid " + pid + ") that does not run as root";
        return Verdict::Ignored;
    }
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink(process / "exe", ec);
    if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted) {
        return Verdict::RootMultipathd;
    }
    if (ec) {
        why = "a root process named multipathd (pid " + pid +
              ") whose executable cannot be read: " + ec.message();
        return Verdict::Ignored;
    }
    if (!is_multipathd_binary(exe.string())) {
        why = "a root process named multipathd (pid " + pid + ") that runs " + exe.string();
        return Verdict::Ignored;
    }
    return Verdict::RootMultipathd;
}

// Inodes of the listening sockets bound to multipathd's abstract name, from /proc/net/unix
// ("Num RefCount Protocol Flags Type St Inode Path"; a listening socket has __SO_ACCEPTCON in Flags).
std::vector<std::uint64_t> multipathd_socket_inodes(const std::filesystem::path& proc) {
    std::ifstream in(proc / "net" / "unix");
    std::string line;
    std::vector<std::uint64_t> inodes;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string num, refcount, protocol, flags, type, state, inode, path;
        if (!(fields >> num >> refcount >> protocol >> flags >> type >> state >> inode >> path)) {
            continue;
        }
        constexpr unsigned long kAcceptCon = 0x10000;
        if (path != kMultipathdSocketName || !all_digits(inode) ||
            (std::strtoul(flags.c_str(), nullptr, 16) & kAcceptCon) == 0) {
            continue;
        }
        inodes.push_back(std::stoull(inode));
    }
    return inodes;
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace

std::optional<std::uint32_t> listening_unix_socket_owner(std::uint64_t inode) {
    const FileDescriptor sock(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (sock.get() < 0) {
        return std::nullopt;
    }
    struct {
        nlmsghdr header;
        unix_diag_req request;
    } query{};
    query.header.nlmsg_len = sizeof(query);
    query.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    query.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    query.request.sdiag_family = AF_UNIX;
    constexpr unsigned kTcpListen = 10;  // unix sockets report listening as TCP_LISTEN
    query.request.udiag_states = 1U << kTcpListen;
    query.request.udiag_show = UDIAG_SHOW_UID;
    if (::send(sock.get(), &query, sizeof(query), 0) != static_cast<ssize_t>(sizeof(query))) {
        return std::nullopt;
    }
    alignas(nlmsghdr) std::array<char, 32768> buffer{};
    std::optional<std::uint32_t> owner;
    for (;;) {
        const ssize_t received = ::recv(sock.get(), buffer.data(), buffer.size(), 0);
        if (received < 0 && errno == EINTR) {
            continue;
        }
        if (received <= 0) {
            return owner;
        }
        auto remaining = static_cast<int>(received);
        for (auto* message = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(message, remaining);
             message = NLMSG_NEXT(message, remaining)) {
            if (message->nlmsg_type == NLMSG_DONE || message->nlmsg_type == NLMSG_ERROR) {
                return owner;
            }
            const auto* socket_info = static_cast<const unix_diag_msg*>(NLMSG_DATA(message));
            if (socket_info->udiag_ino != inode) {
                continue;
            }
            auto attributes_length =
                static_cast<int>(message->nlmsg_len - NLMSG_LENGTH(sizeof(*socket_info)));
            for (auto* attribute = reinterpret_cast<rtattr*>(const_cast<unix_diag_msg*>(socket_info) + 1);
                 RTA_OK(attribute, attributes_length); attribute = RTA_NEXT(attribute, attributes_length)) {
                if (attribute->rta_type == UNIX_DIAG_UID && RTA_PAYLOAD(attribute) >= sizeof(std::uint32_t)) {
                    std::uint32_t uid = 0;
                    std::memcpy(&uid, RTA_DATA(attribute), sizeof(uid));
                    owner = uid;
                }
            }
        }
    }
}

std::optional<std::string> find_running_multipathd(const MultipathdProbeRoots& roots,
                                                   std::vector<std::string>* ignored) {
    const std::filesystem::path proc = roots.proc_dir;
    std::set<std::string> reported;
    const auto note = [&](const std::string& why) {
        if (ignored != nullptr && reported.insert(why).second) {
            ignored->push_back(why + "; not multipathd, ignored");
        }
    };
    const std::filesystem::path pid_file = std::filesystem::path(roots.run_dir) / "multipathd.pid";
    const std::string pid = first_line(pid_file);
    std::string why;
    if (all_digits(pid)) {
        switch (classify_process(proc, pid, why)) {
            case Verdict::RootMultipathd:
                return "multipathd is running (pid " + pid + ", from " + pid_file.string() + "); " +
                       kStopMultipathd;
            case Verdict::Ignored:
                note(why);
                break;
            case Verdict::NotMultipathd:
                break;
        }
    }
    std::error_code ec;
    for (std::filesystem::directory_iterator it(proc, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!all_digits(name)) {
            continue;
        }
        switch (classify_process(proc, name, why)) {
            case Verdict::RootMultipathd:
                return "multipathd is running (pid " + name + "); " + kStopMultipathd;
            case Verdict::Ignored:
                note(why);
                break;
            case Verdict::NotMultipathd:
                break;
        }
    }
    for (const std::uint64_t inode : multipathd_socket_inodes(proc)) {
        const auto owner = roots.socket_owner ? roots.socket_owner(inode) : std::nullopt;
        if (owner && *owner == 0) {
            return "multipathd's socket is listening (multipathd.socket would start multipathd on demand); " +
                   std::string(kStopMultipathd);
        }
        note(std::string("multipathd's socket name ") + kMultipathdSocketName + " is bound by " +
             (owner ? "uid " + std::to_string(*owner) : std::string("an owner that cannot be told")));
    }
    return std::nullopt;
}

}  // namespace pathkeeper::daemon
