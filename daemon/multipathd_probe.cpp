#include "daemon/multipathd_probe.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pathkeeper::daemon {

namespace {

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

bool process_is_multipathd(const std::filesystem::path& proc, const std::string& pid) {
    return first_line(proc / pid / "comm") == "multipathd";
}

// multipathd's control socket is the abstract unix socket "@/org/kernel/linux/storage/multipathd".
// /proc/net/unix lists it (with a leading '@') while multipathd or systemd's multipathd.socket listens.
bool multipathd_socket_listening(const std::filesystem::path& proc) {
    std::ifstream in(proc / "net" / "unix");
    std::string line;
    while (std::getline(in, line)) {
        if (line.ends_with("@/org/kernel/linux/storage/multipathd")) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::optional<std::string> find_running_multipathd(const MultipathdProbeRoots& roots) {
    const std::filesystem::path proc = roots.proc_dir;
    const std::filesystem::path pid_file = std::filesystem::path(roots.run_dir) / "multipathd.pid";
    const std::string pid = first_line(pid_file);
    if (all_digits(pid) && process_is_multipathd(proc, pid)) {
        return "multipathd is running (pid " + pid + ", from " + pid_file.string() +
               "); stop it first: systemctl disable --now multipathd.service multipathd.socket";
    }
    std::error_code ec;
    for (std::filesystem::directory_iterator it(proc, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (all_digits(name) && process_is_multipathd(proc, name)) {
            return "multipathd is running (pid " + name +
                   "); stop it first: systemctl disable --now multipathd.service multipathd.socket";
        }
    }
    if (multipathd_socket_listening(proc)) {
        return "multipathd's socket is listening (multipathd.socket would start multipathd on demand); "
               "stop it first: systemctl disable --now multipathd.socket multipathd.service";
    }
    return std::nullopt;
}

}  // namespace pathkeeper::daemon
