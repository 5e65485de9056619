// pathkeeper-udev-helper: the fast decisions udev rules need, without ever talking to pathkeeperd.
//
//   pathkeeper-udev-helper [options] path KERNEL   (56-pathkeeper.rules, for sd* disks)
//     DM_MULTIPATH_DEVICE_PATH=1|0 and PATHKEEPER_WWID=<wwid>: is this disk a path of a multipath map?
//   pathkeeper-udev-helper [options] map KERNEL    (56-dm-pathkeeper.rules, for dm-* maps)
//     PATHKEEPER_MAP_USABLE=1|0: does the dm-multipath map have an active path (safe to probe)?
//   pathkeeper-udev-helper [options] forget KERNEL (56-pathkeeper.rules, a removed sd* disk)
//     no output: drops the disk from the WWID index.
//
// Output is udev IMPORT{program} syntax (KEY=value lines on stdout). Whatever goes wrong, the helper
// answers "no" (0), explains on stderr (udev logs it) and exits 0: a udev worker must never be blocked
// or fail because of us.
//
// Membership is core::decide_membership, the planner's rule; here "another path" for find_multipaths
// on is a second sd* disk reporting the WWID, looked up in the WWID index under the run dir
// (os/path_wwid_index.hpp): a few system calls per event however many disks there are. Only the first
// event that needs the index scans sysfs to build it; when it cannot be written, every such event scans.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_file.hpp"
#include "config/startup.hpp"
#include "core/bindings.hpp"
#include "core/config.hpp"
#include "core/dm_table.hpp"
#include "core/membership.hpp"
#include "core/uid_attrs.hpp"
#include "os/dm_status_ioctl.hpp"
#include "os/path_wwid_index.hpp"
#include "os/sysfs_tree.hpp"

extern char** environ;

namespace {

namespace core = pathkeeper::core;
namespace os = pathkeeper::os;
namespace fs = std::filesystem;

constexpr std::string_view program_name = "pathkeeper-udev-helper";
constexpr const char* default_state_dir = "/var/lib/pathkeeper";
constexpr const char* default_run_dir = "/run/pathkeeper";
constexpr const char* wwid_index_name = "udev-wwid-index";
// The known-WWIDs file is tiny in practice; a much larger one is not ours to trust.
constexpr std::size_t max_wwids_file_bytes = core::bindings_max_text_bytes;

enum class Verb { Path, Map, Forget };

struct Options {
    Verb verb = Verb::Path;
    std::string kernel;
    fs::path sysfs_root = "/sys";
    fs::path state_dir = default_state_dir;
    fs::path run_dir = default_run_dir;
    std::string config_path = pathkeeper::config::default_config_path;
    bool config_explicit = false;
    std::optional<std::string> dm_status_text;  // tests: decide from this text instead of asking the kernel
};

void usage(std::ostream& out) {
    out << "usage: " << program_name
        << " [--sysfs-root DIR] [--state-dir DIR] [--run-dir DIR] [--config FILE] path KERNEL\n"
           "       "
        << program_name
        << " [--sysfs-root DIR] [--dm-status TEXT] map KERNEL\n"
           "       "
        << program_name
        << " [--run-dir DIR] forget KERNEL\n"
           "Prints udev IMPORT lines; never contacts pathkeeperd; always exits 0 when run by udev.\n";
}

// One write per message (std::cerr is unbuffered and would write each piece on its own).
void warn(const std::string& kernel, const std::string& message) {
    std::string line =
        std::string(program_name) + ": " + (kernel.empty() ? "" : kernel + ": ") + message + "\n";
    std::cerr.write(line.data(), static_cast<std::streamsize>(line.size()));
}

// Parsed command line, or nullopt with the reason.
std::optional<Options> parse_arguments(int argc, char** argv, std::string& problem) {
    Options options;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value_of = [&](std::string_view name) -> std::optional<std::string> {
            if (arg == name) {
                if (i + 1 >= argc) {
                    problem = std::string(name) + " needs a value";
                    return std::nullopt;
                }
                return std::string(argv[++i]);
            }
            const std::string prefix = std::string(name) + "=";
            if (arg.starts_with(prefix)) {
                return std::string(arg.substr(prefix.size()));
            }
            return std::nullopt;
        };
        if (auto v = value_of("--sysfs-root")) {
            options.sysfs_root = *v;
        } else if (auto v2 = value_of("--state-dir")) {
            options.state_dir = *v2;
        } else if (auto v3 = value_of("--config")) {
            options.config_path = *v3;
            options.config_explicit = true;
        } else if (auto v4 = value_of("--dm-status")) {
            options.dm_status_text = *v4;
        } else if (auto v5 = value_of("--run-dir")) {
            options.run_dir = *v5;
        } else if (!problem.empty()) {
            return std::nullopt;
        } else if (arg.starts_with("-")) {
            problem = "unknown option " + std::string(arg);
            return std::nullopt;
        } else {
            positional.emplace_back(arg);
        }
    }
    if (positional.size() != 2) {
        problem = "expected a verb (path or map) and a kernel device name";
        return std::nullopt;
    }
    if (positional[0] == "path") {
        options.verb = Verb::Path;
    } else if (positional[0] == "map") {
        options.verb = Verb::Map;
    } else if (positional[0] == "forget") {
        options.verb = Verb::Forget;
    } else {
        problem = "unknown verb '" + positional[0] + "'";
        return std::nullopt;
    }
    options.kernel = positional[1];
    if (options.kernel.empty() || options.kernel.find('/') != std::string::npos || options.kernel == "." ||
        options.kernel == "..") {
        problem = "bad kernel device name '" + options.kernel + "'";
        return std::nullopt;
    }
    return options;
}

// The event's properties, when we run under udev (which passes them as the environment, DEVPATH
// always among them); empty otherwise, so a shell's HOME or PATH is never mistaken for a udev property.
std::map<std::string, std::string> udev_environment() {
    std::map<std::string, std::string> properties;
    if (std::getenv("DEVPATH") == nullptr) {
        return properties;
    }
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text = *entry;
        const auto equals = text.find('=');
        if (equals != std::string_view::npos && equals > 0) {
            properties.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
        }
    }
    return properties;
}

// One line of udev's IMPORT{program} output. A value with a control character (a newline above all) would
// let udev read a second KEY=value from it, so such a value is never printed.
void print_property(const std::string& kernel, std::string_view key, std::string_view value) {
    const bool one_line = std::none_of(value.begin(), value.end(), [](char c) {
        const auto b = static_cast<unsigned char>(c);
        return b < 0x20 || b == 0x7f;
    });
    if (!one_line) {
        warn(kernel, std::string(key) + " not printed: its value holds control characters");
        return;
    }
    std::cout << key << '=' << value << '\n';
}

// A missing file is an empty list (nothing is known yet); other failures are errors. Rejected lines are
// reported as file:line.
core::Result<std::vector<std::string>> read_known_wwids(const fs::path& file, const std::string& kernel) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        return std::vector<std::string>{};
    }
    if (fd < 0) {
        return core::Error{core::ErrorCode::Io, "cannot open " + file.string() + ": " + std::strerror(errno)};
    }
    std::string text;
    char buffer[8192];
    ssize_t got = 0;
    while ((got = ::read(fd, buffer, sizeof buffer)) > 0) {
        text.append(buffer, static_cast<std::size_t>(got));
        if (text.size() > max_wwids_file_bytes) {
            ::close(fd);
            return core::Error{core::ErrorCode::InvalidArgument, file.string() + " is too large"};
        }
    }
    ::close(fd);
    if (got < 0) {
        return core::Error{core::ErrorCode::Io, "cannot read " + file.string()};
    }
    auto parsed = core::parse_known_wwids(text);
    if (!parsed) {
        return core::Error{parsed.error().code, file.string() + ": " + parsed.error().message};
    }
    for (const auto& issue : parsed->rejected) {
        warn(kernel, file.string() + ":" + std::to_string(issue.line) + ": line ignored: " + issue.reason);
    }
    return std::move(parsed->wwids);
}

// The config, or the built-in one (also when the default file is missing). A config that does not parse must
// not release paths of known maps (LVM or mdadm would grab them at the next boot), so its failure only drops
// its own contribution.
core::Config load_config(const Options& options) {
    auto loaded = pathkeeper::config::load_startup_config(options.config_path, options.config_explicit);
    if (loaded) {
        return std::move(loaded->config);
    }
    warn(options.kernel, "config ignored, using built-in settings: " + loaded.error().message);
    return core::Config{};
}

// Every sd* disk of sysfs with the WWID it is indexed under (from sysfs: udev's properties of other disks are
// not at hand).
std::vector<std::pair<std::string, std::string>> scan_disk_wwids(const os::SysfsTree& sysfs) {
    std::vector<std::pair<std::string, std::string>> disks;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(sysfs.root() / "block", ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with("sd")) {
            continue;
        }
        if (auto wwid = os::indexed_wwid(sysfs, name, {}); !wwid.empty()) {
            disks.emplace_back(name, std::move(wwid));
        }
    }
    return disks;
}

// find_multipaths "on": does another sd* disk report the same WWID (`wwid` in the index's form,
// os::indexed_wwid)? Asked of the index, built by one scan of sysfs when this is the first event that needs
// it; a scan per event only when the index is unusable. `recorded`: this event has filed the disk already.
bool another_disk_has_wwid(const os::PathWwidIndex& index, const os::SysfsTree& sysfs,
                           const std::string& kernel, const std::string& wwid, bool recorded) {
    if (recorded) {
        return index.another_disk_has(wwid, kernel);
    }
    core::Result<void> usable;
    if (!index.exists()) {
        usable = index.create(scan_disk_wwids(sysfs));
    }
    if (usable && kernel.starts_with("sd")) {
        usable = index.record(kernel, wwid);
    }
    if (usable) {
        return index.another_disk_has(wwid, kernel);
    }
    warn(kernel, "WWID index unusable, scanning sysfs: " + usable.error().message);
    for (const auto& [name, other_wwid] : scan_disk_wwids(sysfs)) {
        if (name != kernel && other_wwid == wwid) {
            return true;
        }
    }
    return false;
}

struct PathDecision {
    bool member = false;
    bool held = false;  // find_multipaths smart: claimed while the daemon waits for a second path
    std::string wwid;
    std::string why;
};

PathDecision decide_path(const Options& options) {
    PathDecision decision;
    os::SysfsTree sysfs(options.sysfs_root);
    auto properties = udev_environment();
    // The daemon reads the WWID from the same property (uid_attrs, uid_attribute), so both agree on it.
    const core::Config config = load_config(options);
    sysfs.set_wwid_property_rule([&config](const std::string& devnode, const core::PathInfo& inquiry) {
        return core::wwid_property_of(config, devnode, inquiry.vendor, inquiry.product, inquiry.revision);
    });
    const auto disk = sysfs.describe_disk(options.kernel, properties, os::SysfsTree::Detail::Membership);
    if (!disk.path) {
        decision.why = disk.skip_reason;
        return decision;
    }
    core::PathInfo path = *disk.path;
    decision.wwid = path.wwid;
    // The index files a disk under the WWID sysfs gives (os::indexed_wwid); when udev had no WWID property
    // for it, describe_disk has read that one already. Read only when the index is used.
    const auto udev_wwid = properties.find(
        core::wwid_property_of(config, options.kernel, path.vendor, path.product, path.revision));
    const bool wwid_read_from_sysfs = udev_wwid == properties.end() || udev_wwid->second.empty();
    std::optional<std::string> index_wwid;
    auto indexed_wwid = [&]() -> const std::string& {
        if (!index_wwid) {
            index_wwid =
                wwid_read_from_sysfs ? path.wwid : os::indexed_wwid(sysfs, options.kernel, path.wwid);
        }
        return *index_wwid;
    };
    // Once the index exists, every disk event keeps it current, whatever find_multipaths says now.
    const os::PathWwidIndex index(options.run_dir / wwid_index_name, options.sysfs_root);
    bool recorded = false;
    if (options.kernel.starts_with("sd") && index.exists()) {
        if (auto filed = index.record(options.kernel, indexed_wwid()); !filed) {
            warn(options.kernel, "WWID index not updated: " + filed.error().message);
        } else {
            recorded = true;
        }
    }
    // At rule 56 the persistent-storage rules (60-) that add ID_SERIAL and ID_WWN have not run unless
    // sg3-utils' 55-scsi-sg3_id.rules did; without them property rules (built-in exception
    // "(SCSI_IDENT_|ID_WWN)") would blacklist every disk, so they are only applied to complete records.
    if (!properties.contains("ID_SERIAL")) {
        path.udev_property_names.reset();
    }

    const auto globals = core::resolve_global_options(config);
    const fs::path wwids_file =
        globals.wwids_file.value.empty() ? options.state_dir / "wwids" : fs::path(globals.wwids_file.value);
    core::MembershipFacts facts;
    facts.wwid_known = [&] {
        auto known = read_known_wwids(wwids_file, options.kernel);
        if (!known) {
            warn(options.kernel, known.error().message);
            return false;
        }
        return std::find(known->begin(), known->end(), path.wwid) != known->end();
    };
    facts.another_path_has_wwid = [&] {
        return another_disk_has_wwid(index, sysfs, options.kernel, indexed_wwid(), recorded);
    };
    // find_multipaths smart: the helper never times a hold out itself (first_seen unset: "now"); the daemon
    // does, records the WWID as released and triggers the change event that brings us here again.
    facts.wwid_released = [&] {
        auto released = read_known_wwids(core::released_wwids_path(wwids_file.string()), options.kernel);
        if (!released) {
            warn(options.kernel, released.error().message);
            return false;
        }
        return std::find(released->begin(), released->end(), path.wwid) != released->end();
    };
    const auto decided = core::decide_membership(config, globals.find_multipaths.value, path, facts);
    decision.member = decided.member;
    decision.held = decided.held;
    switch (decided.reason) {
        case core::MemberReason::Blacklisted:
            decision.why = "blacklisted: " + decided.blacklist_reason;
            break;
        case core::MemberReason::InvalidWwid:
            decision.why = decided.blacklist_reason;
            break;
        case core::MemberReason::NotKnown:
            decision.why = "WWID not known, not configured (find_multipaths " +
                           std::string(core::to_string(globals.find_multipaths.value)) + ")";
            break;
        default:
            decision.why = core::to_string(decided.reason);
            break;
    }
    return decision;
}

// A map is usable when at least one of its paths is active in the kernel's status.
bool status_has_active_path(const core::DmMultipathStatus& status) {
    for (const auto& group : status.groups) {
        for (const auto& path : group.paths) {
            if (path.state == core::DmPathState::Active) {
                return true;
            }
        }
    }
    return false;
}

// The dm name of a dm-N kernel device: udev's DM_NAME, else sysfs dm/name.
core::Result<std::string> dm_name_of(const Options& options) {
    if (const char* name = std::getenv("DM_NAME"); name != nullptr && *name != '\0') {
        return std::string(name);
    }
    const os::SysfsTree sysfs(options.sysfs_root);
    auto name = sysfs.read_attribute(fs::path("block") / options.kernel / "dm" / "name");
    if (!name) {
        return name.error();
    }
    if (name->empty()) {
        return core::Error{core::ErrorCode::NotFound, "empty dm name in sysfs"};
    }
    return *name;
}

core::Result<bool> decide_map(const Options& options) {
    if (options.dm_status_text) {
        auto status = core::parse_status(*options.dm_status_text);
        if (!status) {
            return status.error();
        }
        return status_has_active_path(*status);
    }
    auto name = dm_name_of(options);
    if (!name) {
        return name.error();
    }
    auto text = os::read_multipath_status(*name);
    if (!text) {
        return text.error();
    }
    auto status = core::parse_status(*text);
    if (!status) {
        return core::Error{status.error().code,
                           *name + ": cannot read multipath status: " + status.error().message};
    }
    return status_has_active_path(*status);
}

int run(int argc, char** argv) {
    std::string problem;
    const auto options = parse_arguments(argc, argv, problem);
    if (!options) {
        warn("", problem);
        usage(std::cerr);
        std::cout << "DM_MULTIPATH_DEVICE_PATH=0\n";
        return 0;
    }
    if (options->verb == Verb::Path) {
        const auto decision = decide_path(*options);
        // A held path is claimed like a member, so nothing takes it while a second path may still come.
        print_property(options->kernel, "DM_MULTIPATH_DEVICE_PATH",
                       decision.member || decision.held ? "1" : "0");
        if (!decision.wwid.empty()) {
            print_property(options->kernel, "PATHKEEPER_WWID", decision.wwid);
        }
        if (decision.held) {
            print_property(options->kernel, "PATHKEEPER_HELD", "1");
            warn(options->kernel, "held back: " + decision.why);
        } else if (!decision.member) {
            warn(options->kernel, "not a multipath path: " + decision.why);
        }
        return 0;
    }
    if (options->verb == Verb::Forget) {
        const os::PathWwidIndex index(options->run_dir / wwid_index_name, options->sysfs_root);
        if (auto forgotten = index.forget(options->kernel); !forgotten) {
            warn(options->kernel, "WWID index: " + forgotten.error().message);
        }
        return 0;
    }
    const auto usable = decide_map(*options);
    if (!usable) {
        warn(options->kernel, usable.error().message);
    }
    print_property(options->kernel, "PATHKEEPER_MAP_USABLE", usable && *usable ? "1" : "0");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        warn("", std::string("internal error: ") + e.what());
    } catch (...) {
        warn("", "internal error");
    }
    std::cout << "DM_MULTIPATH_DEVICE_PATH=0\n";
    return 0;
}
