#include "core/prio_args.hpp"

#include <charconv>
#include <cmath>

#include "core/text.hpp"

namespace pathkeeper::core {
namespace {

Error bad_args(const char* prio, std::string_view text, const std::string& why) {
    return Error(ErrorCode::InvalidArgument,
                 std::string("invalid prio_args \"") + std::string(text) + "\" for " + prio + ": " + why);
}

constexpr unsigned kMinIoNum = 2;
constexpr unsigned kMaxIoNum = 200;
constexpr unsigned kMinBaseNum = 2;
constexpr unsigned kMaxBaseNum = 10;
// The latency scale: 1 us gets the top priority, above 100 s a path gets 0.
constexpr double kMinLatencyUs = 1.0;
constexpr double kMaxLatencyUs = 100000000.0;
// Logarithms of exact powers land a hair below the whole number (log(1e8)/log(10) may be 7.999...).
constexpr double kRounding = 1e-9;

}  // namespace

Result<WeightedPathArgs> parse_weighted_path_args(std::string_view text) {
    constexpr const char* prio = "weightedpath";
    const std::vector<std::string_view> words = text::split_whitespace(text);
    if (words.empty()) {
        return bad_args(prio, text, "empty (expected \"hbtl|devname|serial REGEX PRIO ...\")");
    }
    WeightedPathArgs out;
    if (words[0] == "hbtl") {
        out.field = WeightedPathArgs::Field::Hbtl;
    } else if (words[0] == "devname") {
        out.field = WeightedPathArgs::Field::Devname;
    } else if (words[0] == "serial") {
        out.field = WeightedPathArgs::Field::Serial;
    } else if (words[0] == "wwn") {
        return bad_args(prio, text,
                        "wwn (FC host and target port names) is not known to pathkeeper; use hbtl, "
                        "devname or serial");
    } else {
        return bad_args(prio, text,
                        "unknown field \"" + std::string(words[0]) + "\" (valid: hbtl, devname, serial)");
    }
    if (words.size() < 3) {
        return bad_args(prio, text, "no \"REGEX PRIO\" pair after the field");
    }
    if (words.size() % 2 == 0) {
        return bad_args(prio, text,
                        "regular expression \"" + std::string(words.back()) + "\" has no priority");
    }
    for (std::size_t i = 1; i + 1 < words.size(); i += 2) {
        auto pattern = Pattern::compile(words[i]);
        if (!pattern) {
            return bad_args(prio, text, pattern.error().message);
        }
        int priority = 0;
        const std::string_view number = words[i + 1];
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), priority);
        if (ec != std::errc() || end != number.data() + number.size()) {
            return bad_args(prio, text, "priority \"" + std::string(number) + "\" is not a whole number");
        }
        out.rules.emplace_back(std::move(*pattern), priority);
    }
    return out;
}

int weighted_path_priority(const WeightedPathArgs& args, const PathInfo& path) {
    std::string subject;
    switch (args.field) {
        case WeightedPathArgs::Field::Hbtl:
            if (!path.hctl) {
                return 0;  // no SCSI address: nothing to match
            }
            subject = path.hctl->to_string();
            break;
        case WeightedPathArgs::Field::Devname:
            subject = path.devnode;
            break;
        case WeightedPathArgs::Field::Serial:
            subject = path.serial;
            break;
    }
    for (const auto& [pattern, priority] : args.rules) {
        if (pattern.matches(subject)) {
            return priority;
        }
    }
    return 0;
}

Result<PathLatencyArgs> parse_path_latency_args(std::string_view text) {
    constexpr const char* prio = "path_latency";
    PathLatencyArgs out;
    const std::string_view trimmed = text::trim(text);
    if (trimmed.empty()) {
        return out;
    }
    auto number = [&](std::string_view word, const char* name, unsigned min,
                      unsigned max) -> Result<unsigned> {
        auto value = text::to_unsigned(word, max);
        if (!value || *value < min) {
            return bad_args(prio, text,
                            std::string(name) + " \"" + std::string(word) + "\" is not a number from " +
                                std::to_string(min) + " to " + std::to_string(max));
        }
        return static_cast<unsigned>(*value);
    };
    if (const auto bar = trimmed.find('|'); bar != std::string_view::npos) {
        auto io = number(trimmed.substr(0, bar), "io_num", kMinIoNum, kMaxIoNum);
        if (!io) {
            return io.error();
        }
        auto base = number(trimmed.substr(bar + 1), "base_num", kMinBaseNum, kMaxBaseNum);
        if (!base) {
            return base.error();
        }
        return PathLatencyArgs{*io, *base};
    }
    for (std::string_view word : text::split_whitespace(trimmed)) {
        const auto eq = word.find('=');
        const std::string_view key = word.substr(0, eq);
        if (eq == std::string_view::npos || (key != "io_num" && key != "base_num")) {
            return bad_args(prio, text, "\"" + std::string(word) + "\" is not io_num=N or base_num=B");
        }
        if (key == "io_num") {
            auto io = number(word.substr(eq + 1), "io_num", kMinIoNum, kMaxIoNum);
            if (!io) {
                return io.error();
            }
            out.io_num = *io;
        } else {
            auto base = number(word.substr(eq + 1), "base_num", kMinBaseNum, kMaxBaseNum);
            if (!base) {
                return base.error();
            }
            out.base_num = *base;
        }
    }
    return out;
}

int path_latency_priority(std::chrono::nanoseconds average, unsigned base_num) {
    const double base = std::log(static_cast<double>(std::max(base_num, kMinBaseNum)));
    const double latency_us = static_cast<double>(average.count()) / 1000.0;
    const double top = std::log(kMaxLatencyUs) / base;
    if (latency_us <= kMinLatencyUs) {
        return static_cast<int>(top + 1.0 + kRounding);
    }
    if (latency_us > kMaxLatencyUs) {
        return 0;
    }
    return static_cast<int>(top - std::log(latency_us) / base + 1.0 + kRounding);
}

Result<bool> validate_prio_args(PrioKind prio, std::string_view text) {
    if (prio == PrioKind::WeightedPath) {
        auto parsed = parse_weighted_path_args(text);
        if (!parsed) {
            return parsed.error();
        }
    } else if (prio == PrioKind::PathLatency) {
        auto parsed = parse_path_latency_args(text);
        if (!parsed) {
            return parsed.error();
        }
    }
    return true;
}

}  // namespace pathkeeper::core
