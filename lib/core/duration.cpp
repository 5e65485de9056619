#include "core/duration.hpp"

#include <cstdint>
#include <limits>

namespace pathkeeper::core {
namespace {

Error bad_duration(std::string_view text, std::string_view why) {
    return make_error(ErrorCode::InvalidArgument,
                      "invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

Result<Millis> parse_duration(std::string_view text) {
    const std::string_view body = trim(text);
    if (body.empty()) {
        return bad_duration(text, "empty");
    }
    // Ten years is far beyond any sane timeout and keeps every product below in 64 bits.
    constexpr std::int64_t max_ms = std::int64_t{10} * 365 * 24 * 3600 * 1000;
    std::int64_t total_ms = 0;
    std::size_t pos = 0;
    int terms = 0;
    while (pos < body.size()) {
        // Number: digits with an optional fraction.
        std::int64_t whole = 0;
        std::int64_t frac = 0;
        std::int64_t frac_scale = 1;
        const std::size_t start = pos;
        while (pos < body.size() && is_digit(body[pos])) {
            whole = whole * 10 + (body[pos] - '0');
            if (whole > max_ms) {
                return bad_duration(text, "too large");
            }
            ++pos;
        }
        const bool had_whole = pos > start;
        bool had_frac = false;
        if (pos < body.size() && body[pos] == '.') {
            ++pos;
            while (pos < body.size() && is_digit(body[pos])) {
                if (frac_scale < 1000000) {
                    frac = frac * 10 + (body[pos] - '0');
                    frac_scale *= 10;
                } else if (body[pos] != '0') {
                    return bad_duration(text, "too many decimal places");
                }
                had_frac = true;
                ++pos;
            }
            if (!had_frac) {
                return bad_duration(text, "expected digits after '.'");
            }
        }
        if (!had_whole && !had_frac) {
            return bad_duration(text, "expected a number");
        }
        // Unit.
        const std::size_t unit_start = pos;
        while (pos < body.size() && !is_digit(body[pos]) && body[pos] != '.') {
            ++pos;
        }
        const std::string_view unit = trim(body.substr(unit_start, pos - unit_start));
        std::int64_t unit_ms = 0;
        if (unit.empty()) {
            if (terms > 0 || pos < body.size()) {
                return bad_duration(text, "missing unit (use ms, s, m or h)");
            }
            unit_ms = 1000;  // bare number: seconds, as multipath.conf
        } else if (unit == "ms") {
            unit_ms = 1;
        } else if (unit == "s") {
            unit_ms = 1000;
        } else if (unit == "m" || unit == "min") {
            unit_ms = 60 * 1000;
        } else if (unit == "h") {
            unit_ms = 3600 * 1000;
        } else {
            return bad_duration(text, "unknown unit \"" + std::string(unit) + "\" (use ms, s, m or h)");
        }
        if (whole > max_ms / unit_ms) {
            return bad_duration(text, "too large");
        }
        const std::int64_t frac_ms_scaled = frac * unit_ms;
        if (frac_ms_scaled % frac_scale != 0) {
            return bad_duration(text, "not a whole number of milliseconds");
        }
        total_ms += whole * unit_ms + frac_ms_scaled / frac_scale;
        if (total_ms > max_ms) {
            return bad_duration(text, "too large");
        }
        ++terms;
    }
    return Millis{total_ms};
}

std::string format_duration(Millis value) {
    std::int64_t ms = value.count();
    if (ms == 0) {
        return "0s";
    }
    std::string out;
    if (ms < 0) {
        out = "-";
        ms = -ms;
    }
    const std::int64_t h = ms / 3600000;
    const std::int64_t m = (ms / 60000) % 60;
    const std::int64_t s = (ms / 1000) % 60;
    const std::int64_t rest = ms % 1000;
    if (h > 0) {
        out += std::to_string(h) + "h";
    }
    if (m > 0) {
        out += std::to_string(m) + "m";
    }
    if (s > 0) {
        out += std::to_string(s) + "s";
    }
    if (rest > 0) {
        out += std::to_string(rest) + "ms";
    }
    return out;
}

}  // namespace pathkeeper::core
