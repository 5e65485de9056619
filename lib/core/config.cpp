#include "core/config.hpp"

#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "core/hwtable.hpp"

namespace pathkeeper::core {
namespace {

using namespace std::chrono_literals;

std::string lower(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

template <typename E>
struct Spelling {
    const char* text;
    E value;
};

// Looks `text` up (case-insensitively) among canonical and accepted spellings; the error names
// the option and lists only the canonical spellings.
template <typename E, std::size_t N, std::size_t M>
Result<E> parse_enum(std::string_view option, std::string_view text,
                     const std::array<Spelling<E>, N>& canonical, const std::array<Spelling<E>, M>& aliases) {
    const std::string key = lower(trim(text));
    for (const auto& s : canonical) {
        if (key == s.text) {
            return s.value;
        }
    }
    for (const auto& s : aliases) {
        if (key == s.text) {
            return s.value;
        }
    }
    std::string valid;
    for (const auto& s : canonical) {
        valid += valid.empty() ? "" : ", ";
        valid += s.text;
    }
    return make_error(ErrorCode::InvalidArgument, "invalid " + std::string(option) + " \"" +
                                                      std::string(text) + "\" (valid: " + valid + ")");
}

template <typename E, std::size_t N>
const char* enum_text(E value, const std::array<Spelling<E>, N>& canonical) {
    for (const auto& s : canonical) {
        if (s.value == value) {
            return s.text;
        }
    }
    return "unknown";
}

template <typename E>
constexpr std::array<Spelling<E>, 0> no_aliases{};

constexpr std::array<Spelling<GroupingPolicy>, 6> grouping_names{{
    {"failover", GroupingPolicy::Failover},
    {"multibus", GroupingPolicy::Multibus},
    {"group_by_prio", GroupingPolicy::GroupByPrio},
    {"group_by_serial", GroupingPolicy::GroupBySerial},
    {"group_by_node_name", GroupingPolicy::GroupByNodeName},
    {"group_by_tpg", GroupingPolicy::GroupByTpg},
}};
constexpr std::array<Spelling<PathSelector>, 4> selector_names{{
    {"round-robin", PathSelector::RoundRobin},
    {"queue-length", PathSelector::QueueLength},
    {"service-time", PathSelector::ServiceTime},
    {"historical-service-time", PathSelector::HistoricalServiceTime},
}};
constexpr std::array<Spelling<PathSelector>, 4> selector_aliases{{
    {"round-robin 0", PathSelector::RoundRobin},
    {"queue-length 0", PathSelector::QueueLength},
    {"service-time 0", PathSelector::ServiceTime},
    {"historical-service-time 0", PathSelector::HistoricalServiceTime},
}};
constexpr std::array<Spelling<CheckerKind>, 7> checker_names{{
    {"tur", CheckerKind::Tur},
    {"directio", CheckerKind::Directio},
    {"none", CheckerKind::None},
    {"readsector0", CheckerKind::Readsector0},
    {"rdac", CheckerKind::Rdac},
    {"hp_sw", CheckerKind::HpSw},
    {"emc_clariion", CheckerKind::EmcClariion},
}};
constexpr std::array<Spelling<PrioKind>, 10> prio_names{{
    {"const", PrioKind::Const},
    {"alua", PrioKind::Alua},
    {"sysfs", PrioKind::Sysfs},
    {"rdac", PrioKind::Rdac},
    {"hp_sw", PrioKind::HpSw},
    {"emc", PrioKind::Emc},
    {"ontap", PrioKind::Ontap},
    {"hds", PrioKind::Hds},
    {"weightedpath", PrioKind::WeightedPath},
    {"path_latency", PrioKind::PathLatency},
}};
constexpr std::array<Spelling<FindMultipaths>, 4> find_names{{
    {"strict", FindMultipaths::Strict},
    {"on", FindMultipaths::On},
    {"smart", FindMultipaths::Smart},
    {"greedy", FindMultipaths::Greedy},
}};
constexpr std::array<Spelling<FindMultipaths>, 4> find_aliases{{
    {"yes", FindMultipaths::On},
    {"off", FindMultipaths::Greedy},
    {"no", FindMultipaths::Greedy},
    {"true", FindMultipaths::On},
}};
constexpr std::array<Spelling<QueueMode>, 2> queue_mode_names{{
    {"mq", QueueMode::Mq},
    {"bio", QueueMode::Bio},
}};
constexpr std::array<Spelling<QueueMode>, 1> queue_mode_aliases{{
    {"rq", QueueMode::Mq},
}};
constexpr std::array<Spelling<RrWeight>, 2> rr_weight_names{{
    {"uniform", RrWeight::Uniform},
    {"priorities", RrWeight::Priorities},
}};
constexpr std::array<Spelling<HardwareHandler>, 5> hwhandler_names{{
    {"none", HardwareHandler::None},
    {"alua", HardwareHandler::Alua},
    {"emc", HardwareHandler::Emc},
    {"rdac", HardwareHandler::Rdac},
    {"hp_sw", HardwareHandler::HpSw},
}};
constexpr std::array<Spelling<HardwareHandler>, 5> hwhandler_aliases{{
    {"0", HardwareHandler::None},
    {"1 alua", HardwareHandler::Alua},
    {"1 emc", HardwareHandler::Emc},
    {"1 rdac", HardwareHandler::Rdac},
    {"1 hp_sw", HardwareHandler::HpSw},
}};
constexpr std::array<Spelling<LogLevel>, 5> log_level_names{{
    {"error", LogLevel::Error},
    {"warning", LogLevel::Warning},
    {"notice", LogLevel::Notice},
    {"info", LogLevel::Info},
    {"debug", LogLevel::Debug},
}};

bool all_digits(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string SourceLocation::to_string() const {
    if (file.empty() && !known()) {
        return "built-in";
    }
    std::string out = file.empty() ? "<config>" : file;
    if (known()) {
        out += ":" + std::to_string(line) + ":" + std::to_string(column);
    }
    return out;
}

const char* to_string(GroupingPolicy v) noexcept {
    return enum_text(v, grouping_names);
}
Result<GroupingPolicy> parse_grouping_policy(std::string_view text) {
    return parse_enum("path_grouping_policy", text, grouping_names, no_aliases<GroupingPolicy>);
}
const char* to_string(PathSelector v) noexcept {
    return enum_text(v, selector_names);
}
Result<PathSelector> parse_path_selector(std::string_view text) {
    return parse_enum("path_selector", text, selector_names, selector_aliases);
}
const char* to_string(CheckerKind v) noexcept {
    return enum_text(v, checker_names);
}
Result<CheckerKind> parse_checker_kind(std::string_view text) {
    return parse_enum("path_checker", text, checker_names, no_aliases<CheckerKind>);
}
const char* to_string(PrioKind v) noexcept {
    return enum_text(v, prio_names);
}
Result<PrioKind> parse_prio_kind(std::string_view text) {
    return parse_enum("prio", text, prio_names, no_aliases<PrioKind>);
}
const char* to_string(FindMultipaths v) noexcept {
    return enum_text(v, find_names);
}
Result<FindMultipaths> parse_find_multipaths(std::string_view text) {
    return parse_enum("find_multipaths", text, find_names, find_aliases);
}
const char* to_string(QueueMode v) noexcept {
    return enum_text(v, queue_mode_names);
}
Result<QueueMode> parse_queue_mode(std::string_view text) {
    return parse_enum("queue_mode", text, queue_mode_names, queue_mode_aliases);
}
const char* to_string(RrWeight v) noexcept {
    return enum_text(v, rr_weight_names);
}
Result<RrWeight> parse_rr_weight(std::string_view text) {
    return parse_enum("rr_weight", text, rr_weight_names, no_aliases<RrWeight>);
}
const char* to_string(HardwareHandler v) noexcept {
    return enum_text(v, hwhandler_names);
}
Result<HardwareHandler> parse_hardware_handler(std::string_view text) {
    return parse_enum("hardware_handler", text, hwhandler_names, hwhandler_aliases);
}
const char* to_string(LogLevel v) noexcept {
    return enum_text(v, log_level_names);
}
Result<LogLevel> parse_log_level(std::string_view text) {
    return parse_enum("log_level", text, log_level_names, no_aliases<LogLevel>);
}

std::string to_string(const Failback& v) {
    switch (v.mode) {
        case Failback::Mode::Immediate:
            return "immediate";
        case Failback::Mode::Manual:
            return "manual";
        case Failback::Mode::Followover:
            return "followover";
        case Failback::Mode::Delayed:
            return format_duration(std::chrono::duration_cast<Millis>(v.delay));
    }
    return "manual";
}

Result<Failback> parse_failback(std::string_view text) {
    const std::string key = lower(trim(text));
    if (key == "immediate") {
        return Failback::immediate();
    }
    if (key == "manual") {
        return Failback::manual();
    }
    if (key == "followover") {
        return Failback::followover();
    }
    auto d = parse_duration(key);
    if (!d.ok()) {
        return make_error(ErrorCode::InvalidArgument,
                          "invalid failback \"" + std::string(text) +
                              "\" (valid: immediate, manual, followover, or a delay such as 30s)");
    }
    if (d->count() % 1000 != 0) {
        return make_error(ErrorCode::InvalidArgument,
                          "invalid failback \"" + std::string(text) + "\": the delay must be whole seconds");
    }
    if (d->count() == 0) {
        return Failback::immediate();  // multipath-tools treats a zero delay as immediate
    }
    return Failback::after(std::chrono::duration_cast<std::chrono::seconds>(*d));
}

std::string to_string(const NoPathRetry& v) {
    switch (v.mode) {
        case NoPathRetry::Mode::Queue:
            return "queue";
        case NoPathRetry::Mode::Fail:
            return "fail";
        case NoPathRetry::Mode::Count:
            return std::to_string(v.count);
    }
    return "fail";
}

Result<NoPathRetry> parse_no_path_retry(std::string_view text) {
    const std::string key = lower(trim(text));
    if (key == "queue") {
        return NoPathRetry::queue();
    }
    if (key == "fail") {
        return NoPathRetry::fail();
    }
    if (all_digits(key) && key.size() <= 6) {
        const unsigned n = static_cast<unsigned>(std::stoul(key));
        return n == 0 ? NoPathRetry::fail() : NoPathRetry::retries(n);
    }
    return make_error(ErrorCode::InvalidArgument,
                      "invalid no_path_retry \"" + std::string(text) +
                          "\" (valid: queue, fail, or a number of checks 1..999999)");
}

std::optional<std::uint64_t> parse_hex_key(std::string_view text) noexcept {
    if (text.size() < 3 || text.size() > 18 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
        return std::nullopt;
    }
    std::uint64_t key = 0;
    for (char c : text.substr(2)) {
        unsigned digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<unsigned>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = static_cast<unsigned>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            digit = static_cast<unsigned>(c - 'A' + 10);
        } else {
            return std::nullopt;
        }
        key = (key << 4) | digit;  // at most 16 digits: never overflows
    }
    return key;
}

std::string to_string(const ReservationKey& v) {
    switch (v.mode) {
        case ReservationKey::Mode::None:
            return "none";
        case ReservationKey::Mode::File:
            return "file";
        case ReservationKey::Mode::Fixed:
            break;
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string digits;
    for (std::uint64_t k = v.key; k != 0; k >>= 4) {
        digits.insert(digits.begin(), hex[k & 0xf]);
    }
    return "0x" + (digits.empty() ? std::string("0") : digits);
}

Result<ReservationKey> parse_reservation_key(std::string_view text) {
    const std::string_view t = trim(text);
    const std::string word = lower(t);
    if (word == "none") {
        return ReservationKey::none();
    }
    if (word == "file") {
        return ReservationKey::file();
    }
    const auto key = parse_hex_key(t);
    if (!key) {
        return make_error(ErrorCode::InvalidArgument,
                          "invalid reservation_key \"" + std::string(text) +
                              "\": not a hexadecimal key (0x followed by 1 to 16 hex digits), file or none");
    }
    if (*key == 0) {
        return make_error(ErrorCode::InvalidArgument, "invalid reservation_key \"" + std::string(text) +
                                                          "\": the key must not be zero (none: no key)");
    }
    return ReservationKey::fixed(*key);
}

std::string to_string(const DevLossTmo& v) {
    switch (v.mode) {
        case DevLossTmo::Mode::Kernel:
            return "kernel";
        case DevLossTmo::Mode::Infinity:
            return "infinity";
        case DevLossTmo::Mode::Seconds:
            break;
    }
    return format_duration(std::chrono::duration_cast<Millis>(v.value));
}

Result<DevLossTmo> parse_dev_loss_tmo(std::string_view text) {
    const std::string key = lower(trim(text));
    if (key == "kernel") {
        return DevLossTmo::kernel();
    }
    if (key == "infinity") {
        return DevLossTmo::infinity();
    }
    auto d = parse_duration(key);
    if (!d.ok() || d->count() % 1000 != 0) {
        return make_error(ErrorCode::InvalidArgument,
                          "invalid dev_loss_tmo \"" + std::string(text) +
                              "\" (valid: kernel, infinity, or whole seconds such as 600s)");
    }
    return DevLossTmo::after(std::chrono::duration_cast<std::chrono::seconds>(*d));
}

bool DeviceRule::matches(std::string_view v, std::string_view p, std::string_view r) const {
    if (vendor_pattern && !vendor_pattern->matches(v)) {
        return false;
    }
    if (product_pattern && !product_pattern->matches(p)) {
        return false;
    }
    if (revision_pattern && !revision_pattern->matches(r)) {
        return false;
    }
    return true;
}

Result<DeviceRule> make_device_rule(std::string_view vendor, std::string_view product, MapOptions options,
                                    SourceLocation where, std::string_view revision) {
    DeviceRule rule;
    rule.vendor = std::string(vendor);
    rule.product = std::string(product);
    rule.revision = std::string(revision);
    const std::array<std::pair<std::string_view, std::optional<Pattern>*>, 3> fields{{
        {vendor, &rule.vendor_pattern},
        {product, &rule.product_pattern},
        {revision, &rule.revision_pattern},
    }};
    for (const auto& [text, slot] : fields) {
        if (text.empty()) {
            continue;
        }
        auto compiled = Pattern::compile(text);
        if (!compiled.ok()) {
            return compiled.error();
        }
        *slot = std::move(compiled).value();
    }
    rule.options = std::move(options);
    rule.where = std::move(where);
    return rule;
}

const MultipathEntry* Config::find_multipath(std::string_view wwid) const {
    if (wwid.empty()) {
        return nullptr;
    }
    for (const auto& entry : multipaths) {
        if (entry.wwid == wwid) {
            return &entry;
        }
    }
    return nullptr;
}

const char* to_string(Origin o) noexcept {
    switch (o) {
        case Origin::BuiltIn:
            return "built-in";
        case Origin::BuiltInDevice:
            return "built-in device table";
        case Origin::Defaults:
            return "defaults";
        case Origin::Device:
            return "devices";
        case Origin::Overrides:
            return "overrides";
        case Origin::Multipath:
            return "multipaths";
        case Origin::Detected:
            return "detected";
        case Origin::Administrator:
            return "administrator (pathctl queueing)";
        case Origin::Holder:
            return "holder";
    }
    return "unknown";
}

const MapOptions& builtin_map_options() {
    static const MapOptions options = [] {
        MapOptions o;
        // multipath-tools 0.9.4 built-in defaults (`multipath -t`), except where noted.
        o.path_grouping_policy = GroupingPolicy::Failover;
        o.path_selector = PathSelector::ServiceTime;
        o.path_checker = CheckerKind::Tur;
        o.prio = PrioKind::Const;
        o.prio_args = "";
        o.detect_prio = true;
        o.detect_checker = true;
        o.failback = Failback::manual();
        o.no_path_retry = NoPathRetry::fail();
        o.rr_weight = RrWeight::Uniform;
        o.rr_min_io_rq = 1;
        o.hardware_handler = HardwareHandler::None;
        o.pg_init_retries = 0;
        o.queue_mode = QueueMode::Mq;
        o.retain_attached_hw_handler = true;
        o.flush_on_last_del = false;
        o.user_friendly_names = false;
        o.alias_prefix = "mpath";
        // pathkeeper-specific (see docs/configuration.md for the reasoning behind each number).
        o.fast_io_fail = 0s;
        o.last_path_recovery_tmo = kRecoveryTmoOfSession;
        o.checker_timeout = 30s;
        o.dev_loss_tmo = DevLossTmo::kernel();
        o.eh_deadline = EhDeadline::kernel();
        o.max_sectors_kb = MaxSectorsKb::kernel();
        o.uid_attribute = "ID_SERIAL";
        o.vpd_vendor = "";
        o.flap_window = 30s;
        o.flap_threshold = 2;
        o.flap_hold_time = 10s;
        o.flap_hold_max = 5min;
        // multipath-tools: no key unless one is configured; APTPL and ALL_TG_PT off.
        o.reservation_key = ReservationKey::none();
        o.reservation_aptpl = false;
        o.reservation_all_tg_pt = false;
        return o;
    }();
    return options;
}

const GlobalOptions& builtin_global_options() {
    static const GlobalOptions options = [] {
        GlobalOptions g;
        g.polling_interval = 5s;
        g.max_polling_interval = 20s;
        g.fast_recheck_interval = 250ms;
        g.find_multipaths = FindMultipaths::On;
        // multipath-tools waits 10 s for known hardware, 1 s for other devices; one wait for all here.
        g.find_multipaths_timeout = 10s;
        g.uid_attrs = "";
        g.bindings_file = "";
        g.wwids_file = "";
        g.reservation_keys_file = "";
        g.import_multipath_bindings = true;
        g.multipath_bindings_file = "/etc/multipath/bindings";
        g.queue_without_daemon = false;
        g.local_link_failover = true;
        // Debian's prometheus-node-exporter reads this directory; nothing is written while it does not exist.
        g.metrics_textfile_directory = "/var/lib/prometheus/node-exporter";
        g.metrics_interval = 15s;
        g.log_level = LogLevel::Info;
        return g;
    }();
    return options;
}

namespace {

struct Level {
    const MapOptions* options;
    Origin origin;
    const SourceLocation* fallback_where;  // the rule/entry location, when the option has none
};

template <typename T>
Resolved<T> pick(const std::vector<Level>& levels, std::optional<T> MapOptions::*member,
                 std::string_view name) {
    for (const auto& level : levels) {
        const auto& field = level.options->*member;
        if (field.has_value()) {
            Resolved<T> r;
            r.value = *field;
            r.origin = level.origin;
            if (auto it = level.options->locations.find(name); it != level.options->locations.end()) {
                r.where = it->second;
            } else if (level.fallback_where != nullptr) {
                r.where = *level.fallback_where;
            }
            return r;
        }
    }
    return {};
}

ResolvedMapOptions resolve_levels(const std::vector<Level>& levels) {
    ResolvedMapOptions r;
    r.path_grouping_policy = pick(levels, &MapOptions::path_grouping_policy, "path_grouping_policy");
    r.path_selector = pick(levels, &MapOptions::path_selector, "path_selector");
    r.path_checker = pick(levels, &MapOptions::path_checker, "path_checker");
    r.prio = pick(levels, &MapOptions::prio, "prio");
    r.prio_args = pick(levels, &MapOptions::prio_args, "prio_args");
    r.detect_prio = pick(levels, &MapOptions::detect_prio, "detect_prio");
    r.detect_checker = pick(levels, &MapOptions::detect_checker, "detect_checker");
    r.failback = pick(levels, &MapOptions::failback, "failback");
    r.no_path_retry = pick(levels, &MapOptions::no_path_retry, "no_path_retry");
    r.rr_weight = pick(levels, &MapOptions::rr_weight, "rr_weight");
    r.rr_min_io_rq = pick(levels, &MapOptions::rr_min_io_rq, "rr_min_io_rq");
    r.hardware_handler = pick(levels, &MapOptions::hardware_handler, "hardware_handler");
    r.pg_init_retries = pick(levels, &MapOptions::pg_init_retries, "pg_init_retries");
    r.queue_mode = pick(levels, &MapOptions::queue_mode, "queue_mode");
    r.retain_attached_hw_handler =
        pick(levels, &MapOptions::retain_attached_hw_handler, "retain_attached_hw_handler");
    r.flush_on_last_del = pick(levels, &MapOptions::flush_on_last_del, "flush_on_last_del");
    r.user_friendly_names = pick(levels, &MapOptions::user_friendly_names, "user_friendly_names");
    r.alias_prefix = pick(levels, &MapOptions::alias_prefix, "alias_prefix");
    r.fast_io_fail = pick(levels, &MapOptions::fast_io_fail, "fast_io_fail");
    r.last_path_recovery_tmo = pick(levels, &MapOptions::last_path_recovery_tmo, "last_path_recovery_tmo");
    r.checker_timeout = pick(levels, &MapOptions::checker_timeout, "checker_timeout");
    r.dev_loss_tmo = pick(levels, &MapOptions::dev_loss_tmo, "dev_loss_tmo");
    r.eh_deadline = pick(levels, &MapOptions::eh_deadline, "eh_deadline");
    r.max_sectors_kb = pick(levels, &MapOptions::max_sectors_kb, "max_sectors_kb");
    r.uid_attribute = pick(levels, &MapOptions::uid_attribute, "uid_attribute");
    r.vpd_vendor = pick(levels, &MapOptions::vpd_vendor, "vpd_vendor");
    r.flap_window = pick(levels, &MapOptions::flap_window, "flap_window");
    r.flap_threshold = pick(levels, &MapOptions::flap_threshold, "flap_threshold");
    r.flap_hold_time = pick(levels, &MapOptions::flap_hold_time, "flap_hold_time");
    r.flap_hold_max = pick(levels, &MapOptions::flap_hold_max, "flap_hold_max");
    r.reservation_key = pick(levels, &MapOptions::reservation_key, "reservation_key");
    r.reservation_aptpl = pick(levels, &MapOptions::reservation_aptpl, "reservation_aptpl");
    r.reservation_all_tg_pt = pick(levels, &MapOptions::reservation_all_tg_pt, "reservation_all_tg_pt");
    return r;
}

}  // namespace

ResolvedMapOptions resolve_map_options(const Config& config, std::string_view wwid, std::string_view vendor,
                                       std::string_view product, std::string_view revision) {
    std::vector<Level> levels;
    const MultipathEntry* entry = config.find_multipath(wwid);
    if (entry != nullptr) {
        levels.push_back({&entry->options, Origin::Multipath, &entry->where});
    }
    levels.push_back({&config.overrides, Origin::Overrides, nullptr});
    for (const auto& match : matching_device_rules(config, vendor, product, revision)) {
        levels.push_back({&match.rule->options, match.origin, &match.rule->where});
    }
    levels.push_back({&config.defaults.map, Origin::Defaults, nullptr});
    levels.push_back({&builtin_map_options(), Origin::BuiltIn, nullptr});
    ResolvedMapOptions r = resolve_levels(levels);
    if (entry != nullptr && entry->alias) {
        r.alias = entry->alias;
        const auto it = entry->options.locations.find("alias");
        r.alias_where = it != entry->options.locations.end() ? it->second : entry->where;
    }
    return r;
}

ResolvedMapOptions resolve_default_map_options(const Config& config) {
    return resolve_levels({{&config.defaults.map, Origin::Defaults, nullptr},
                           {&builtin_map_options(), Origin::BuiltIn, nullptr}});
}

namespace {

template <typename T>
Resolved<T> pick_global(const Config& config, std::optional<T> GlobalOptions::*member,
                        std::string_view name) {
    const GlobalOptions& mine = config.defaults.global;
    if ((mine.*member).has_value()) {
        Resolved<T> r{*(mine.*member), Origin::Defaults, {}};
        if (auto it = mine.locations.find(name); it != mine.locations.end()) {
            r.where = it->second;
        }
        return r;
    }
    return Resolved<T>{*(builtin_global_options().*member), Origin::BuiltIn, {}};
}

}  // namespace

ResolvedGlobalOptions resolve_global_options(const Config& config) {
    ResolvedGlobalOptions r;
    r.polling_interval = pick_global(config, &GlobalOptions::polling_interval, "polling_interval");
    r.max_polling_interval =
        pick_global(config, &GlobalOptions::max_polling_interval, "max_polling_interval");
    r.fast_recheck_interval =
        pick_global(config, &GlobalOptions::fast_recheck_interval, "fast_recheck_interval");
    r.find_multipaths = pick_global(config, &GlobalOptions::find_multipaths, "find_multipaths");
    r.find_multipaths_timeout =
        pick_global(config, &GlobalOptions::find_multipaths_timeout, "find_multipaths_timeout");
    r.uid_attrs = pick_global(config, &GlobalOptions::uid_attrs, "uid_attrs");
    r.bindings_file = pick_global(config, &GlobalOptions::bindings_file, "bindings_file");
    r.wwids_file = pick_global(config, &GlobalOptions::wwids_file, "wwids_file");
    r.reservation_keys_file =
        pick_global(config, &GlobalOptions::reservation_keys_file, "reservation_keys_file");
    r.import_multipath_bindings =
        pick_global(config, &GlobalOptions::import_multipath_bindings, "import_multipath_bindings");
    r.multipath_bindings_file =
        pick_global(config, &GlobalOptions::multipath_bindings_file, "multipath_bindings_file");
    r.log_level = pick_global(config, &GlobalOptions::log_level, "log_level");
    r.queue_without_daemon =
        pick_global(config, &GlobalOptions::queue_without_daemon, "queue_without_daemon");
    r.local_link_failover = pick_global(config, &GlobalOptions::local_link_failover, "local_link_failover");
    r.metrics_textfile_directory =
        pick_global(config, &GlobalOptions::metrics_textfile_directory, "metrics_textfile_directory");
    r.metrics_interval = pick_global(config, &GlobalOptions::metrics_interval, "metrics_interval");
    // multipath-tools: an unset max_polling_interval is 4 x polling_interval.
    if (r.max_polling_interval.origin == Origin::BuiltIn) {
        r.max_polling_interval.value = 4 * r.polling_interval.value;
    }
    return r;
}

Resolved<PrioKind> effective_prio(const ResolvedMapOptions& resolved, bool path_reports_tpgs) {
    if (resolved.prio.origin != Origin::Multipath && resolved.detect_prio.value && path_reports_tpgs) {
        return Resolved<PrioKind>{PrioKind::Alua, Origin::Detected, {}};
    }
    return resolved.prio;
}

Resolved<HardwareHandler> effective_hardware_handler(const ResolvedMapOptions& resolved,
                                                     bool path_reports_tpgs) {
    if (resolved.retain_attached_hw_handler.value && path_reports_tpgs) {
        return Resolved<HardwareHandler>{HardwareHandler::Alua, Origin::Detected, {}};
    }
    return resolved.hardware_handler;
}

Resolved<CheckerKind> effective_checker(const ResolvedMapOptions& resolved, bool path_reports_tpgs,
                                        std::optional<bool> path_reports_rdac) {
    // none means "do not check" (simulation, scsi_debug): detection never turns checking back on.
    if (resolved.path_checker.origin != Origin::Multipath && resolved.detect_checker.value &&
        resolved.path_checker.value != CheckerKind::None) {
        if (path_reports_rdac.value_or(false)) {
            return Resolved<CheckerKind>{CheckerKind::Rdac, Origin::Detected, {}};
        }
        // Not asked yet: the configured rdac stays until page 0xC9 has answered.
        if (path_reports_tpgs && !(resolved.path_checker.value == CheckerKind::Rdac && !path_reports_rdac)) {
            return Resolved<CheckerKind>{CheckerKind::Tur, Origin::Detected, {}};
        }
    }
    return resolved.path_checker;
}

bool wants_rdac_probe(const ResolvedMapOptions& resolved, std::optional<bool> path_reports_rdac) {
    return !path_reports_rdac && resolved.detect_checker.value &&
           resolved.path_checker.origin != Origin::Multipath &&
           resolved.path_checker.value == CheckerKind::Rdac;
}

bool prio_measured_by_worker(PrioKind prio) noexcept {
    switch (prio) {
        case PrioKind::Rdac:
        case PrioKind::HpSw:
        case PrioKind::Emc:
        case PrioKind::Ontap:
        case PrioKind::Hds:
        case PrioKind::PathLatency:
            return true;
        case PrioKind::Const:
        case PrioKind::Alua:
        case PrioKind::Sysfs:
        case PrioKind::WeightedPath:
            break;
    }
    return false;
}

std::string format_option_value(bool v) {
    return v ? "yes" : "no";
}
std::string format_option_value(unsigned v) {
    return std::to_string(v);
}
std::string format_option_value(Millis v) {
    return format_duration(v);
}
std::string format_option_value(std::chrono::seconds v) {
    if (v == kFastIoFailOff) {
        return "off";
    }
    if (v == kRecoveryTmoOfSession) {
        return "session";
    }
    return format_duration(std::chrono::duration_cast<Millis>(v));
}
std::string format_option_value(const std::string& v) {
    return v;
}

std::string format_option_value(GroupingPolicy v) {
    return to_string(v);
}
std::string format_option_value(PathSelector v) {
    return to_string(v);
}
std::string format_option_value(CheckerKind v) {
    return to_string(v);
}
std::string format_option_value(PrioKind v) {
    return to_string(v);
}
std::string format_option_value(RrWeight v) {
    return to_string(v);
}
std::string format_option_value(HardwareHandler v) {
    return to_string(v);
}
std::string format_option_value(FindMultipaths v) {
    return to_string(v);
}
std::string format_option_value(QueueMode v) {
    return to_string(v);
}
std::string format_option_value(LogLevel v) {
    return to_string(v);
}
std::string format_option_value(const Failback& v) {
    return to_string(v);
}
std::string format_option_value(const NoPathRetry& v) {
    return to_string(v);
}
std::string format_option_value(const ReservationKey& v) {
    return to_string(v);
}
std::string format_option_value(const DevLossTmo& v) {
    return to_string(v);
}
std::string format_option_value(const EhDeadline& v) {
    return to_string(v);
}
std::string format_option_value(const MaxSectorsKb& v) {
    return to_string(v);
}

namespace {

template <typename T>
void add(std::vector<ExplainedSetting>& out, const char* name, const Resolved<T>& r) {
    out.push_back(ExplainedSetting{name, format_option_value(r.value), r.origin, r.where});
}

}  // namespace

std::vector<ExplainedSetting> explain(const ResolvedMapOptions& r) {
    std::vector<ExplainedSetting> out;
    add(out, "path_grouping_policy", r.path_grouping_policy);
    add(out, "path_selector", r.path_selector);
    add(out, "path_checker", r.path_checker);
    add(out, "prio", r.prio);
    add(out, "prio_args", r.prio_args);
    add(out, "detect_prio", r.detect_prio);
    add(out, "detect_checker", r.detect_checker);
    add(out, "failback", r.failback);
    add(out, "no_path_retry", r.no_path_retry);
    add(out, "rr_weight", r.rr_weight);
    add(out, "rr_min_io_rq", r.rr_min_io_rq);
    add(out, "hardware_handler", r.hardware_handler);
    add(out, "pg_init_retries", r.pg_init_retries);
    add(out, "queue_mode", r.queue_mode);
    add(out, "retain_attached_hw_handler", r.retain_attached_hw_handler);
    add(out, "flush_on_last_del", r.flush_on_last_del);
    add(out, "user_friendly_names", r.user_friendly_names);
    add(out, "alias_prefix", r.alias_prefix);
    add(out, "fast_io_fail", r.fast_io_fail);
    add(out, "last_path_recovery_tmo", r.last_path_recovery_tmo);
    add(out, "checker_timeout", r.checker_timeout);
    add(out, "dev_loss_tmo", r.dev_loss_tmo);
    add(out, "eh_deadline", r.eh_deadline);
    add(out, "max_sectors_kb", r.max_sectors_kb);
    add(out, "uid_attribute", r.uid_attribute);
    add(out, "vpd_vendor", r.vpd_vendor);
    add(out, "flap_window", r.flap_window);
    add(out, "flap_threshold", r.flap_threshold);
    add(out, "flap_hold_time", r.flap_hold_time);
    add(out, "flap_hold_max", r.flap_hold_max);
    add(out, "reservation_key", r.reservation_key);
    add(out, "reservation_aptpl", r.reservation_aptpl);
    add(out, "reservation_all_tg_pt", r.reservation_all_tg_pt);
    if (r.alias) {
        out.push_back(ExplainedSetting{"alias", *r.alias, Origin::Multipath, r.alias_where});
    }
    return out;
}

std::vector<ExplainedSetting> explain(const ResolvedGlobalOptions& r) {
    std::vector<ExplainedSetting> out;
    add(out, "polling_interval", r.polling_interval);
    add(out, "max_polling_interval", r.max_polling_interval);
    add(out, "fast_recheck_interval", r.fast_recheck_interval);
    add(out, "find_multipaths", r.find_multipaths);
    add(out, "find_multipaths_timeout", r.find_multipaths_timeout);
    add(out, "uid_attrs", r.uid_attrs);
    add(out, "bindings_file", r.bindings_file);
    add(out, "wwids_file", r.wwids_file);
    add(out, "reservation_keys_file", r.reservation_keys_file);
    add(out, "import_multipath_bindings", r.import_multipath_bindings);
    add(out, "multipath_bindings_file", r.multipath_bindings_file);
    add(out, "log_level", r.log_level);
    add(out, "queue_without_daemon", r.queue_without_daemon);
    add(out, "local_link_failover", r.local_link_failover);
    add(out, "metrics_textfile_directory", r.metrics_textfile_directory);
    add(out, "metrics_interval", r.metrics_interval);
    return out;
}

}  // namespace pathkeeper::core
