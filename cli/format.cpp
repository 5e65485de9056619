#include "cli/format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>

namespace pathkeeper::cli {

namespace {

constexpr const char* kRed = "\033[31m";
constexpr const char* kGreen = "\033[32m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kBold = "\033[1m";
constexpr const char* kReset = "\033[0m";

const char* state_colour(const std::string& state) {
    if (state == "up" || state == "active")
        return kGreen;
    if (state == "down" || state == "failed" || state == "shaky")
        return kRed;
    if (state == "ghost" || state == "pending" || state == "enabled" || state == "unknown")
        return kYellow;
    return nullptr;
}

// Registration states: "host-unregistered" is what a fenced host must show, not an error of the daemon.
const char* registration_colour(const std::string& registration) {
    if (registration == "registered")
        return kGreen;
    if (registration == "failed")
        return kRed;
    if (registration.empty())
        return nullptr;
    return kYellow;
}

std::string paint(const std::string& text, const char* colour, const Style& style) {
    if (!style.colour || colour == nullptr)
        return text;
    return std::string(colour) + text + kReset;
}

std::string state(const std::string& word, const Style& style) {
    return paint(word, state_colour(word), style);
}

std::string or_dash(const std::string& text) {
    return text.empty() ? "-" : text;
}

// Columns padded to the widest cell; colour codes are added after padding so they do not skew widths.
// Code points in UTF-8 text: the terminal columns it takes, for the scripts our fields hold.
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0u) != 0x80u; }));
}

class Table {
public:
    explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
    void add(std::vector<std::string> row, std::vector<const char*> colours = {}) {
        colours.resize(row.size(), nullptr);
        rows_.push_back(std::move(row));
        colours_.push_back(std::move(colours));
    }
    // Appends and padding by hand, not a format call per cell, which was a fifth of `pathctl show paths`
    // (under emulation instructions are time; docs/design-decisions.md). Widths count code points, so a
    // UTF-8 vendor string does not shift the columns after it.
    std::string render(const Style& style) const {
        std::vector<std::size_t> width(rows_.front().size(), 0);
        std::size_t line_width = 0;
        for (const auto& row : rows_) {
            for (std::size_t i = 0; i < row.size(); ++i)
                width[i] = std::max(width[i], columns(row[i]));
        }
        for (std::size_t w : width)
            line_width += w + 2;
        std::string out;
        out.reserve(rows_.size() * (line_width + 16));
        for (std::size_t r = 0; r < rows_.size(); ++r) {
            for (std::size_t i = 0; i < rows_[r].size(); ++i) {
                const std::string& cell = rows_[r][i];
                const char* colour = r == 0 ? kBold : colours_[r - 1][i];
                const bool coloured = style.colour && colour != nullptr;
                if (coloured)
                    out += colour;
                out += cell;
                if (coloured)
                    out += kReset;
                if (i + 1 != rows_[r].size())
                    out.append(width[i] - columns(cell) + 2, ' ');
            }
            out += '\n';
        }
        return out;
    }

private:
    std::vector<std::vector<std::string>> rows_;
    std::vector<std::vector<const char*>> colours_;
};

std::string path_line(const api::PathView* path, const std::string& devnode, const Style& style) {
    if (path == nullptr)
        return devnode + " (not known to the daemon)";
    std::string line =
        fmt::format("{} {} {} {} {}", path->hctl.empty() ? "#:#:#:#" : path->hctl, path->devnode, path->devt,
                    state(path->dm_state, style), state(path->checker_state, style));
    if (!path->portal.empty())
        line += " " + path->portal;
    return line;
}

}  // namespace

std::string format_size(std::uint64_t sectors) {
    static const char* const kUnits[] = {"K", "M", "G", "T", "P", "E"};
    double value = static_cast<double>(sectors) / 2.0;  // KiB
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
        value /= 1024.0;
        ++unit;
    }
    if (value < 10.0)
        return fmt::format("{:.1f}{}", value, kUnits[unit]);
    return fmt::format("{:.0f}{}", value, kUnits[unit]);
}

std::string format_holder(const api::MapView& map) {
    if (!map.holder) {
        return {};
    }
    const api::HolderView& h = *map.holder;
    if (h.verdict.empty()) {
        return fmt::format("holder: {} ({}), not redundant\n", h.device, h.kind);
    }
    return fmt::format("holder: {} ({}), verdict {}: {}\n", h.device, h.kind, h.verdict, h.reason);
}

std::string format_topology(const api::TopologyView& topology, const Style& style) {
    std::string out;
    for (const auto& map : topology.maps) {
        std::string head = map.name == map.wwid ? map.name : fmt::format("{} ({})", map.name, map.wwid);
        out += fmt::format("{} {} {},{}\n", paint(head, kBold, style), or_dash(map.dm_device), map.vendor,
                           map.product);
        out +=
            fmt::format("size={} features='{}' hwhandler='{}' no_path_retry={}{}\n",
                        format_size(map.size_sectors), map.features, map.hardware_handler,
                        or_dash(map.no_path_retry), map.queueing ? paint(" queueing", kYellow, style) : "");
        if (map.suspended) {
            out +=
                paint("suspended: a reload could not resume it; the daemon keeps resuming it\n", kRed, style);
        }
        out += format_holder(map);
        for (std::size_t g = 0; g < map.groups.size(); ++g) {
            const auto& group = map.groups[g];
            bool last_group = g + 1 == map.groups.size();
            out += fmt::format("{}-+- policy='{}' prio={} status={}\n", last_group ? "`" : "|",
                               group.selector, group.priority, state(group.state, style));
            for (std::size_t p = 0; p < group.paths.size(); ++p) {
                bool last_path = p + 1 == group.paths.size();
                out += fmt::format("{} {}- {}\n", last_group ? " " : "|", last_path ? "`" : "|",
                                   path_line(topology.find_path(group.paths[p]), group.paths[p], style));
            }
        }
    }
    std::vector<const api::PathView*> unmapped;
    for (const auto& p : topology.paths) {
        if (p.map.empty())
            unmapped.push_back(&p);
    }
    if (!unmapped.empty()) {
        if (!topology.maps.empty())
            out += "\n";
        out += "paths in no map:\n";
        for (std::size_t i = 0; i < unmapped.size(); ++i) {
            out +=
                fmt::format("{}- {} {}\n", i + 1 == unmapped.size() ? "`" : "|",
                            path_line(unmapped[i], unmapped[i]->devnode, style), or_dash(unmapped[i]->wwid));
        }
    }
    if (topology.maps.empty() && unmapped.empty())
        out += "no maps and no paths\n";
    return out;
}

std::string format_paths_table(const std::vector<api::PathView>& paths, const Style& style) {
    // The reservation key column only on hosts that use reservations: most maps have no key.
    const bool registrations = std::any_of(paths.begin(), paths.end(),
                                           [](const api::PathView& p) { return !p.registration.empty(); });
    std::vector<std::string> header{"DEV",     "DEVT", "HCTL", "MAP",       "GRP",    "DM",
                                    "CHECKER", "PRIO", "ALUA", "TRANSPORT", "PORTAL", "WWID"};
    if (registrations)
        header.insert(header.begin() + 9, "REGISTRATION");
    Table table(std::move(header));
    for (const auto& p : paths) {
        std::vector<std::string> row{p.devnode,
                                     p.devt,
                                     or_dash(p.hctl),
                                     or_dash(p.map),
                                     p.group == 0 ? "-" : std::to_string(p.group),
                                     p.dm_state,
                                     p.checker_state,
                                     std::to_string(p.priority),
                                     p.alua_state,
                                     p.transport,
                                     or_dash(p.portal),
                                     or_dash(p.wwid)};
        std::vector<const char*> colours{nullptr,
                                         nullptr,
                                         nullptr,
                                         nullptr,
                                         nullptr,
                                         state_colour(p.dm_state),
                                         state_colour(p.checker_state)};
        if (registrations) {
            row.insert(row.begin() + 9, or_dash(p.registration));
            colours.resize(10, nullptr);
            colours[9] = registration_colour(p.registration);
        }
        table.add(std::move(row), std::move(colours));
    }
    return table.render(style);
}

std::string format_registration_details(const std::vector<api::PathView>& paths) {
    std::string out;
    for (const auto& p : paths) {
        if (!p.registration.empty() && !p.registration_detail.empty())
            out += fmt::format("{}: {}: {}\n", p.devnode, p.registration, p.registration_detail);
    }
    return out;
}

std::string format_reservation(const api::ReservationView& v, const std::vector<api::PathView>& paths,
                               const Style& style) {
    if (!v.has_status) {
        return fmt::format("{}: {}\n", v.map, v.message);
    }
    std::string out = fmt::format("map:          {}\n", v.map);
    out += fmt::format("key:          {} ({})\n", or_dash(v.key),
                       v.key.empty()  ? "none configured"
                       : v.registered ? paint("registered", kGreen, style)
                                      : paint("not registered", kYellow, style));
    // One entry per registration: a key registered through n I_T nexuses is listed n times.
    std::vector<std::pair<std::string, unsigned>> keys;
    for (const auto& k : v.keys) {
        auto it = std::find_if(keys.begin(), keys.end(), [&](const auto& e) { return e.first == k; });
        if (it == keys.end())
            keys.emplace_back(k, 1);
        else
            ++it->second;
    }
    std::string listed;
    for (const auto& [k, n] : keys) {
        listed += (listed.empty() ? "" : ", ") + k + (n > 1 ? fmt::format(" ({} paths)", n) : std::string());
    }
    out += fmt::format("keys:         {}\n", keys.empty() ? std::string("none registered") : listed);
    out += fmt::format("reservation:  {}\n",
                       v.holder.empty() ? std::string("none") : v.holder + " " + v.holder_type);
    out += fmt::format("generation:   {}\n", v.generation);
    if (!paths.empty()) {
        Table table({"DEV", "DM", "REGISTRATION", "DETAIL"});
        for (const auto& p : paths) {
            table.add({p.devnode, p.dm_state, or_dash(p.registration), or_dash(p.registration_detail)},
                      {nullptr, state_colour(p.dm_state), registration_colour(p.registration)});
        }
        out += "\n" + table.render(style);
    }
    return out;
}

std::string format_mib(std::uint64_t sectors) {
    // Whole tenths, rounded down, computed in integers so no counter is too large to show exactly.
    const std::uint64_t tenths = sectors / 2048 * 10 + (sectors % 2048) * 10 / 2048;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
}

std::string format_path_stats_table(const std::vector<api::PathView>& paths,
                                    const std::vector<std::optional<BlockStats>>& stats, const Style& style) {
    Table table({"DEV", "MAP", "STATE", "READS", "WRITES", "READ_MIB", "WRITTEN_MIB", "IN_FLIGHT"});
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const api::PathView& p = paths[i];
        const std::optional<BlockStats>& s = i < stats.size() ? stats[i] : std::nullopt;
        auto number = [&](std::uint64_t BlockStats::*field) {
            return s ? std::to_string((*s).*field) : std::string("-");
        };
        table.add({p.devnode, or_dash(p.map), p.checker_state, number(&BlockStats::reads),
                   number(&BlockStats::writes), s ? format_mib(s->sectors_read) : "-",
                   s ? format_mib(s->sectors_written) : "-", number(&BlockStats::in_flight)},
                  {nullptr, nullptr, state_colour(p.checker_state)});
    }
    return table.render(style);
}

std::string format_maps_table(const api::TopologyView& topology, const Style& style) {
    Table table(
        {"NAME", "WWID", "DM", "SIZE", "PATHS", "GROUPS", "ACTIVE", "NO_PATH_RETRY", "QUEUEING", "MODEL"});
    for (const auto& m : topology.maps) {
        std::size_t total = 0;
        std::size_t usable = 0;
        for (const auto& g : m.groups) {
            for (const auto& dev : g.paths) {
                ++total;
                const auto* p = topology.find_path(dev);
                if (p != nullptr && (p->checker_state == "up" || p->checker_state == "ghost") &&
                    p->dm_state != "failed") {
                    ++usable;
                }
            }
        }
        const char* paths_colour = usable == 0 ? kRed : usable < total ? kYellow : kGreen;
        table.add(
            {m.suspended ? m.name + " (suspended)" : m.name, m.wwid, or_dash(m.dm_device),
             format_size(m.size_sectors), fmt::format("{}/{}", usable, total),
             std::to_string(m.groups.size()), m.active_group == 0 ? "-" : std::to_string(m.active_group),
             or_dash(m.no_path_retry), m.queueing ? "yes" : "no", m.vendor + "," + m.product},
            {nullptr, nullptr, nullptr, nullptr, paths_colour, nullptr, nullptr, nullptr,
             m.queueing ? kYellow : nullptr});
    }
    return table.render(style);
}

std::string format_status(const api::ManagerView& m) {
    return fmt::format(
        "pathkeeperd {}\n"
        "config: {}\n"
        "maps:   {}\n"
        "paths:  {} ({} failed)\n"
        "checks: {} hung (limit {}), {} queued, {} checker threads\n",
        m.version, or_dash(m.config_path), m.map_count, m.path_count, m.failed_path_count, m.hung_checks,
        m.hung_check_limit, m.queued_checks, m.checker_threads);
}

std::string format_path_event(const api::PathStateEvent& e, const Style& style) {
    return fmt::format("path {}{}: {} -> {}{}", e.path, e.map.empty() ? "" : " (" + e.map + ")",
                       state(e.old_state, style), state(e.new_state, style),
                       e.reason.empty() ? "" : ": " + e.reason);
}

std::string format_map_event(const api::MapChangeEvent& e) {
    return fmt::format("map {}: {}", e.map, e.change);
}

namespace {

// YAML double-quoted scalar: safe for any text.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

std::string format_plan_input(const std::vector<api::PathView>& paths) {
    std::string out = "# pathctl plan --paths input, dumped by `pathctl show paths --as-plan-input`\n";
    if (paths.empty())
        return out + "[]\n";
    for (const auto& p : paths) {
        out += fmt::format("- dev: {}\n", quoted(p.devnode));
        out += fmt::format("  devt: {}\n", quoted(p.devt));
        out += fmt::format("  wwid: {}\n", quoted(p.wwid));
        out += fmt::format("  vendor: {}\n", quoted(p.vendor));
        out += fmt::format("  product: {}\n", quoted(p.product));
        if (!p.serial.empty())
            out += fmt::format("  serial: {}\n", quoted(p.serial));
        out += fmt::format("  priority: {}\n", p.priority);
        if (p.alua_state != "unknown" && !p.alua_state.empty()) {
            out += fmt::format("  alua_state: {}\n", quoted(p.alua_state));
        }
        if (!p.node_name.empty())
            out += fmt::format("  node_name: {}\n", quoted(p.node_name));
        // The planner knows up/down/ghost; pending and shaky paths are neither usable nor gone.
        std::string plan_state =
            p.checker_state == "up" || p.checker_state == "ghost" ? p.checker_state : "down";
        out += fmt::format("  state: {}\n", plan_state);
        out += fmt::format("  size_sectors: {}\n", p.size_sectors);
        out += fmt::format("  transport: {}\n", quoted(p.transport));
    }
    return out;
}

}  // namespace pathkeeper::cli
