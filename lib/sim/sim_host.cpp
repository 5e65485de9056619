// One file on purpose: the simulated world (SimHost::World) and the port adaptors that view it (udev, dm,
// checker, sysfs) share its private state and lock; splitting them would publish World's internals.
#include "sim/sim_host.hpp"

#include "sim/pr_target.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pathkeeper::sim {

namespace {

using core::ErrorCode;

struct DmPath {
    bool active = true;
    unsigned fail_count = 0;
};

struct DmMap {
    std::string uuid;
    std::uint64_t size_sectors = 0;
    core::DevT devt;
    core::DmMultipathTable table;
    std::vector<std::vector<DmPath>> path_states;  // [group][path], table order
    bool queue_if_no_path = false;
    unsigned current_group = 0;  // 1-based, 0 = none chosen yet
    int open_count = 0;
    std::uint32_t event_nr = 0;
    bool suspended = false;  // a reload failed to resume it
};

int make_eventfd() {
    const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    }
    return fd;
}

void poke(int fd) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(fd, &one, sizeof one);
}

void drain(int fd) {
    std::uint64_t value = 0;
    [[maybe_unused]] const ssize_t n = read(fd, &value, sizeof value);
}

// Per-path selector status args dm-mpath prints in STATUSTYPE_INFO for each selector.
unsigned selector_info_args(const std::string& selector) {
    if (selector == "service-time") {
        return 2;  // in-flight size, relative throughput
    }
    if (selector == "queue-length") {
        return 1;  // in-flight count
    }
    return 0;  // round-robin
}

std::string selector_info_values(const std::string& selector) {
    if (selector == "service-time") {
        return " 0 1";
    }
    if (selector == "queue-length") {
        return " 0";
    }
    return "";
}

}  // namespace

struct SimHost::World {
    mutable std::mutex mutex;
    std::map<std::string, SimPath> paths;  // by devnode, present or not
    std::map<std::string, DmMap> maps;     // by name
    std::map<std::string, std::uint32_t> reported_event_nr;
    bool first_changed_maps_call = true;
    std::vector<ports::UdevEvent> uevents;
    bool uevents_lost = false;  // a "lost" command dropped a uevent: reported once the queue is read empty
    std::map<unsigned, unsigned> recovery_tmo;  // session -> seconds
    std::vector<std::string> ops;
    std::chrono::milliseconds checker_delay{0};
    std::chrono::milliseconds reenumerate_delay{0};
    unsigned enumerations = 0;
    std::string dump_dir;
    int udev_fd = -1;
    int dm_fd = -1;
    unsigned next_dm_minor = 0;
    // udev-hold: maps whose udev work does not finish; the cookies handed out for it, by map name.
    std::set<std::string> udev_held;
    std::map<std::uint32_t, std::string> udev_pending;
    std::uint32_t next_udev_cookie = 1;
    std::condition_variable udev_released;
    // checker-hang: paths whose checks block (storage that does not answer) until checker-release.
    std::set<std::string> checks_hung;
    std::condition_variable checks_released;
    // suspend-hold: maps whose reload blocks in its suspend (a noflush suspend waiting for the I/O in flight
    // on a hung path) until suspend-release.
    std::set<std::string> suspend_held;
    std::condition_variable suspend_released;
    // resume-fail MAP N: the next N resumes of MAP fail (a reload's, or a resume of its own).
    std::map<std::string, int> resume_failures;
    // holder MAP ...: what holds each map, by map name.
    std::map<std::string, core::MapHolder> holders;

    ~World() {
        close(udev_fd);
        close(dm_fd);
    }

    const SimPath* present_path_by_devt(core::DevT devt) const {
        for (const auto& [name, p] : paths) {
            if (p.present && p.info.devt == devt) {
                return &p;
            }
        }
        return nullptr;
    }

    std::string devnode_of(core::DevT devt) const {
        for (const auto& [name, p] : paths) {
            if (p.info.devt == devt) {
                return name;
            }
        }
        return devt.to_string();
    }

    // The kernel's choice of path group when I/O arrives: keep the current group while it has an active
    // path, otherwise the first group (in table order) that has one.
    void choose_group(DmMap& map) const {
        auto usable = [&](unsigned g) {
            const auto& states = map.path_states[g - 1];
            return std::any_of(states.begin(), states.end(), [](const DmPath& p) { return p.active; });
        };
        if (map.current_group != 0 && map.current_group <= map.table.groups.size() &&
            usable(map.current_group)) {
            return;
        }
        for (unsigned g = 1; g <= map.table.groups.size(); ++g) {
            if (usable(g)) {
                map.current_group = g;
                return;
            }
        }
        if (map.current_group > map.table.groups.size()) {
            map.current_group = map.table.groups.empty() ? 0 : 1;
        }
    }

    core::Result<void> load(DmMap& map, const core::DmMultipathTable& table, std::uint64_t size) {
        if (auto valid = core::validate_table(table); !valid) {
            return valid.error();
        }
        for (const auto& group : table.groups) {
            for (const auto& path : group.paths) {
                if (present_path_by_devt(path.devt) == nullptr) {
                    return core::make_error(ErrorCode::Io, "dm table load: device " + path.devt.to_string() +
                                                               " not found (ENXIO)");
                }
            }
        }
        // A reload keeps the state of paths that stay (the kernel re-reads path states only for new paths).
        std::map<core::DevT, DmPath> previous;
        for (std::size_t g = 0; g < map.table.groups.size(); ++g) {
            for (std::size_t p = 0; p < map.table.groups[g].paths.size(); ++p) {
                previous[map.table.groups[g].paths[p].devt] = map.path_states[g][p];
            }
        }
        map.table = table;
        map.size_sectors = size;
        map.queue_if_no_path = core::has_feature(table, "queue_if_no_path");
        map.path_states.assign(table.groups.size(), {});
        for (std::size_t g = 0; g < table.groups.size(); ++g) {
            for (const auto& path : table.groups[g].paths) {
                auto it = previous.find(path.devt);
                map.path_states[g].push_back(it == previous.end() ? DmPath{} : it->second);
            }
        }
        map.current_group = table.initial_group;
        choose_group(map);
        return {};
    }

    std::string table_text(const DmMap& map) const {
        core::DmMultipathTable echo = map.table;
        std::erase(echo.features, std::string("queue_if_no_path"));
        if (map.queue_if_no_path) {
            echo.features.insert(echo.features.begin(), "queue_if_no_path");
        }
        echo.initial_group = echo.groups.empty() ? 0 : std::max(1U, map.current_group);
        return core::format_table(echo);
    }

    std::string status_text(const DmMap& map) const {
        const bool any_active =
            std::any_of(map.path_states.begin(), map.path_states.end(), [](const auto& g) {
                return std::any_of(g.begin(), g.end(), [](const DmPath& p) { return p.active; });
            });
        std::ostringstream out;
        out << "2 " << ((map.queue_if_no_path && !any_active) ? 1 : 0) << " 0 0 " << map.table.groups.size()
            << ' ' << map.current_group;
        for (std::size_t g = 0; g < map.table.groups.size(); ++g) {
            const auto& group = map.table.groups[g];
            const char state = (g + 1 == map.current_group) ? 'A' : 'E';
            out << ' ' << state << " 0 " << group.paths.size() << ' ' << selector_info_args(group.selector);
            for (std::size_t p = 0; p < group.paths.size(); ++p) {
                const auto& st = map.path_states[g][p];
                out << ' ' << group.paths[p].devt.to_string() << ' ' << (st.active ? 'A' : 'F') << ' '
                    << st.fail_count << selector_info_values(group.selector);
            }
        }
        return out.str();
    }

    ports::DmMapInfo info(const std::string& name, const DmMap& map) const {
        ports::DmMapInfo i;
        i.name = name;
        i.uuid = map.uuid;
        i.devt = map.devt;
        i.open_count = map.open_count;
        i.size_sectors = map.size_sectors;
        i.event_nr = map.event_nr;
        i.suspended = map.suspended;
        i.table_text = table_text(map);
        if (auto t = core::parse_table(i.table_text)) {
            i.table = *t;
        } else {
            i.table_error = t.error().message;
        }
        i.status_text = status_text(map);
        if (auto s = core::parse_status(i.status_text)) {
            i.status = *s;
        } else {
            i.status_error = s.error().message;
        }
        return i;
    }

    void event(DmMap& map) {
        ++map.event_nr;
        poke(dm_fd);
    }

    void record(const std::string& op) {
        ops.push_back(op);
        dump();
    }

    void write_file(const std::string& name, const std::string& content) const {
        const auto path = std::filesystem::path(dump_dir) / name;
        const auto tmp = path.string() + ".tmp";
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << content;
        }
        std::filesystem::rename(tmp, path);
    }

    void dump() const {
        if (dump_dir.empty()) {
            return;
        }
        std::error_code ec;
        std::filesystem::create_directories(dump_dir, ec);
        std::ostringstream tables;
        std::ostringstream status;
        std::ostringstream ops_text;
        for (const auto& [name, map] : maps) {
            tables << name << ": " << table_text(map) << '\n';
            status << name << ": " << status_text(map) << '\n';
        }
        for (const auto& op : ops) {
            ops_text << op << '\n';
        }
        write_file("tables", tables.str());
        write_file("status", status.str());
        write_file("ops.log", ops_text.str());
    }

    ports::DiscoveredDisk disk(const SimPath& p) const {
        ports::DiscoveredDisk d;
        d.devnode = p.info.devnode;
        d.devt = p.info.devt;
        d.path = p.info;
        return d;
    }
};

namespace {

class SimUdev final : public ports::UdevSource {
public:
    explicit SimUdev(std::shared_ptr<SimHost::World> world) : world_(std::move(world)) {}
    int fd() const override { return world_->udev_fd; }
    core::Result<std::vector<ports::DiscoveredDisk>> enumerate() override {
        std::vector<ports::DiscoveredDisk> disks;
        std::chrono::milliseconds delay{0};
        {
            std::lock_guard lock(world_->mutex);
            for (const auto& [name, p] : world_->paths) {
                if (p.present) {
                    disks.push_back(world_->disk(p));
                }
            }
            if (world_->enumerations++ > 0) {
                delay = world_->reenumerate_delay;
                world_->record("sim enumeration " + std::to_string(disks.size()) + " disks");
            }
        }
        // Without the lock: the host goes on (uevents, checks) while the scan is stalled.
        std::this_thread::sleep_for(delay);
        return disks;
    }
    std::vector<ports::UdevEvent> receive(std::size_t max_events) override {
        std::lock_guard lock(world_->mutex);
        auto& queued = world_->uevents;
        const auto taken = static_cast<std::ptrdiff_t>(std::min(max_events, queued.size()));
        std::vector<ports::UdevEvent> events(std::make_move_iterator(queued.begin()),
                                             std::make_move_iterator(queued.begin() + taken));
        queued.erase(queued.begin(), queued.begin() + taken);
        if (queued.empty()) {
            drain(world_->udev_fd);  // like the netlink socket: readable while events are queued
        }
        return events;
    }
    bool take_lost_uevents() override {
        std::lock_guard lock(world_->mutex);
        if (!world_->uevents_lost || !world_->uevents.empty()) {
            return false;
        }
        world_->uevents_lost = false;
        return true;
    }
    core::Result<ports::DiscoveredDisk> refresh(const std::string& devnode) override {
        std::lock_guard lock(world_->mutex);
        auto it = world_->paths.find(devnode);
        if (it == world_->paths.end() || !it->second.present) {
            return core::make_error(ErrorCode::NotFound, devnode + ": no such disk");
        }
        return world_->disk(it->second);
    }

private:
    std::shared_ptr<SimHost::World> world_;
};

class SimDeviceMapper final : public ports::DeviceMapper {
public:
    explicit SimDeviceMapper(std::shared_ptr<SimHost::World> world) : world_(std::move(world)) {}

    core::Result<std::vector<ports::DmMapInfo>> list_multipath_maps() override {
        std::lock_guard lock(world_->mutex);
        std::vector<ports::DmMapInfo> out;
        for (const auto& [name, map] : world_->maps) {
            out.push_back(world_->info(name, map));
        }
        return out;
    }
    core::Result<ports::DmMapInfo> get_map(const std::string& name) override {
        std::lock_guard lock(world_->mutex);
        auto it = world_->maps.find(name);
        if (it == world_->maps.end()) {
            return core::make_error(ErrorCode::NotFound, name + ": no such dm device");
        }
        return world_->info(name, it->second);
    }
    // Every change ends in udev's work, which finishes at once unless a scenario holds udev for the map
    // ("udev-hold MAP"); the blocking calls wait for it as libdevmapper's dm_udev_wait does.
    core::Result<UdevHandle> start_create_map(const std::string& name, const std::string& uuid,
                                              std::uint64_t size_sectors,
                                              const core::DmMultipathTable& table) override {
        return with_udev_work(name, do_create_map(name, uuid, size_sectors, table));
    }
    core::Result<void> create_map(const std::string& name, const std::string& uuid,
                                  std::uint64_t size_sectors, const core::DmMultipathTable& table) override {
        return wait_for_udev(start_create_map(name, uuid, size_sectors, table));
    }
    core::Result<UdevHandle> start_reload_map(const std::string& name, std::uint64_t size_sectors,
                                              const core::DmMultipathTable& table) override {
        {
            std::unique_lock lock(world_->mutex);
            world_->suspend_released.wait(lock, [&] { return !world_->suspend_held.contains(name); });
        }
        return with_udev_work(name, do_reload_map(name, size_sectors, table));
    }
    core::Result<void> reload_map(const std::string& name, std::uint64_t size_sectors,
                                  const core::DmMultipathTable& table) override {
        return wait_for_udev(start_reload_map(name, size_sectors, table));
    }
    core::Result<UdevHandle> start_remove_map(const std::string& name,
                                              const ports::RemoveOptions& options) override {
        return with_udev_work(name, do_remove_map(name, options));
    }
    core::Result<void> remove_map(const std::string& name, const ports::RemoveOptions& options) override {
        return wait_for_udev(start_remove_map(name, options));
    }
    core::Result<UdevHandle> start_rename_map(const std::string& old_name,
                                              const std::string& new_name) override {
        return with_udev_work(new_name, do_rename_map(old_name, new_name));
    }
    core::Result<void> rename_map(const std::string& old_name, const std::string& new_name) override {
        return wait_for_udev(start_rename_map(old_name, new_name));
    }
    core::Result<UdevHandle> start_resume_map(const std::string& name) override {
        {
            std::lock_guard lock(world_->mutex);
            auto it = world_->maps.find(name);
            if (it == world_->maps.end()) {
                return core::make_error(ErrorCode::NotFound, name + ": no such dm device");
            }
            if (auto failures = world_->resume_failures.find(name);
                failures != world_->resume_failures.end() && failures->second > 0) {
                --failures->second;
                world_->record("resume " + name + " failed");
                return core::make_error(ErrorCode::Io, "resume " + name + " failed");
            }
            it->second.suspended = false;
            world_->record("resume " + name);
        }
        return with_udev_work(name, core::Result<void>{});
    }
    bool udev_done(const UdevHandle& handle) override {
        std::lock_guard lock(world_->mutex);
        return !world_->udev_pending.contains(handle.cookie);
    }

    core::Result<UdevHandle> with_udev_work(const std::string& name, const core::Result<void>& changed) {
        if (!changed) {
            return changed.error();
        }
        std::lock_guard lock(world_->mutex);
        if (!world_->udev_held.contains(name)) {
            return UdevHandle{};
        }
        const std::uint32_t cookie = world_->next_udev_cookie++;
        world_->udev_pending.emplace(cookie, name);
        return UdevHandle{cookie};
    }
    core::Result<void> wait_for_udev(const core::Result<UdevHandle>& started) {
        if (!started) {
            return started.error();
        }
        std::unique_lock lock(world_->mutex);
        world_->udev_released.wait(lock, [&] { return !world_->udev_pending.contains(started->cookie); });
        return {};
    }

    // The dm changes themselves.
    core::Result<void> do_create_map(const std::string& name, const std::string& uuid,
                                     std::uint64_t size_sectors, const core::DmMultipathTable& table) {
        std::lock_guard lock(world_->mutex);
        if (world_->maps.contains(name)) {
            return core::make_error(ErrorCode::AlreadyExists, name + ": dm device name already in use");
        }
        for (const auto& [other, map] : world_->maps) {
            if (map.uuid == uuid) {
                return core::make_error(ErrorCode::AlreadyExists,
                                        uuid + ": dm uuid already used by " + other);
            }
        }
        DmMap map;
        map.uuid = uuid;
        map.devt = core::DevT{253, world_->next_dm_minor++};
        if (auto loaded = world_->load(map, table, size_sectors); !loaded) {
            return loaded.error();
        }
        world_->reported_event_nr.try_emplace(name,
                                              map.event_nr);  // as the real adaptor follows what it creates
        world_->maps.emplace(name, std::move(map));
        world_->record("create " + name + " " + uuid + " " + core::format_table(table));
        return {};
    }
    core::Result<void> do_reload_map(const std::string& name, std::uint64_t size_sectors,
                                     const core::DmMultipathTable& table) {
        std::lock_guard lock(world_->mutex);
        auto it = world_->maps.find(name);
        if (it == world_->maps.end()) {
            return core::make_error(ErrorCode::NotFound, name + ": no such dm device");
        }
        DmMap candidate = it->second;
        if (auto loaded = world_->load(candidate, table, size_sectors); !loaded) {
            return loaded.error();  // the live table stays, as with a failed DM_TABLE_LOAD
        }
        if (auto failures = world_->resume_failures.find(name);
            failures != world_->resume_failures.end() && failures->second > 0) {
            // Loaded and suspended, but the resume failed: the old table stays live, the map suspended.
            --failures->second;
            it->second.suspended = true;
            world_->record("reload " + name + " left suspended: resume failed");
            return core::make_error(ErrorCode::Io, "resume " + name + " failed");
        }
        candidate.suspended = false;
        it->second = std::move(candidate);
        world_->record("reload " + name + " " + core::format_table(table));
        return {};
    }
    core::Result<void> do_remove_map(const std::string& name, const ports::RemoveOptions& options) {
        std::lock_guard lock(world_->mutex);
        auto it = world_->maps.find(name);
        if (it == world_->maps.end()) {
            return core::make_error(ErrorCode::NotFound, name + ": no such dm device");
        }
        if (it->second.open_count > 0 && !options.even_when_open) {
            if (options.deferred) {
                world_->record("remove " + name + " deferred");
                return {};
            }
            return core::make_error(
                ErrorCode::Conflict,
                name + ": device is open (" + std::to_string(it->second.open_count) + " openers)");
        }
        world_->maps.erase(it);
        world_->reported_event_nr.erase(name);
        world_->record("remove " + name);
        return {};
    }
    core::Result<void> do_rename_map(const std::string& old_name, const std::string& new_name) {
        std::lock_guard lock(world_->mutex);
        auto it = world_->maps.find(old_name);
        if (it == world_->maps.end()) {
            return core::make_error(ErrorCode::NotFound, old_name + ": no such dm device");
        }
        if (world_->maps.contains(new_name)) {
            return core::make_error(ErrorCode::AlreadyExists, new_name + ": dm device name already in use");
        }
        auto node = world_->maps.extract(it);
        node.key() = new_name;
        world_->maps.insert(std::move(node));
        world_->reported_event_nr.erase(old_name);
        world_->record("rename " + old_name + " " + new_name);
        return {};
    }
    core::Result<void> send_message(const std::string& name, const std::string& message) override {
        std::lock_guard lock(world_->mutex);
        auto it = world_->maps.find(name);
        if (it == world_->maps.end()) {
            return core::make_error(ErrorCode::NotFound, name + ": no such dm device");
        }
        DmMap& map = it->second;
        std::istringstream in(message);
        std::string verb;
        std::string arg;
        std::string extra;
        in >> verb >> arg >> extra;
        auto invalid = [&] {
            return core::make_error(ErrorCode::InvalidArgument,
                                    name + ": message '" + message + "' rejected by dm-multipath (EINVAL)");
        };
        if (!extra.empty()) {
            return invalid();
        }
        if ((verb == "queue_if_no_path" || verb == "fail_if_no_path") && arg.empty()) {
            map.queue_if_no_path = verb == "queue_if_no_path";
        } else if (verb == "switch_group") {
            unsigned group = 0;
            try {
                group = static_cast<unsigned>(std::stoul(arg));
            } catch (const std::logic_error&) {
                return invalid();
            }
            if (group == 0 || group > map.table.groups.size()) {
                return invalid();
            }
            map.current_group = group;
            world_->event(map);
        } else if (verb == "fail_path" || verb == "reinstate_path") {
            auto devt = core::DevT::parse(arg);
            if (!devt) {
                return invalid();
            }
            bool found = false;
            for (std::size_t g = 0; g < map.table.groups.size(); ++g) {
                for (std::size_t p = 0; p < map.table.groups[g].paths.size(); ++p) {
                    if (map.table.groups[g].paths[p].devt != *devt) {
                        continue;
                    }
                    found = true;
                    auto& st = map.path_states[g][p];
                    if (verb == "fail_path" && st.active) {
                        st.active = false;
                        ++st.fail_count;
                    } else if (verb == "reinstate_path") {
                        st.active = true;
                    }
                }
            }
            if (!found) {
                return invalid();
            }
            world_->choose_group(map);
            world_->event(map);
        } else {
            return invalid();
        }
        world_->record("message " + name + " " + message);
        return {};
    }
    int event_fd() const override { return world_->dm_fd; }
    core::Result<std::vector<std::string>> changed_maps() override {
        std::lock_guard lock(world_->mutex);
        drain(world_->dm_fd);
        std::vector<std::string> changed;
        for (const auto& [name, map] : world_->maps) {
            auto it = world_->reported_event_nr.find(name);
            if (world_->first_changed_maps_call || it == world_->reported_event_nr.end() ||
                it->second != map.event_nr) {
                changed.push_back(name);
            }
            world_->reported_event_nr[name] = map.event_nr;
        }
        for (auto it = world_->reported_event_nr.begin(); it != world_->reported_event_nr.end();) {
            if (world_->maps.contains(it->first)) {
                ++it;
            } else {
                changed.push_back(it->first);  // gone, as the real adaptor reports it
                it = world_->reported_event_nr.erase(it);
            }
        }
        world_->first_changed_maps_call = false;
        return changed;
    }

private:
    std::shared_ptr<SimHost::World> world_;
};

class SimChecker final : public ports::PathChecker {
public:
    explicit SimChecker(std::shared_ptr<SimHost::World> world) : world_(std::move(world)) {}
    ports::CheckOutcome check(const ports::CheckRequest& request) override {
        std::chrono::milliseconds delay;
        {
            std::lock_guard lock(world_->mutex);
            delay = world_->checker_delay;
        }
        if (delay.count() > 0) {
            std::this_thread::sleep_for(delay);
        }
        std::unique_lock lock(world_->mutex);
        world_->checks_released.wait(lock, [&] { return !world_->checks_hung.contains(request.devnode); });
        auto it = world_->paths.find(request.devnode);
        if (it == world_->paths.end() || !it->second.present) {
            return {core::PathState::Down,
                    std::string("sim ") + core::to_string(request.kind) + " checker: device not present"};
        }
        const auto state = it->second.checker_state;
        ports::CheckOutcome outcome{state, std::string("sim ") + core::to_string(request.kind) +
                                               " checker reports path " + core::to_string(state)};
        if (request.prio) {
            outcome.priority = it->second.array_priority;
        }
        return outcome;
    }
    void forget(const std::string& devnode) override {
        std::lock_guard lock(world_->mutex);
        world_->record("checker forget " + devnode);
    }

private:
    std::shared_ptr<SimHost::World> world_;
};

// Persistent reservations on the simulated paths: each present path is a nexus of the LU named by its WWID
// (added when first used), and a path whose checker says down delivers nothing, like a pulled cable.
class SimReservations final : public ports::PersistentReservations {
public:
    explicit SimReservations(std::shared_ptr<SimHost::World> world) : world_(std::move(world)) {}

    ports::PrInReply pr_in(const std::string& device_path, core::PrInAction action,
                           std::uint16_t allocation_length, std::chrono::milliseconds timeout) override {
        prepare(device_path);
        return target_.pr_in(device_path, action, allocation_length, timeout);
    }
    core::ScsiCompletion pr_out(const std::string& device_path, core::PrOutAction action,
                                std::optional<core::PrType> type, const core::PrOutParameters& parameters,
                                std::chrono::milliseconds timeout) override {
        prepare(device_path);
        return target_.pr_out(device_path, action, type, parameters, timeout);
    }

private:
    void prepare(const std::string& device_path) {
        const std::string devnode = device_path.substr(device_path.rfind('/') + 1);
        std::string wwid;
        bool up = false;
        {
            std::lock_guard lock(world_->mutex);
            auto it = world_->paths.find(devnode);
            if (it != world_->paths.end() && it->second.present) {
                wwid = it->second.info.wwid;
                up = core::is_usable(it->second.checker_state);
            }
        }
        std::lock_guard lock(mutex_);
        if (!wwid.empty() && known_.insert(device_path).second) {
            target_.add_path(device_path, wwid);
        }
        if (known_.contains(device_path)) {
            target_.set_path_failed(device_path, !up);
        }
    }

    std::shared_ptr<SimHost::World> world_;
    std::mutex mutex_;
    std::set<std::string> known_;
    SimPrTarget target_;
};

class SimHolders final : public ports::BlockHolders {
public:
    explicit SimHolders(std::shared_ptr<SimHost::World> world) : world_(std::move(world)) {}

    std::vector<ports::PartitionMap> partitions(core::DevT, const std::string&) override { return {}; }
    std::vector<std::string> holders(core::DevT, const std::vector<ports::PartitionMap>&) override {
        return {};
    }
    std::optional<core::MapHolder> map_holder(core::DevT map) override {
        std::lock_guard lock(world_->mutex);
        for (const auto& [name, m] : world_->maps) {
            if (m.devt == map) {
                auto h = world_->holders.find(name);
                return h == world_->holders.end() ? std::nullopt : std::optional<core::MapHolder>(h->second);
            }
        }
        return std::nullopt;
    }

private:
    std::shared_ptr<SimHost::World> world_;
};

class SimSysfs final : public ports::Sysfs {
public:
    explicit SimSysfs(std::shared_ptr<SimHost::World> world) : world_(std::move(world)) {}

    core::Result<ports::ScsiDeviceState> scsi_device_state(const std::string& devnode) override {
        std::lock_guard lock(world_->mutex);
        auto p = find(devnode);
        if (!p) {
            return p.error();
        }
        return (*p)->checker_state == core::PathState::Down ? ports::ScsiDeviceState::Offline
                                                            : ports::ScsiDeviceState::Running;
    }
    core::Result<core::AluaState> alua_access_state(const std::string& devnode) override {
        std::lock_guard lock(world_->mutex);
        auto p = find(devnode);
        if (!p) {
            return p.error();
        }
        if (!(*p)->info.tpgs) {
            return core::make_error(ErrorCode::NotFound, devnode + ": no ALUA port group");
        }
        return (*p)->info.alua_state;
    }
    core::Result<unsigned> scsi_timeout_s(const std::string& devnode) override {
        std::lock_guard lock(world_->mutex);
        if (auto p = find(devnode); !p) {
            return p.error();
        }
        return 30U;
    }
    core::Result<unsigned> iscsi_session_of(const std::string& devnode) override {
        std::lock_guard lock(world_->mutex);
        auto p = find(devnode);
        if (!p) {
            return p.error();
        }
        if (!(*p)->info.iscsi) {
            return core::make_error(ErrorCode::NotFound, devnode + ": not an iSCSI disk");
        }
        return (*p)->info.iscsi->session_id;
    }
    core::Result<ports::IscsiSessionInfo> iscsi_session(unsigned session_id) override {
        std::lock_guard lock(world_->mutex);
        return session(session_id);
    }
    core::Result<std::vector<ports::IscsiSessionInfo>> iscsi_sessions() override {
        std::lock_guard lock(world_->mutex);
        std::set<unsigned> ids;
        for (const auto& [name, p] : world_->paths) {
            if (p.present && p.info.iscsi) {
                ids.insert(p.info.iscsi->session_id);
            }
        }
        std::vector<ports::IscsiSessionInfo> out;
        for (const unsigned id : ids) {
            if (auto s = session(id)) {
                out.push_back(*s);
            }
        }
        return out;
    }
    core::Result<std::string> iscsi_session_state(unsigned session_id) override {
        std::lock_guard lock(world_->mutex);
        auto s = session(session_id);
        if (!s) {
            return s.error();
        }
        return s->state;
    }
    core::Result<unsigned> iscsi_recovery_tmo(unsigned session_id) override {
        std::lock_guard lock(world_->mutex);
        auto s = session(session_id);
        if (!s) {
            return s.error();
        }
        return s->recovery_tmo_s.value_or(120);
    }
    core::Result<void> set_iscsi_recovery_tmo(unsigned session_id, unsigned seconds) override {
        std::lock_guard lock(world_->mutex);
        if (auto s = session(session_id); !s) {
            return s.error();
        }
        world_->recovery_tmo[session_id] = seconds;
        world_->record("recovery_tmo session" + std::to_string(session_id) + " " + std::to_string(seconds));
        return {};
    }
    core::Result<std::string> tune_path(const std::string& devnode, const core::PathTuning& tuning) override {
        std::lock_guard lock(world_->mutex);
        if (auto p = find(devnode); !p) {
            return p.error();
        }
        world_->record("tune " + devnode + " " + core::to_string(tuning));
        return std::string();
    }
    core::Result<std::string> set_map_max_sectors_kb(const std::string& map, unsigned kb) override {
        std::lock_guard lock(world_->mutex);
        world_->record("tune " + map + " max_sectors_kb=" + std::to_string(kb));
        return std::string();
    }
    core::Result<void> trigger_change_uevent(const std::string& devnode) override {
        if (auto p = find(devnode); !p) {
            return p.error();
        }
        world_->record("uevent change " + devnode);
        return {};
    }

private:
    core::Result<const SimPath*> find(const std::string& devnode) const {
        auto it = world_->paths.find(devnode);
        if (it == world_->paths.end() || !it->second.present) {
            return core::make_error(ErrorCode::NotFound, devnode + ": no such disk");
        }
        return &it->second;
    }
    core::Result<ports::IscsiSessionInfo> session(unsigned id) const {
        for (const auto& [name, p] : world_->paths) {
            if (p.present && p.info.iscsi && p.info.iscsi->session_id == id) {
                ports::IscsiSessionInfo s;
                s.session_id = id;
                s.state = p.checker_state == core::PathState::Down ? "FAILED" : "LOGGED_IN";
                s.target_iqn = p.info.iscsi->target_iqn;
                s.portal = p.info.iscsi->portal;
                auto tmo = world_->recovery_tmo.find(id);
                s.recovery_tmo_s = tmo == world_->recovery_tmo.end() ? 120U : tmo->second;
                return s;
            }
        }
        return core::make_error(ErrorCode::NotFound,
                                "session" + std::to_string(id) + ": no such iSCSI session");
    }

    std::shared_ptr<SimHost::World> world_;
};

}  // namespace

SimHost::SimHost(Scenario scenario, std::string dump_dir) : world_(std::make_shared<World>()) {
    world_->udev_fd = make_eventfd();
    world_->dm_fd = make_eventfd();
    world_->checker_delay = scenario.checker_delay;
    world_->reenumerate_delay = scenario.reenumerate_delay;
    world_->udev_held.insert(scenario.udev_held.begin(), scenario.udev_held.end());
    world_->dump_dir = scenario.dump_dir.empty() ? std::move(dump_dir) : scenario.dump_dir;
    for (auto& p : scenario.paths) {
        world_->paths[p.info.devnode] = p;
    }
    for (const auto& m : scenario.maps) {
        auto table = core::parse_table(m.table);
        if (!table) {
            throw std::runtime_error("scenario map " + m.name + ": " + table.error().message);
        }
        DmMap map;
        map.uuid = "mpath-" + m.wwid;
        map.devt = core::DevT{253, world_->next_dm_minor++};
        map.open_count = m.open_count;
        if (auto loaded = world_->load(map, *table, m.size_sectors); !loaded) {
            throw std::runtime_error("scenario map " + m.name + ": " + loaded.error().message);
        }
        for (const auto& dev : m.failed) {
            auto it = world_->paths.find(dev);
            if (it == world_->paths.end()) {
                throw std::runtime_error("scenario map " + m.name + ": failed path " + dev +
                                         " is not a scenario path");
            }
            for (std::size_t g = 0; g < map.table.groups.size(); ++g) {
                for (std::size_t i = 0; i < map.table.groups[g].paths.size(); ++i) {
                    if (map.table.groups[g].paths[i].devt == it->second.info.devt) {
                        map.path_states[g][i] = DmPath{false, 1};
                    }
                }
            }
        }
        world_->choose_group(map);
        world_->maps.emplace(m.name, std::move(map));
    }
    timeline_ = std::move(scenario.timeline);
    if (!scenario.control_fifo.empty()) {
        if (mkfifo(scenario.control_fifo.c_str(), 0600) != 0 && errno != EEXIST) {
            throw std::runtime_error("mkfifo " + scenario.control_fifo + ": " + std::strerror(errno));
        }
        // O_RDWR keeps a writer open ourselves, so the FIFO never reports EOF between test writers.
        control_fd_ = open(scenario.control_fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (control_fd_ < 0) {
            throw std::runtime_error("open " + scenario.control_fifo + ": " + std::strerror(errno));
        }
    }
    udev_ = std::make_unique<SimUdev>(world_);
    dm_ = std::make_unique<SimDeviceMapper>(world_);
    checker_ = std::make_shared<SimChecker>(world_);
    sysfs_ = std::make_unique<SimSysfs>(world_);
    holders_ = std::make_unique<SimHolders>(world_);
    reservations_ = std::make_unique<SimReservations>(world_);
    std::lock_guard lock(world_->mutex);
    world_->dump();
}

SimHost::~SimHost() {
    if (control_fd_ >= 0) {
        close(control_fd_);
    }
}

ports::UdevSource& SimHost::udev() {
    return *udev_;
}
ports::DeviceMapper& SimHost::device_mapper() {
    return *dm_;
}
std::shared_ptr<ports::PathChecker> SimHost::checker() {
    return checker_;
}
ports::Sysfs& SimHost::sysfs() {
    return *sysfs_;
}

ports::BlockHolders& SimHost::holders() {
    return *holders_;
}

ports::PersistentReservations& SimHost::reservations() {
    return *reservations_;
}

void SimHost::start_timeline(Clock::time_point now) {
    timeline_start_ = now;
    next_step_ = 0;
}

std::optional<SimHost::Clock::time_point> SimHost::next_step_due() const {
    if (!timeline_start_ || next_step_ >= timeline_.size()) {
        return std::nullopt;
    }
    return *timeline_start_ + timeline_[next_step_].at;
}

std::vector<std::string> SimHost::run_due_steps(Clock::time_point now) {
    std::vector<std::string> lines;
    while (timeline_start_ && next_step_ < timeline_.size() &&
           *timeline_start_ + timeline_[next_step_].at <= now) {
        const auto& step = timeline_[next_step_++];
        auto applied = apply(step.command);
        lines.push_back("sim: " + step.text + (applied ? std::string{} : ": " + applied.error().message));
    }
    return lines;
}

std::vector<std::string> SimHost::read_control() {
    std::vector<std::string> lines;
    if (control_fd_ < 0) {
        return lines;
    }
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(control_fd_, buffer, sizeof buffer)) > 0) {
        control_buffer_.append(buffer, static_cast<std::size_t>(n));
        if (control_buffer_.size() > 65536) {
            control_buffer_.clear();
            lines.push_back("sim: control input too long without a newline, discarded");
        }
    }
    std::size_t newline = 0;
    while ((newline = control_buffer_.find('\n')) != std::string::npos) {
        std::string line = control_buffer_.substr(0, newline);
        control_buffer_.erase(0, newline + 1);
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        auto command = parse_sim_command(line);
        if (!command) {
            lines.push_back("sim: " + line + ": " + command.error().message);
            continue;
        }
        auto applied = apply(*command);
        lines.push_back("sim: " + line + (applied ? std::string{} : ": " + applied.error().message));
    }
    return lines;
}

core::Result<void> SimHost::apply(const SimCommand& command) {
    std::lock_guard lock(world_->mutex);
    auto& w = *world_;
    if (command.kind == SimCommand::Kind::Open) {
        auto it = w.maps.find(command.target);
        if (it == w.maps.end()) {
            return core::make_error(ErrorCode::NotFound, command.target + ": no such map");
        }
        it->second.open_count = std::stoi(command.argument);
        w.record("sim open " + command.target + " " + command.argument);
        return {};
    }
    if (command.kind == SimCommand::Kind::UdevHold) {
        w.udev_held.insert(command.target);
        w.record("sim udev-hold " + command.target);
        return {};
    }
    if (command.kind == SimCommand::Kind::CheckerHang || command.kind == SimCommand::Kind::CheckerRelease) {
        const bool hang = command.kind == SimCommand::Kind::CheckerHang;
        if (hang) {
            w.checks_hung.insert(command.target);
        } else {
            w.checks_hung.erase(command.target);
            w.checks_released.notify_all();
        }
        w.record(std::string("sim ") + (hang ? "checker-hang " : "checker-release ") + command.target);
        return {};
    }
    if (command.kind == SimCommand::Kind::SuspendHold || command.kind == SimCommand::Kind::SuspendRelease) {
        const bool hold = command.kind == SimCommand::Kind::SuspendHold;
        if (hold) {
            w.suspend_held.insert(command.target);
        } else {
            w.suspend_held.erase(command.target);
            w.suspend_released.notify_all();
        }
        w.record(std::string("sim ") + (hold ? "suspend-hold " : "suspend-release ") + command.target);
        return {};
    }
    if (command.kind == SimCommand::Kind::Holder) {
        if (command.argument.empty()) {
            w.holders.erase(command.target);
            w.record("sim holder " + command.target + " none");
            return {};
        }
        std::istringstream words(command.argument);
        std::string device, level, legs;
        words >> device >> level >> legs;
        core::MapHolder h;
        h.device = device;
        h.kind = "md " + level;
        h.redundant = true;
        h.level = level;
        h.members = static_cast<unsigned>(legs.size());
        for (std::size_t i = 0; i < legs.size(); ++i) {
            h.degraded += legs[i] != 'A' ? 1U : 0U;
            if (i == 0) {
                h.leg = legs[i] == 'A'   ? core::LegState::InSync
                        : legs[i] == 'a' ? core::LegState::Syncing
                                         : core::LegState::Faulty;
            } else if (legs[i] == 'A') {
                ++h.other_in_sync;
            }
        }
        w.holders[command.target] = h;
        w.record("sim holder " + command.target + " " + command.argument);
        return {};
    }
    if (command.kind == SimCommand::Kind::ResumeFail) {
        w.resume_failures[command.target] = std::stoi(command.argument);
        w.record("sim resume-fail " + command.target + " " + command.argument);
        return {};
    }
    if (command.kind == SimCommand::Kind::DmRemove) {
        auto it = w.maps.find(command.target);
        if (it == w.maps.end()) {
            return core::make_error(ErrorCode::NotFound, command.target + ": no such map");
        }
        if (it->second.open_count > 0) {
            return core::make_error(ErrorCode::Conflict, command.target + ": device is busy");
        }
        w.maps.erase(it);
        poke(w.dm_fd);  // the kernel raises an event on the table of a device it removes
        w.record("sim dm-remove " + command.target);
        return {};
    }
    if (command.kind == SimCommand::Kind::UdevRelease) {
        w.udev_held.erase(command.target);
        std::erase_if(w.udev_pending, [&](const auto& entry) { return entry.second == command.target; });
        w.udev_released.notify_all();
        w.record("sim udev-release " + command.target);
        return {};
    }
    auto it = w.paths.find(command.target);
    if (it == w.paths.end()) {
        return core::make_error(ErrorCode::NotFound, command.target + ": not a scenario path");
    }
    SimPath& path = it->second;
    auto queue_uevent = [&](ports::UdevEvent event) {
        if (command.lost) {
            w.uevents_lost = true;
        } else {
            w.uevents.push_back(std::move(event));
        }
        poke(w.udev_fd);
    };
    switch (command.kind) {
        case SimCommand::Kind::Checker:
            path.checker_state = *core::parse_path_state(command.argument);
            break;
        case SimCommand::Kind::Alua:
            path.info.alua_state = *core::parse_alua_state(command.argument);
            path.info.tpgs = true;
            if (path.present && !command.quiet) {
                w.uevents.push_back(
                    {ports::UdevAction::Change, w.disk(path), "ASYMMETRIC_ACCESS_STATE_CHANGED"});
                poke(w.udev_fd);
            }
            break;
        case SimCommand::Kind::Add:
            if (path.present) {
                return core::make_error(ErrorCode::AlreadyExists, path.info.devnode + ": already present");
            }
            path.present = true;
            queue_uevent({ports::UdevAction::Add, w.disk(path), {}});
            break;
        case SimCommand::Kind::Change:
            if (!path.present) {
                return core::make_error(ErrorCode::NotFound, path.info.devnode + ": not present");
            }
            queue_uevent({ports::UdevAction::Change, w.disk(path), {}});
            break;
        case SimCommand::Kind::Remove: {
            if (!path.present) {
                return core::make_error(ErrorCode::NotFound, path.info.devnode + ": not present");
            }
            path.present = false;
            ports::UdevEvent event{ports::UdevAction::Remove, {}, {}};
            event.disk.devnode = path.info.devnode;
            event.disk.devt = path.info.devt;
            queue_uevent(std::move(event));
            break;
        }
        case SimCommand::Kind::KernelFail: {
            bool any = false;
            for (auto& [name, map] : w.maps) {
                bool changed = false;
                for (std::size_t g = 0; g < map.table.groups.size(); ++g) {
                    for (std::size_t i = 0; i < map.table.groups[g].paths.size(); ++i) {
                        auto& st = map.path_states[g][i];
                        if (map.table.groups[g].paths[i].devt == path.info.devt && st.active) {
                            st.active = false;
                            ++st.fail_count;
                            changed = true;
                        }
                    }
                }
                if (changed) {
                    w.choose_group(map);
                    w.event(map);
                    any = true;
                }
            }
            if (!any) {
                return core::make_error(ErrorCode::NotFound, path.info.devnode + ": active in no map");
            }
            break;
        }
        case SimCommand::Kind::Open:
        case SimCommand::Kind::UdevHold:
        case SimCommand::Kind::UdevRelease:
        case SimCommand::Kind::CheckerHang:
        case SimCommand::Kind::CheckerRelease:
        case SimCommand::Kind::SuspendHold:
        case SimCommand::Kind::SuspendRelease:
        case SimCommand::Kind::ResumeFail:
        case SimCommand::Kind::Holder:
        case SimCommand::Kind::DmRemove:
            break;  // handled above: they name a map, not a path
    }
    w.record("sim " +
             std::string(command.kind == SimCommand::Kind::Checker  ? "checker"
                         : command.kind == SimCommand::Kind::Alua   ? "alua"
                         : command.kind == SimCommand::Kind::Add    ? "add"
                         : command.kind == SimCommand::Kind::Remove ? "remove"
                         : command.kind == SimCommand::Kind::Change ? "change"
                                                                    : "kernel-fail") +
             " " + command.target + (command.argument.empty() ? "" : " " + command.argument) +
             (command.quiet ? " quiet" : "") + (command.lost ? " lost" : ""));
    return {};
}

std::string SimHost::tables_text() const {
    std::lock_guard lock(world_->mutex);
    std::ostringstream out;
    for (const auto& [name, map] : world_->maps) {
        out << name << ": " << world_->table_text(map) << '\n';
    }
    return out.str();
}

std::string SimHost::status_text() const {
    std::lock_guard lock(world_->mutex);
    std::ostringstream out;
    for (const auto& [name, map] : world_->maps) {
        out << name << ": " << world_->status_text(map) << '\n';
    }
    return out.str();
}

std::vector<std::string> SimHost::operations() const {
    std::lock_guard lock(world_->mutex);
    return world_->ops;
}

}  // namespace pathkeeper::sim
