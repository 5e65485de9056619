#pragma once
// The typed pathkeeper configuration and option resolution. Pure: lib/config turns YAML into these
// types; the engine asks resolve_map_options() which value applies to one map and where it came from.
//
// Precedence, per option, exactly as multipath-tools (libmultipath/propsel.c):
//   multipaths (per WWID) > overrides > devices (user rules, newest first, then the built-in hwtable
//   entry for the same device) > defaults > built-in default.
// Several device rules may match one device; each option is taken from the first matching rule that
// sets it, user rules before built-in ones, later user rules before earlier ones (multipath-tools
// merges matching hwentries the same way since 0.8.6).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.hpp"
#include "core/model.hpp"
#include "core/pattern.hpp"
#include "core/result.hpp"
#include "core/transport_tunables.hpp"

namespace pathkeeper::core {

// Where a setting was written. file empty = not from a file (built-in).
struct SourceLocation {
    std::string file;
    int line = 0;  // 1-based; 0 = unknown
    int column = 0;

    bool known() const noexcept { return line > 0; }
    std::string to_string() const;  // "file:line:col", "file", or "built-in"
    bool operator==(const SourceLocation&) const = default;
};

// ---- Enumerated option values. Each has to_string() (canonical YAML spelling) and a parser that
// also accepts multipath.conf's spellings; parser errors list the valid values.

// group_by_tpg: one group per ALUA target port group (the TPG id the path reports).
enum class GroupingPolicy { Failover, Multibus, GroupByPrio, GroupBySerial, GroupByNodeName, GroupByTpg };
const char* to_string(GroupingPolicy v) noexcept;
Result<GroupingPolicy> parse_grouping_policy(std::string_view text);

// dm path selectors; the YAML spelling is the kernel's name ("service-time"); "service-time 0" as
// written in multipath.conf is accepted too. historical-service-time is the kernel's
// dm-historical-service-time (service time predicted from each path's recent history).
enum class PathSelector { RoundRobin, QueueLength, ServiceTime, HistoricalServiceTime };
const char* to_string(PathSelector v) noexcept;
Result<PathSelector> parse_path_selector(std::string_view text);

// tur: SCSI TEST UNIT READY; directio: one O_DIRECT read of the first block; none: always up
// (multipath-tools' "none" checker, useful for scsi_debug and simulation); readsector0: a read of sector 0;
// rdac, hp_sw, emc_clariion: the array-specific checkers of LSI/NetApp E-Series, HP active/standby and
// EMC CLARiiON/VNX arrays (their vendor-specific INQUIRY pages).
enum class CheckerKind { Tur, Directio, None, Readsector0, Rdac, HpSw, EmcClariion };
const char* to_string(CheckerKind v) noexcept;
Result<CheckerKind> parse_checker_kind(std::string_view text);

// const: every path priority 1; alua: from the ALUA access state (REPORT TPGS, 50/10/1/0);
// sysfs: the same states, read from the kernel's /sys/block/sdX/device/access_state; rdac, hp_sw, emc,
// ontap, hds: array-specific prioritizers; weightedpath: from prio_args patterns; path_latency: from
// measured I/O latency (prio_args tune it).
enum class PrioKind { Const, Alua, Sysfs, Rdac, HpSw, Emc, Ontap, Hds, WeightedPath, PathLatency };
const char* to_string(PrioKind v) noexcept;
Result<PrioKind> parse_prio_kind(std::string_view text);

// strict: only WWIDs in the known-WWIDs file or the multipaths section become maps.
// on: additionally any WWID seen on two or more paths (and it is then remembered).
// smart: as on, but the first path of a WWID not known yet is held back (claimed, not mapped) for
// find_multipaths_timeout in case a second path appears; after that it is released to the system as a
// single-path disk, and not held again (core/membership.hpp).
// greedy: every non-blacklisted disk becomes a map.
// multipath.conf spellings: "yes"/"on" -> on, "no"/"off"/"greedy" -> greedy, "strict" -> strict.
enum class FindMultipaths { Strict, On, Greedy, Smart };
const char* to_string(FindMultipaths v) noexcept;
Result<FindMultipaths> parse_find_multipaths(std::string_view text);

// dm-multipath's queue_mode table feature. mq: request-based on blk-mq, the kernel's default
// (multipath.conf's "rq" means the same since kernel 4.20), never written to the table; bio: bio-based,
// "queue_mode bio". The kernel cannot change it on a reload: it applies when a map is created.
enum class QueueMode { Mq, Bio };
const char* to_string(QueueMode v) noexcept;
Result<QueueMode> parse_queue_mode(std::string_view text);

enum class RrWeight { Uniform, Priorities };
const char* to_string(RrWeight v) noexcept;
Result<RrWeight> parse_rr_weight(std::string_view text);

// dm hardware handler. None = "0" in the table (but see retain_attached_hw_handler).
enum class HardwareHandler { None, Alua, Emc, Rdac, HpSw };
const char* to_string(HardwareHandler v) noexcept;  // "none", "alua", "emc", "rdac", "hp_sw"
Result<HardwareHandler> parse_hardware_handler(std::string_view text);  // also "1 alua", "0"

enum class LogLevel { Error, Warning, Notice, Info, Debug };
const char* to_string(LogLevel v) noexcept;
Result<LogLevel> parse_log_level(std::string_view text);

// Switching back to a higher-priority path group once it is usable again.
struct Failback {
    enum class Mode {
        Immediate,   // at once
        Manual,      // never by itself
        Followover,  // only when the current group has no usable path left
        Delayed,     // after `delay` of the better group being usable
    };
    Mode mode = Mode::Manual;
    std::chrono::seconds delay{0};  // Delayed only

    static Failback immediate() { return {Mode::Immediate, {}}; }
    static Failback manual() { return {Mode::Manual, {}}; }
    static Failback followover() { return {Mode::Followover, {}}; }
    static Failback after(std::chrono::seconds d) { return {Mode::Delayed, d}; }
    bool operator==(const Failback&) const = default;
};
std::string to_string(const Failback& v);  // "immediate", "manual", "followover", "30s"
// "immediate" | "manual" | "followover" | duration ("30s") | bare seconds ("30").
Result<Failback> parse_failback(std::string_view text);

// What a map does when no usable path is left.
struct NoPathRetry {
    enum class Mode {
        Queue,  // queue I/O for ever (queue_if_no_path)
        Fail,   // fail I/O at once (fail_if_no_path)
        Count,  // queue for `count` polling intervals, then fail; queueing restored when a path returns
    };
    Mode mode = Mode::Fail;
    unsigned count = 0;  // Count only, >= 1

    static NoPathRetry queue() { return {Mode::Queue, 0}; }
    static NoPathRetry fail() { return {Mode::Fail, 0}; }
    static NoPathRetry retries(unsigned n) { return {Mode::Count, n}; }
    bool operator==(const NoPathRetry&) const = default;
};
std::string to_string(const NoPathRetry& v);  // "queue", "fail", "12"
// "queue" | "fail" | N; N = 0 means fail, as in multipath-tools.
Result<NoPathRetry> parse_no_path_retry(std::string_view text);

// The SCSI-3 persistent reservation key the daemon registers on every path of a map (multipath-tools'
// reservation_key). None: no key, nothing registered. Fixed: this key. File: the key recorded for the map's
// WWID in the reservation keys file (core/reservation_keys.hpp), which `mpathpersist --register` keeps.
struct ReservationKey {
    enum class Mode { None, Fixed, File };
    Mode mode = Mode::None;
    std::uint64_t key = 0;  // Fixed only, never 0 (a zero key means "no key" in SCSI PR OUT)

    static ReservationKey none() { return {Mode::None, 0}; }
    static ReservationKey fixed(std::uint64_t k) { return {Mode::Fixed, k}; }
    static ReservationKey file() { return {Mode::File, 0}; }
    bool operator==(const ReservationKey&) const = default;
};
std::string to_string(const ReservationKey& v);  // "none", "file", "0x123abc" (lower case, no leading 0s)
// "none" | "file" | "0x" followed by 1 to 16 hex digits, not zero. multipath-tools' ":aptpl" suffix is
// not accepted here: APTPL is the separate option reservation_aptpl (the importer splits it off).
Result<ReservationKey> parse_reservation_key(std::string_view text);
// "0x" + 1..16 hex digits (either case, "0X" too) -> the key; nullopt for anything else. Zero is returned
// as 0: callers decide what a zero key means.
std::optional<std::uint64_t> parse_hex_key(std::string_view text) noexcept;

// The SCSI transport's dev_loss_tmo (FC remote port, SAS end device): how long the kernel keeps a lost
// port's devices before removing them. Kernel: leave it as the kernel has it (the default).
struct DevLossTmo {
    enum class Mode { Kernel, Infinity, Seconds };
    Mode mode = Mode::Kernel;
    std::chrono::seconds value{0};  // Seconds only

    static DevLossTmo kernel() { return {Mode::Kernel, {}}; }
    static DevLossTmo infinity() { return {Mode::Infinity, {}}; }
    static DevLossTmo after(std::chrono::seconds s) { return {Mode::Seconds, s}; }
    bool operator==(const DevLossTmo&) const = default;
};
std::string to_string(const DevLossTmo& v);  // "kernel", "infinity", "600s"
// "kernel" | "infinity" | duration in whole seconds ("600s") | bare seconds ("600").
Result<DevLossTmo> parse_dev_loss_tmo(std::string_view text);

// fast_io_fail: off (recovery_tmo is never touched). Negative like the kernel's own "off" (-1), so that
// 0 s keeps its literal meaning: fail at once.
inline constexpr std::chrono::seconds kFastIoFailOff{-1};
// last_path_recovery_tmo: session (the default). The last path gets back the session's own recovery_tmo,
// the replacement_timeout the admin gave open-iscsi, rather than a number of ours: an admin who tuned it
// to 5 s wants a lone path to give up after 5 s, and one on stock settings gets open-iscsi's 120 s.
inline constexpr std::chrono::seconds kRecoveryTmoOfSession{-2};
// What kRecoveryTmoOfSession means when the session's own value is not known (open-iscsi's default).
inline constexpr std::chrono::seconds kOpenIscsiReplacementTimeout{120};

// ---- Per-map options. Every field is optional: unset means "not said here, ask the next level".
struct MapOptions {
    std::optional<GroupingPolicy> path_grouping_policy;
    std::optional<PathSelector> path_selector;
    std::optional<CheckerKind> path_checker;
    std::optional<PrioKind> prio;
    // Arguments of the prioritizer (weightedpath's patterns, path_latency's tuning); empty for the others.
    std::optional<std::string> prio_args;
    // Use the alua prioritizer for a path that reports TPGS, unless a multipaths entry names a prio
    // (multipath-tools' detect_prio; its "autodetected" origin sits between multipaths and overrides).
    std::optional<bool> detect_prio;
    // Use tur for a path that reports TPGS, rdac for one that reports an RDAC controller, whatever
    // path_checker says (multipath-tools' detect_checker).
    std::optional<bool> detect_checker;
    std::optional<Failback> failback;
    std::optional<NoPathRetry> no_path_retry;
    std::optional<RrWeight> rr_weight;
    std::optional<unsigned> rr_min_io_rq;  // per-path repeat count in the dm table, >= 1
    std::optional<HardwareHandler> hardware_handler;
    std::optional<unsigned> pg_init_retries;  // 0 = kernel default (not emitted), max 50
    std::optional<QueueMode> queue_mode;
    // Keep a SCSI device handler the kernel already attached (scsi_dh_alua on TPGS devices) as the
    // map's hardware handler, whatever hardware_handler says.
    std::optional<bool> retain_attached_hw_handler;
    std::optional<bool> flush_on_last_del;  // stop queueing when the last path is removed
    std::optional<bool> user_friendly_names;
    // user_friendly_names: prefix + a, b, ... z, aa, ... Per device type as in multipath-tools (defaults,
    // devices, overrides; a multipaths entry names its map with alias instead).
    std::optional<std::string> alias_prefix;
    // iSCSI session recovery_tmo while the map has another usable path, so I/O queued on a dead
    // session fails over quickly. 0 = fail such I/O as soon as open-iscsi declares the connection
    // dead (the kernel then retries it on another path at once); kFastIoFailOff = leave recovery_tmo
    // alone. Whole seconds: the kernel's recovery_tmo has one-second granularity.
    // multipath.conf: fast_io_fail_tmo (which sets the FC rport equivalent).
    std::optional<std::chrono::seconds> fast_io_fail;
    // recovery_tmo restored when a path is the last usable one of its map, so a lone path rides out
    // a short outage instead of erroring I/O. kRecoveryTmoOfSession = the session's own value.
    std::optional<std::chrono::seconds> last_path_recovery_tmo;
    std::optional<Millis> checker_timeout;  // a check still running after this counts as down
    std::optional<DevLossTmo> dev_loss_tmo;
    std::optional<EhDeadline> eh_deadline;  // the SCSI host of each path (path_tuning.hpp)
    // Every path's block queue, then the map's own (path_tuning.hpp).
    std::optional<MaxSectorsKb> max_sectors_kb;
    // The udev property holding the WWID of this device's paths (ID_SERIAL unless an array says otherwise).
    std::optional<std::string> uid_attribute;
    // Vendor-specific VPD data shown for the path ("hp3par": the 3PAR volume name); empty: none.
    std::optional<std::string> vpd_vendor;
    // Flap damping: a path that fails again within flap_window of being reinstated counts one flap;
    // at flap_threshold flaps it is held out (state Shaky, failed in dm) for flap_hold_time, doubled
    // at each further flap up to flap_hold_max; flap_threshold 0 disables damping.
    // multipath.conf: san_path_err_threshold ~ flap_threshold, san_path_err_recovery_time ~
    // flap_hold_time; san_path_err_forget_rate and marginal_path_* have no exact equivalent.
    std::optional<Millis> flap_window;
    std::optional<unsigned> flap_threshold;
    std::optional<Millis> flap_hold_time;
    std::optional<Millis> flap_hold_max;
    // Persistent reservations: the key registered on every path of the map, also on paths added or
    // reinstated later, before they carry I/O; APTPL (the registration survives a target power loss) and
    // ALL_TG_PT (one registration covers every target port) as sent with it.
    std::optional<ReservationKey> reservation_key;
    std::optional<bool> reservation_aptpl;
    std::optional<bool> reservation_all_tg_pt;

    // Where each set option was written, keyed by its YAML name (for --explain and error messages).
    std::map<std::string, SourceLocation, std::less<>> locations;

    bool operator==(const MapOptions&) const = default;
};

// Calls f(name, field) for every MapOptions field, in documentation order. Both overloads let the
// resolver, the YAML front end and the explainer share one list of names.
template <typename F>
void for_each_map_option(MapOptions& o, F&& f) {
    f("path_grouping_policy", o.path_grouping_policy);
    f("path_selector", o.path_selector);
    f("path_checker", o.path_checker);
    f("prio", o.prio);
    f("prio_args", o.prio_args);
    f("detect_prio", o.detect_prio);
    f("detect_checker", o.detect_checker);
    f("failback", o.failback);
    f("no_path_retry", o.no_path_retry);
    f("rr_weight", o.rr_weight);
    f("rr_min_io_rq", o.rr_min_io_rq);
    f("hardware_handler", o.hardware_handler);
    f("pg_init_retries", o.pg_init_retries);
    f("queue_mode", o.queue_mode);
    f("retain_attached_hw_handler", o.retain_attached_hw_handler);
    f("flush_on_last_del", o.flush_on_last_del);
    f("user_friendly_names", o.user_friendly_names);
    f("alias_prefix", o.alias_prefix);
    f("fast_io_fail", o.fast_io_fail);
    f("last_path_recovery_tmo", o.last_path_recovery_tmo);
    f("checker_timeout", o.checker_timeout);
    f("dev_loss_tmo", o.dev_loss_tmo);
    f("eh_deadline", o.eh_deadline);
    f("max_sectors_kb", o.max_sectors_kb);
    f("uid_attribute", o.uid_attribute);
    f("vpd_vendor", o.vpd_vendor);
    f("flap_window", o.flap_window);
    f("flap_threshold", o.flap_threshold);
    f("flap_hold_time", o.flap_hold_time);
    f("flap_hold_max", o.flap_hold_max);
    f("reservation_key", o.reservation_key);
    f("reservation_aptpl", o.reservation_aptpl);
    f("reservation_all_tg_pt", o.reservation_all_tg_pt);
}
template <typename F>
void for_each_map_option(const MapOptions& o, F&& f) {
    for_each_map_option(const_cast<MapOptions&>(o),
                        [&](const char* name, const auto& field) { f(name, field); });
}

// ---- Daemon-wide settings (multipath.conf "defaults" options that are not per map).
struct GlobalOptions {
    std::optional<Millis> polling_interval;       // checker interval of a healthy path
    std::optional<Millis> max_polling_interval;   // long-healthy paths are checked up to this rarely
    std::optional<Millis> fast_recheck_interval;  // first re-check of a failed path; backs off to polling
    std::optional<FindMultipaths> find_multipaths;
    std::optional<Millis> find_multipaths_timeout;  // smart: how long a first path is held back
    // Per kernel-name prefix, the udev property holding the WWID ("sd" -> "ID_SERIAL"); overrides
    // uid_attribute for the devices it names. Text form: "sd:ID_SERIAL nvme:ID_WWN" (see UidAttrs).
    std::optional<std::string> uid_attrs;
    std::optional<std::string> bindings_file;  // unset: <state-dir>/bindings
    std::optional<std::string> wwids_file;     // unset: <state-dir>/wwids
    // Per-WWID keys of maps with reservation_key: file (multipath-tools' prkeys format); unset:
    // <state-dir>/prkeys.
    std::optional<std::string> reservation_keys_file;
    // On first start (no bindings file yet) import multipath-tools' bindings so devices keep names.
    std::optional<bool> import_multipath_bindings;
    std::optional<std::string> multipath_bindings_file;  // default /etc/multipath/bindings
    std::optional<LogLevel> log_level;
    // When the daemon stops, maps keep queueing (yes) or stop queueing (no, as multipath-tools' default):
    // with no daemon nobody reinstates a path, so queued I/O would wait for ever.
    std::optional<bool> queue_without_daemon;
    // An iSCSI session whose own network interface goes down (or loses its source address) is failed over at
    // once instead of at its noop timeout, while its maps have another usable path.
    std::optional<bool> local_link_failover;
    // Where the daemon writes its Prometheus metrics for node_exporter's textfile collector; "off": nowhere.
    std::optional<std::string> metrics_textfile_directory;
    std::optional<Millis> metrics_interval;  // rewritten at least this often (I/O counters, timestamp)

    std::map<std::string, SourceLocation, std::less<>> locations;

    bool operator==(const GlobalOptions&) const = default;
};

template <typename F>
void for_each_global_option(GlobalOptions& o, F&& f) {
    f("polling_interval", o.polling_interval);
    f("max_polling_interval", o.max_polling_interval);
    f("fast_recheck_interval", o.fast_recheck_interval);
    f("find_multipaths", o.find_multipaths);
    f("find_multipaths_timeout", o.find_multipaths_timeout);
    f("uid_attrs", o.uid_attrs);
    f("bindings_file", o.bindings_file);
    f("wwids_file", o.wwids_file);
    f("reservation_keys_file", o.reservation_keys_file);
    f("import_multipath_bindings", o.import_multipath_bindings);
    f("multipath_bindings_file", o.multipath_bindings_file);
    f("log_level", o.log_level);
    f("queue_without_daemon", o.queue_without_daemon);
    f("local_link_failover", o.local_link_failover);
    f("metrics_textfile_directory", o.metrics_textfile_directory);
    f("metrics_interval", o.metrics_interval);
}
template <typename F>
void for_each_global_option(const GlobalOptions& o, F&& f) {
    for_each_global_option(const_cast<GlobalOptions&>(o),
                           [&](const char* name, const auto& field) { f(name, field); });
}

// The YAML "defaults:" section: global settings and per-map defaults share one mapping.
struct Defaults {
    GlobalOptions global;
    MapOptions map;
};

// A "devices:" rule. vendor/product/revision are unanchored regexes; an empty one matches anything.
struct DeviceRule {
    std::string vendor;
    std::string product;
    std::string revision;
    std::optional<Pattern> vendor_pattern;  // compiled forms; unset when the text is empty
    std::optional<Pattern> product_pattern;
    std::optional<Pattern> revision_pattern;
    MapOptions options;
    SourceLocation where;

    bool matches(std::string_view vendor, std::string_view product, std::string_view revision = {}) const;
};
// Builds a rule with compiled patterns; InvalidArgument if a regex does not compile.
Result<DeviceRule> make_device_rule(std::string_view vendor, std::string_view product, MapOptions options,
                                    SourceLocation where = {}, std::string_view revision = {});

// A "multipaths:" entry: one WWID (exact match), its alias and option overrides.
struct MultipathEntry {
    std::string wwid;
    std::optional<std::string> alias;
    MapOptions options;
    SourceLocation where;
};

// One blacklist / exception rule of a single-string kind (devnode, wwid, property).
struct PatternRule {
    Pattern pattern;
    SourceLocation where;
};
// A vendor/product rule; an absent pattern matches anything (but not both absent).
struct DeviceMatchRule {
    std::optional<Pattern> vendor;
    std::optional<Pattern> product;
    SourceLocation where;
};

struct BlacklistRules {
    std::vector<PatternRule> devnode;  // kernel name, "sdb"
    std::vector<PatternRule> wwid;     // the path's WWID
    std::vector<DeviceMatchRule> device;
    std::vector<PatternRule> property;  // udev property *names*, as in multipath-tools
    std::vector<PatternRule> protocol;  // "scsi:iscsi", "scsi:fcp", "scsi:sas", "scsi:unspec", "undef"

    bool empty() const noexcept {
        return devnode.empty() && wwid.empty() && device.empty() && property.empty() && protocol.empty();
    }
};

struct Config {
    std::string source_file;  // empty: built-in configuration only
    // Drop-in files merged after source_file, in the order they were merged (core/config_merge.hpp).
    std::vector<std::string> drop_in_files;
    Defaults defaults;
    BlacklistRules blacklist;             // user rules; the built-in ones are added by the checks
    BlacklistRules blacklist_exceptions;  // user rules
    std::vector<DeviceRule> devices;      // user rules, in file order (later wins)
    std::vector<MultipathEntry> multipaths;
    MapOptions overrides;

    // The entry for this WWID, or nullptr.
    const MultipathEntry* find_multipath(std::string_view wwid) const;
};

// ---- Resolution.

enum class Origin {
    BuiltIn,        // pathkeeper's built-in default
    BuiltInDevice,  // the built-in device table (hwtable)
    Defaults,       // defaults: section
    Device,         // a devices: rule of the config file
    Overrides,      // overrides: section
    Multipath,      // the multipaths: entry for this WWID
    Detected,       // derived from what the device reports (detect_prio, retain_attached_hw_handler)
    Administrator,  // set at run time by the administrator (pathctl queueing)
    Holder,         // the verdict of the redundant layer holding the map (holder_policy.hpp)
};
const char* to_string(Origin o) noexcept;  // "built-in", "built-in device table", "defaults", ...

template <typename T>
struct Resolved {
    T value{};
    Origin origin = Origin::BuiltIn;
    SourceLocation where;
};

struct ResolvedMapOptions {
    Resolved<GroupingPolicy> path_grouping_policy;
    Resolved<PathSelector> path_selector;
    Resolved<CheckerKind> path_checker;
    Resolved<PrioKind> prio;
    Resolved<std::string> prio_args;
    Resolved<bool> detect_prio;
    Resolved<bool> detect_checker;
    Resolved<Failback> failback;
    Resolved<NoPathRetry> no_path_retry;
    Resolved<RrWeight> rr_weight;
    Resolved<unsigned> rr_min_io_rq;
    Resolved<HardwareHandler> hardware_handler;
    Resolved<unsigned> pg_init_retries;
    Resolved<QueueMode> queue_mode;
    Resolved<bool> retain_attached_hw_handler;
    Resolved<bool> flush_on_last_del;
    Resolved<bool> user_friendly_names;
    Resolved<std::string> alias_prefix;
    Resolved<std::chrono::seconds> fast_io_fail;
    Resolved<std::chrono::seconds> last_path_recovery_tmo;
    Resolved<Millis> checker_timeout;
    Resolved<DevLossTmo> dev_loss_tmo;
    Resolved<EhDeadline> eh_deadline;
    Resolved<MaxSectorsKb> max_sectors_kb;
    Resolved<std::string> uid_attribute;
    Resolved<std::string> vpd_vendor;
    Resolved<Millis> flap_window;
    Resolved<unsigned> flap_threshold;
    Resolved<Millis> flap_hold_time;
    Resolved<Millis> flap_hold_max;
    Resolved<ReservationKey> reservation_key;
    Resolved<bool> reservation_aptpl;
    Resolved<bool> reservation_all_tg_pt;
    std::optional<std::string> alias;  // from the multipaths entry, if any
    SourceLocation alias_where;
};

struct ResolvedGlobalOptions {
    Resolved<Millis> polling_interval;
    Resolved<Millis> max_polling_interval;
    Resolved<Millis> fast_recheck_interval;
    Resolved<FindMultipaths> find_multipaths;
    Resolved<Millis> find_multipaths_timeout;
    Resolved<std::string> uid_attrs;              // empty: none
    Resolved<std::string> bindings_file;          // empty value: <state-dir>/bindings
    Resolved<std::string> wwids_file;             // empty value: <state-dir>/wwids
    Resolved<std::string> reservation_keys_file;  // empty value: <state-dir>/prkeys
    Resolved<bool> import_multipath_bindings;
    Resolved<std::string> multipath_bindings_file;
    Resolved<LogLevel> log_level;
    Resolved<bool> queue_without_daemon;
    Resolved<bool> local_link_failover;
    Resolved<std::string> metrics_textfile_directory;  // "off": no metrics file
    Resolved<Millis> metrics_interval;
};

// The built-in values every level falls back to (all fields set).
const MapOptions& builtin_map_options();
const GlobalOptions& builtin_global_options();

// Per-option resolution for the map of one WWID whose paths report this vendor/product/revision.
ResolvedMapOptions resolve_map_options(const Config& config, std::string_view wwid, std::string_view vendor,
                                       std::string_view product, std::string_view revision = {});
inline ResolvedMapOptions resolve_map_options(const Config& config, const PathInfo& path) {
    return resolve_map_options(config, path.wwid, path.vendor, path.product, path.revision);
}
ResolvedGlobalOptions resolve_global_options(const Config& config);
// The per-map values of the defaults section: the file's defaults over the built-in ones, nothing else
// (what `show config` prints under defaults:, without overrides or any device's rules).
ResolvedMapOptions resolve_default_map_options(const Config& config);

// One line of `pathctl show config --explain`.
struct ExplainedSetting {
    std::string name;   // YAML key
    std::string value;  // canonical YAML spelling
    Origin origin = Origin::BuiltIn;
    SourceLocation where;
};
std::vector<ExplainedSetting> explain(const ResolvedMapOptions& resolved);
std::vector<ExplainedSetting> explain(const ResolvedGlobalOptions& resolved);

// The prioritizer a path actually uses: alua (origin Detected) when detect_prio is on, the path
// reports TPGS and no multipaths entry names a prio; otherwise the resolved prio (multipath-tools'
// detect_prio precedence).
Resolved<PrioKind> effective_prio(const ResolvedMapOptions& resolved, bool path_reports_tpgs);
// The hardware handler for the table: alua (origin Detected) when retain_attached_hw_handler is on
// and the path reports TPGS (the kernel attaches scsi_dh_alua to such devices by itself);
// otherwise the resolved hardware_handler.
Resolved<HardwareHandler> effective_hardware_handler(const ResolvedMapOptions& resolved,
                                                     bool path_reports_tpgs);
// The checker a path actually uses (multipath-tools' detect_checker): with detect_checker on, no
// multipaths entry naming a checker and a checker other than none, rdac (origin Detected) for a path whose
// INQUIRY page 0xC9 says "vac1", else tur (Detected) for a path that reports TPGS; otherwise the resolved
// path_checker. path_reports_rdac is nullopt until the page was read (wants_rdac_probe); a configured rdac is
// kept until then.
Resolved<CheckerKind> effective_checker(const ResolvedMapOptions& resolved, bool path_reports_tpgs,
                                        std::optional<bool> path_reports_rdac);
// Whether the path's next check also reads page 0xC9 for detect_checker: only while unknown, and (as
// multipath-tools) only where the configured checker is rdac, so that other arrays are not sent a vendor
// page they do not know. What it decides is rdac over tur for an RDAC array that also reports TPGS.
bool wants_rdac_probe(const ResolvedMapOptions& resolved, std::optional<bool> path_reports_rdac);
// The prioritizers a worker measures on the path with the check (SCSI commands, timed reads); the others
// the core computes from what it knows.
bool prio_measured_by_worker(PrioKind prio) noexcept;

// Value → canonical YAML text, for explain and for writing configs.
std::string format_option_value(bool v);
std::string format_option_value(unsigned v);
std::string format_option_value(Millis v);
std::string format_option_value(std::chrono::seconds v);
std::string format_option_value(const std::string& v);
std::string format_option_value(GroupingPolicy v);
std::string format_option_value(PathSelector v);
std::string format_option_value(CheckerKind v);
std::string format_option_value(PrioKind v);
std::string format_option_value(RrWeight v);
std::string format_option_value(HardwareHandler v);
std::string format_option_value(FindMultipaths v);
std::string format_option_value(QueueMode v);
std::string format_option_value(LogLevel v);
std::string format_option_value(const Failback& v);
std::string format_option_value(const NoPathRetry& v);
std::string format_option_value(const ReservationKey& v);
std::string format_option_value(const DevLossTmo& v);
std::string format_option_value(const EhDeadline& v);
std::string format_option_value(const MaxSectorsKb& v);

}  // namespace pathkeeper::core
