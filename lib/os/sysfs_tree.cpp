#include "os/sysfs_tree.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <span>
#include <system_error>

#include "core/vpd.hpp"
#include "core/wwid.hpp"
#include "os/errno_text.hpp"
#include "os/iscsi_node_db.hpp"
#include "os/unique_fd.hpp"
#include "os/wwid_fallback.hpp"

namespace pathkeeper::os {
namespace fs = std::filesystem;

namespace {

std::optional<unsigned> to_unsigned(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> to_u64(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::string property(const UdevProperties& properties, const std::string& key) {
    auto it = properties.find(key);
    return it == properties.end() ? std::string{} : it->second;
}

std::string portal_text(const std::string& address, const std::string& port) {
    if (address.find(':') != std::string::npos) {
        return "[" + address + "]:" + port;  // IPv6
    }
    return address + ":" + port;
}

}  // namespace

std::string trim_attribute(std::string_view text) {
    while (!text.empty() &&
           (text.back() == '\n' || text.back() == ' ' || text.back() == '\t' || text.back() == '\0')) {
        text.remove_suffix(1);
    }
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    return std::string(text);
}

ports::ScsiDeviceState parse_scsi_device_state(std::string_view text) {
    using S = ports::ScsiDeviceState;
    static const std::pair<std::string_view, S> names[] = {
        {"running", S::Running},
        {"offline", S::Offline},
        {"blocked", S::Blocked},
        {"transport-offline", S::TransportOffline},
        {"created", S::Created},
        {"cancel", S::Cancel},
        {"deleted", S::Deleted},
        {"quiesce", S::Quiesce},
        {"created-blocked", S::CreatedBlock},
    };
    std::string trimmed = trim_attribute(text);
    for (const auto& [name, state] : names) {
        if (trimmed == name) {
            return state;
        }
    }
    return S::Unknown;
}

core::Transport transport_from_device_path(const fs::path& device_path) {
    for (const auto& component : device_path) {
        const std::string name = component.string();
        if (name.starts_with("session") && to_unsigned(std::string_view(name).substr(7))) {
            return core::Transport::Iscsi;
        }
        if (name.starts_with("rport-")) {
            return core::Transport::Fc;
        }
        if (name.starts_with("end_device-") || name.starts_with("expander-")) {
            return core::Transport::Sas;
        }
    }
    return core::Transport::Other;
}

std::optional<std::string> device_path_component(const fs::path& device_path, std::string_view prefix) {
    for (const auto& component : device_path) {
        std::string name = component.string();
        if (name.starts_with(prefix)) {
            return name;
        }
    }
    return std::nullopt;
}

std::optional<unsigned> scsi_host_from_device_path(const fs::path& device_path) {
    for (const auto& component : device_path) {
        const std::string name = component.string();
        if (name.starts_with("host")) {
            if (auto n = to_unsigned(std::string_view(name).substr(4))) {
                return n;
            }
        }
    }
    return std::nullopt;
}

std::optional<unsigned> iscsi_session_from_device_path(const fs::path& device_path) {
    for (const auto& component : device_path) {
        const std::string name = component.string();
        if (name.starts_with("session")) {
            if (auto id = to_unsigned(std::string_view(name).substr(7))) {
                return id;
            }
        }
    }
    return std::nullopt;
}

std::optional<unsigned> tpgs_from_inquiry(const std::vector<std::uint8_t>& inquiry) {
    if (inquiry.size() < 6) {
        return std::nullopt;
    }
    return (inquiry[5] >> 4) & 0x3u;
}

std::optional<std::string> serial_from_vpd_pg80(const std::vector<std::uint8_t>& page) {
    if (page.size() < 4 || page[1] != 0x80) {
        return std::nullopt;
    }
    std::size_t length = (static_cast<std::size_t>(page[2]) << 8) | page[3];
    if (length > page.size() - 4) {
        return std::nullopt;
    }
    std::string serial;
    for (std::size_t i = 4; i < 4 + length; ++i) {
        char c = static_cast<char>(page[i]);
        if (c == '\0') {
            break;
        }
        if (page[i] < 0x20 || page[i] > 0x7e) {
            return std::nullopt;
        }
        serial.push_back(c);
    }
    return trim_attribute(serial);
}

SysfsTree::SysfsTree(fs::path root, fs::path iscsi_node_db)
    : root_(std::move(root)), iscsi_node_db_(std::move(iscsi_node_db)) {}

core::Result<std::string> SysfsTree::read_attribute(const fs::path& path) const {
    auto bytes = read_binary(path);
    if (!bytes) {
        return bytes.error();
    }
    return trim_attribute(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()));
}

core::Result<std::vector<std::uint8_t>> SysfsTree::read_binary(const fs::path& path) const {
    const fs::path full = path.is_absolute() ? path : root_ / path;
    const UniqueFd fd(::open(full.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return errno_error("open " + full.string(), errno);
    }
    std::vector<std::uint8_t> data;
    std::uint8_t buffer[4096];
    for (;;) {
        ssize_t rc = ::read(fd.get(), buffer, sizeof buffer);
        if (rc < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno_error("read " + full.string(), errno);
        }
        if (rc == 0) {
            break;
        }
        data.insert(data.end(), buffer, buffer + rc);
        if (data.size() > (1u << 20)) {  // no sysfs attribute we read is this large: refuse garbage
            return core::Error{core::ErrorCode::InvalidArgument, full.string() + ": attribute too large"};
        }
    }
    return data;
}

core::Result<fs::path> SysfsTree::scsi_device_dir(const std::string& devnode) const {
    if (devnode.empty() || devnode.find('/') != std::string::npos || devnode == "." || devnode == "..") {
        return core::Error{core::ErrorCode::InvalidArgument, "bad device name '" + devnode + "'"};
    }
    std::error_code ec;
    fs::path dir = fs::canonical(root_ / "block" / devnode / "device", ec);
    if (ec) {
        return core::Error{core::ErrorCode::NotFound,
                           devnode + ": no SCSI device in sysfs (" + ec.message() + ")"};
    }
    return dir;
}

core::Result<std::string> SysfsTree::read_device_attribute(const std::string& devnode, const char* name) {
    auto pread_text = [](int fd) -> std::optional<std::string> {
        char buffer[4096];  // a sysfs attribute is at most a page
        ssize_t rc;
        do {
            rc = ::pread(fd, buffer, sizeof buffer, 0);
        } while (rc < 0 && errno == EINTR);
        if (rc < 0) {
            return std::nullopt;
        }
        return trim_attribute(std::string_view(buffer, static_cast<std::size_t>(rc)));
    };
    auto cached = devices_.find(devnode);
    if (cached != devices_.end()) {
        if (auto file = cached->second.files.find(name); file != cached->second.files.end()) {
            if (auto text = pread_text(file->second)) {
                return *text;
            }
            close_device(cached->second);  // the device went away (ENODEV): resolve again below
            devices_.erase(cached);
            cached = devices_.end();
        }
    }
    auto dir = scsi_device_dir(devnode);
    if (cached != devices_.end() && (!dir || cached->second.dir != *dir)) {
        close_device(cached->second);  // gone, or the devnode now names another device
        devices_.erase(cached);
    }
    if (!dir) {
        return dir.error();
    }
    const fs::path full = *dir / name;
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
            return read_attribute(full);
        }
        return errno_error("open " + full.string(), errno);
    }
    auto text = pread_text(fd);
    if (!text) {
        const int err = errno;
        ::close(fd);
        return errno_error("read " + full.string(), err);
    }
    OpenDevice& device = devices_[devnode];
    device.dir = std::move(*dir);
    device.files.insert_or_assign(name, fd);
    return *text;
}

void SysfsTree::close_device(OpenDevice& device) {
    for (auto& [attribute, fd] : device.files) {
        ::close(fd);
    }
    device.files.clear();
}

void SysfsTree::forget_device(const std::string& devnode) {
    if (auto it = devices_.find(devnode); it != devices_.end()) {
        close_device(it->second);
        devices_.erase(it);
    }
}

std::size_t SysfsTree::open_attribute_files() const {
    std::size_t n = 0;
    for (const auto& [devnode, device] : devices_) {
        n += device.files.size();
    }
    return n;
}

SysfsTree::~SysfsTree() {
    for (auto& [devnode, device] : devices_) {
        close_device(device);
    }
}

core::Result<ports::ScsiDeviceState> SysfsTree::scsi_device_state(const std::string& devnode) {
    auto text = read_device_attribute(devnode, "state");
    if (!text) {
        return text.error();
    }
    return parse_scsi_device_state(*text);
}

core::Result<core::AluaState> SysfsTree::alua_access_state(const std::string& devnode) {
    auto text = read_device_attribute(devnode, "access_state");
    if (!text) {
        return text.error();
    }
    return core::parse_alua_state(*text);
}

core::Result<unsigned> SysfsTree::scsi_timeout_s(const std::string& devnode) {
    auto dir = scsi_device_dir(devnode);
    if (!dir) {
        return dir.error();
    }
    auto text = read_attribute(*dir / "timeout");
    if (!text) {
        return text.error();
    }
    auto value = to_unsigned(*text);
    if (!value) {
        return core::Error{core::ErrorCode::InvalidArgument, devnode + ": bad SCSI timeout '" + *text + "'"};
    }
    return *value;
}

core::Result<unsigned> SysfsTree::iscsi_session_of(const std::string& devnode) {
    auto dir = scsi_device_dir(devnode);
    if (!dir) {
        return dir.error();
    }
    if (auto id = iscsi_session_from_device_path(*dir)) {
        return *id;
    }
    return core::Error{core::ErrorCode::NotFound, devnode + " is not an iSCSI disk"};
}

core::Result<std::string> SysfsTree::iscsi_session_state(unsigned session_id) {
    return read_attribute(fs::path("class/iscsi_session") / ("session" + std::to_string(session_id)) /
                          "state");
}

core::Result<unsigned> SysfsTree::iscsi_recovery_tmo(unsigned session_id) {
    auto text = read_attribute(fs::path("class/iscsi_session") / ("session" + std::to_string(session_id)) /
                               "recovery_tmo");
    if (!text) {
        return text.error();
    }
    auto value = to_unsigned(*text);
    if (!value) {
        return core::Error{core::ErrorCode::InvalidArgument,
                           "session" + std::to_string(session_id) + ": bad recovery_tmo '" + *text + "'"};
    }
    return *value;
}

core::Result<void> SysfsTree::write_attribute(const fs::path& full_path, const std::string& text) const {
    // O_TRUNC is harmless on sysfs and lets the same code drive a plain-file fake tree.
    UniqueFd fd(::open(full_path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
    if (!fd.valid()) {
        return errno_error("open " + full_path.string(), errno);
    }
    ssize_t rc = ::write(fd.get(), text.data(), text.size());
    int err = errno;
    fd.reset();
    if (rc != static_cast<ssize_t>(text.size())) {
        return errno_error("write " + full_path.string(), rc < 0 ? err : EIO);
    }
    return {};
}

core::Result<void> SysfsTree::set_iscsi_recovery_tmo(unsigned session_id, unsigned seconds) {
    return write_attribute(
        root_ / "class/iscsi_session" / ("session" + std::to_string(session_id)) / "recovery_tmo",
        std::to_string(seconds) + "\n");
}

core::Result<void> SysfsTree::trigger_change_uevent(const std::string& devnode) {
    if (devnode.empty() || devnode.find('/') != std::string::npos || devnode == "." || devnode == "..") {
        return core::Error{core::ErrorCode::InvalidArgument, "bad disk name '" + devnode + "'"};
    }
    return write_attribute(root_ / "block" / devnode / "uevent", "change\n");
}

namespace {

// An FC timeout as its attribute reads: seconds, or -1 for "off".
std::optional<std::int64_t> fc_timeout_value(const std::string& text) {
    if (text == "off") {
        return -1;
    }
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::string seconds_text(std::int64_t s) {
    return s < 0 ? std::string("off") : std::to_string(s) + "s";
}

}  // namespace

void SysfsTree::write_fc_timeouts(const fs::path& rport, const core::PathTuning& tuning,
                                  std::vector<std::string>& errors) const {
    const std::string name = rport.filename().string();
    // The port's values as they stand (kUnknown: unreadable); -1 is "off".
    constexpr std::int64_t kUnknown = INT64_MIN;
    std::int64_t dev_now = kUnknown;
    std::int64_t fast_now = kUnknown;
    if (auto text = read_attribute(rport / "dev_loss_tmo")) {
        dev_now = fc_timeout_value(*text).value_or(kUnknown);
    }
    if (auto text = read_attribute(rport / "fast_io_fail_tmo")) {
        fast_now = fc_timeout_value(*text).value_or(kUnknown);
    }
    auto write = [&](const char* attribute, std::int64_t value) {
        const std::string text = value < 0 ? std::string("off") : std::to_string(value);
        auto done = write_attribute(rport / attribute, text + "\n");
        if (!done) {
            std::string why = done.error().message;
            if (done.error().code == core::ErrorCode::Conflict) {
                why = "the kernel refuses it while the remote port is blocked or gone (" + why + ")";
            }
            errors.push_back(name + " " + attribute + " " + text + ": " + why);
            return false;
        }
        (attribute == std::string_view("dev_loss_tmo") ? dev_now : fast_now) = value;
        return true;
    };
    const bool has_fast = tuning.fc_fast_io_fail_tmo.has_value();
    const bool fast_on = has_fast && tuning.fc_fast_io_fail_tmo->count() >= 0;
    const std::int64_t fast = has_fast ? tuning.fc_fast_io_fail_tmo->count() : -1;
    const bool has_dev = tuning.fc_dev_loss_tmo_s.has_value();
    const std::int64_t dev = has_dev ? static_cast<std::int64_t>(*tuning.fc_dev_loss_tmo_s) : 0;
    const std::int64_t block_max = core::kScsiBlockMaxTimeout.count();
    const bool off_now = fast_now == kUnknown || fast_now < 0;
    if (fast_on && !has_dev && dev_now != kUnknown && fast >= dev_now) {
        errors.push_back(name + ": fast_io_fail " + seconds_text(fast) +
                         " is not shorter than its dev_loss_tmo " + seconds_text(dev_now) +
                         ": the kernel refuses it");
        return;
    }
    if (has_dev && !has_fast && dev > block_max && fast_now != kUnknown && fast_now < 0) {
        errors.push_back(name + ": dev_loss_tmo " + seconds_text(dev) + " is longer than " +
                         seconds_text(block_max) +
                         " while its fast_io_fail_tmo is off: the kernel refuses it");
        return;
    }
    // Each write must hold against the port's values at that moment: fast_io_fail_tmo shorter than
    // dev_loss_tmo, dev_loss_tmo above 600 s only while fast_io_fail_tmo is on.
    if (fast_on && (dev_now == kUnknown || fast < dev_now)) {
        if (write("fast_io_fail_tmo", fast) && has_dev) {
            write("dev_loss_tmo", dev);
        }
        return;
    }
    if (has_dev && dev > block_max && off_now && fast_on && fast < block_max) {
        // A step through 600 s: long enough for the new fast_io_fail_tmo, short enough while it is still off.
        if (write("dev_loss_tmo", block_max) && write("fast_io_fail_tmo", fast)) {
            write("dev_loss_tmo", dev);
        }
        return;
    }
    if (has_dev && !write("dev_loss_tmo", dev)) {
        return;
    }
    if (has_fast) {
        write("fast_io_fail_tmo", fast);
    }
}

void SysfsTree::write_max_sectors_kb(const std::string& name, const fs::path& block_dir, unsigned kb,
                                     std::vector<std::string>& notes,
                                     std::vector<std::string>& errors) const {
    unsigned value = kb;
    if (auto hw = read_attribute(block_dir / "queue/max_hw_sectors_kb")) {
        if (auto limit = to_unsigned(*hw); limit && *limit < kb) {
            value = *limit;
            notes.push_back("max_sectors_kb " + std::to_string(kb) + " is more than " + name +
                            "'s max_hw_sectors_kb " + std::to_string(*limit) + ": set to " +
                            std::to_string(*limit));
        }
    }
    if (auto done = write_attribute(block_dir / "queue/max_sectors_kb", std::to_string(value) + "\n");
        !done) {
        errors.push_back(name + " max_sectors_kb " + std::to_string(value) + ": " + done.error().message);
    }
}

namespace {

core::Result<std::string> outcome(const std::string& what, const std::vector<std::string>& notes,
                                  const std::vector<std::string>& errors) {
    auto joined = [](const std::vector<std::string>& items) {
        std::string s;
        for (const auto& item : items) {
            s += (s.empty() ? "" : "; ") + item;
        }
        return s;
    };
    if (!errors.empty()) {
        std::string message = what + ": " + joined(errors);
        if (!notes.empty()) {
            message += " (" + joined(notes) + ")";
        }
        return core::Error{core::ErrorCode::Io, message};
    }
    return joined(notes);
}

}  // namespace

core::Result<std::string> SysfsTree::tune_path(const std::string& devnode, const core::PathTuning& tuning) {
    auto dir = scsi_device_dir(devnode);
    if (!dir) {
        return dir.error();
    }
    std::vector<std::string> notes;
    std::vector<std::string> errors;
    if (tuning.fc_fast_io_fail_tmo || tuning.fc_dev_loss_tmo_s) {
        auto rport = device_path_component(*dir, "rport-");
        if (!rport) {
            errors.push_back("no FC remote port above " + dir->string());
        } else {
            write_fc_timeouts(root_ / "class/fc_remote_ports" / *rport, tuning, errors);
        }
    }
    if (tuning.eh_deadline) {
        auto host = scsi_host_from_device_path(*dir);
        if (!host) {
            errors.push_back("no SCSI host above " + dir->string());
        } else {
            const std::string name = "host" + std::to_string(*host);
            const bool off = tuning.eh_deadline->mode == core::EhDeadline::Mode::Off;
            const std::string text =
                off ? std::string("off") : std::to_string(tuning.eh_deadline->value.count());
            if (auto done = write_attribute(root_ / "class/scsi_host" / name / "eh_deadline", text + "\n");
                !done) {
                std::string why = done.error().message;
                if (why.find(errno_text(EINVAL)) != std::string::npos) {
                    why = "the host refuses a deadline (its driver recovers errors its own way): " + why;
                } else if (done.error().code == core::ErrorCode::Conflict) {
                    why = "the host is in error recovery: " + why;
                }
                errors.push_back(name + " eh_deadline " + text + ": " + why);
            }
        }
    }
    if (tuning.max_sectors_kb) {
        write_max_sectors_kb(devnode, root_ / "block" / devnode, *tuning.max_sectors_kb, notes, errors);
    }
    return outcome("setting " + core::to_string(tuning) + " failed", notes, errors);
}

core::Result<std::string> SysfsTree::set_map_max_sectors_kb(const std::string& map, unsigned kb) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root_ / "block", ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with("dm-")) {
            continue;
        }
        auto dm_name = read_attribute(entry.path() / "dm/name");
        if (!dm_name || *dm_name != map) {
            continue;
        }
        std::vector<std::string> notes;
        std::vector<std::string> errors;
        write_max_sectors_kb(name, entry.path(), kb, notes, errors);
        return outcome("setting max_sectors_kb " + std::to_string(kb) + " failed", notes, errors);
    }
    return core::Error{core::ErrorCode::NotFound,
                       "no dm device named " + map + " in " + (root_ / "block").string()};
}

core::Result<ports::IscsiSessionInfo> SysfsTree::iscsi_session(unsigned session_id) {
    return read_iscsi_session(session_id);
}

core::Result<ports::IscsiSessionInfo> SysfsTree::read_iscsi_session(unsigned session_id) const {
    const std::string name = "session" + std::to_string(session_id);
    const fs::path session_dir = fs::path("class/iscsi_session") / name;
    ports::IscsiSessionInfo info;
    info.session_id = session_id;
    auto state = read_attribute(session_dir / "state");
    if (!state) {
        return state.error();
    }
    info.state = *state;
    if (auto target = read_attribute(session_dir / "targetname")) {
        info.target_iqn = *target;
    }
    if (auto tmo = read_attribute(session_dir / "recovery_tmo")) {
        info.recovery_tmo_s = to_unsigned(*tmo);
    }
    // Connections of session N are named "connectionN:C" (open-iscsi uses one, C = 0). The persistent address
    // is the portal the session logged in to; the plain address can be a redirect target.
    std::error_code ec;
    const std::string prefix = "connection" + std::to_string(session_id) + ":";
    std::vector<fs::path> connections;
    for (const auto& entry : fs::directory_iterator(root_ / "class/iscsi_connection", ec)) {
        if (entry.path().filename().string().starts_with(prefix)) {
            connections.push_back(entry.path());
        }
    }
    std::sort(connections.begin(), connections.end());
    for (const auto& connection : connections) {
        auto current_address = read_attribute(connection / "address");
        auto current_port = read_attribute(connection / "port");
        if (current_address && current_port && !current_address->empty() && info.remote_address.empty()) {
            info.remote_address = *current_address;
            info.remote_port = to_unsigned(*current_port).value_or(0);
        }
        auto address = read_attribute(connection / "persistent_address");
        auto port = read_attribute(connection / "persistent_port");
        if (!address || address->empty() || !port) {
            address = read_attribute(connection / "address");
            port = read_attribute(connection / "port");
        }
        if (address && port && !address->empty()) {
            info.portal = portal_text(*address, *port);
            IscsiNodeKey key{info.target_iqn, *address, *port, "", "default"};
            if (auto tpgt = read_attribute(session_dir / "tpgt")) {
                key.tpgt = *tpgt;
            }
            if (auto iface = read_attribute(session_dir / "ifacename"); iface && !iface->empty()) {
                key.iface = *iface;
            }
            info.replacement_timeout_s = configured_replacement_timeout(iscsi_node_db_, key);
            break;
        }
    }
    return info;
}

core::Result<std::vector<ports::IscsiSessionInfo>> SysfsTree::iscsi_sessions() {
    std::vector<ports::IscsiSessionInfo> sessions;
    std::error_code ec;
    fs::directory_iterator it(root_ / "class/iscsi_session", ec);
    if (ec) {
        if (ec == std::errc::no_such_file_or_directory) {
            return sessions;  // iscsi transport module not loaded: no sessions
        }
        return core::Error{core::ErrorCode::Io, "list iSCSI sessions: " + ec.message()};
    }
    std::vector<unsigned> ids;
    for (const auto& entry : it) {
        const std::string name = entry.path().filename().string();
        if (name.starts_with("session")) {
            if (auto id = to_unsigned(std::string_view(name).substr(7))) {
                ids.push_back(*id);
            }
        }
    }
    std::sort(ids.begin(), ids.end());
    for (unsigned id : ids) {
        if (auto info = iscsi_session(id)) {
            sessions.push_back(std::move(*info));
        }
    }
    return sessions;
}

ports::DiscoveredDisk SysfsTree::describe_disk(const std::string& devnode, const UdevProperties& properties,
                                               Detail detail) const {
    ports::DiscoveredDisk disk;
    disk.devnode = devnode;
    const fs::path block_dir = root_ / "block" / devnode;

    auto dev_text = read_attribute(block_dir / "dev");
    if (!dev_text) {
        disk.skip_reason = "skipped: cannot read device number: " + dev_text.error().message;
        return disk;
    }
    auto devt = core::DevT::parse(*dev_text);
    if (!devt) {
        disk.skip_reason = "skipped: bad device number '" + *dev_text + "'";
        return disk;
    }
    disk.devt = *devt;

    auto device_dir = scsi_device_dir(devnode);
    if (!device_dir) {
        disk.skip_reason = "skipped: " + device_dir.error().message;
        return disk;
    }

    core::PathInfo path;
    path.devnode = devnode;
    path.devt = *devt;
    path.udev_property_names = core::property_names_of(properties);
    path.udev_claim = core::udev_claim_of(properties);

    // Vendor/product/revision as the kernel reports them (spaces kept), which is what multipath-tools' device
    // table regexes are written against; udev's ID_* (spaces replaced by '_') only as a fallback.
    auto attr_or = [&](const char* attribute, const char* udev_key) {
        if (auto text = read_attribute(*device_dir / attribute); text && !text->empty()) {
            return *text;
        }
        return property(properties, udev_key);
    };
    path.vendor = attr_or("vendor", "ID_VENDOR");
    path.product = attr_or("model", "ID_MODEL");
    path.revision = attr_or("rev", "ID_REVISION");

    std::shared_ptr<const WwidPropertyRule> rule;
    {
        const std::lock_guard lock(wwid_rule_mutex_);
        rule = wwid_rule_;
    }
    const std::string wwid_property = rule ? (*rule)(devnode, path) : std::string("ID_SERIAL");
    path.wwid = property(properties, wwid_property);
    if (auto checked = core::check_wwid(path.wwid); !path.wwid.empty() && !checked) {
        // Not replaced by a WWID from sysfs: the disk's siblings may carry the same property.
        disk.skip_reason = "skipped: " + wwid_property + " refused: " + checked.error().message;
        return disk;
    }
    std::string wwid_problem;
    if (path.wwid.empty()) {
        auto computed = wwid_from_sysfs(*this, *device_dir);
        if (computed) {
            path.wwid = *computed;
        } else {
            wwid_problem = computed.error().message;
        }
    }
    if (path.wwid.empty()) {
        disk.skip_reason = "skipped: no usable WWID (no " + wwid_property + "; " + wwid_problem + ")";
        return disk;
    }
    if (detail == Detail::Membership) {
        path.transport = transport_from_device_path(*device_dir);
        disk.path = std::move(path);
        return disk;
    }

    path.serial = property(properties, "ID_SCSI_SERIAL");
    if (path.serial.empty()) {
        if (auto page = read_binary(*device_dir / "vpd_pg80")) {
            path.serial = serial_from_vpd_pg80(*page).value_or("");
        }
    }

    if (auto size = read_attribute(block_dir / "size")) {
        path.size_sectors = to_u64(*size).value_or(0);
    }
    if (auto hctl = core::ScsiAddress::parse(device_dir->filename().string())) {
        path.hctl = *hctl;
    }

    path.transport = transport_from_device_path(*device_dir);
    if (path.transport == core::Transport::Iscsi) {
        if (auto session_id = iscsi_session_from_device_path(*device_dir)) {
            if (auto session = read_iscsi_session(*session_id)) {
                core::IscsiInfo iscsi;
                iscsi.session_id = session->session_id;
                iscsi.target_iqn = session->target_iqn;
                iscsi.portal = session->portal;
                iscsi.session_state = session->state;
                iscsi.recovery_tmo_s = session->recovery_tmo_s;
                iscsi.replacement_timeout_s = session->replacement_timeout_s;
                iscsi.remote_address = session->remote_address;
                iscsi.remote_port = session->remote_port;
                // The iSCSI host's ipaddress is its connection's source address.
                if (path.hctl) {
                    if (auto local =
                            read_attribute(fs::path("class/iscsi_host") /
                                           ("host" + std::to_string(path.hctl->host)) / "ipaddress")) {
                        iscsi.local_address = *local;
                    }
                }
                // The target is the node, whichever portal (network) reaches it: docs/design-decisions.md.
                path.node_name = iscsi.target_iqn;
                path.iscsi = std::move(iscsi);
            }
        }
    } else if (path.transport == core::Transport::Fc && path.hctl) {
        const std::string target = "target" + std::to_string(path.hctl->host) + ":" +
                                   std::to_string(path.hctl->channel) + ":" +
                                   std::to_string(path.hctl->target);
        if (auto node = read_attribute(fs::path("class/fc_transport") / target / "node_name")) {
            path.node_name = *node;
        }
    } else if (path.transport == core::Transport::Sas) {
        if (auto address = read_attribute(*device_dir / "sas_address")) {
            path.node_name = *address;
        }
    }

    if (auto inquiry = read_binary(*device_dir / "inquiry")) {
        path.tpgs = tpgs_from_inquiry(*inquiry).value_or(0) != 0;
    }
    // The port's ALUA target port group, for group_by_tpg: the kernel keeps the page it read at scan time.
    if (auto page = read_binary(*device_dir / "vpd_pg83")) {
        if (auto parsed = core::parse_vpd_pg83(std::span<const std::uint8_t>(*page))) {
            path.tpg_id = core::target_port_group(*parsed);
        }
    }
    if (auto access = read_attribute(*device_dir / "access_state")) {
        if (auto state = core::parse_alua_state(*access)) {
            path.alua_state = *state;
            path.tpgs = true;  // the kernel only exposes access_state for ALUA-capable devices
        }
    }

    disk.path = std::move(path);
    return disk;
}

void SysfsTree::set_wwid_property_rule(WwidPropertyRule rule) {
    auto shared = std::make_shared<const WwidPropertyRule>(std::move(rule));
    const std::lock_guard lock(wwid_rule_mutex_);
    wwid_rule_ = std::move(shared);
}

}  // namespace pathkeeper::os
