#include "core/transport_tunables.hpp"

#include "core/duration.hpp"
#include "core/text.hpp"

namespace pathkeeper::core {

std::string to_string(const EhDeadline& v) {
    switch (v.mode) {
        case EhDeadline::Mode::Kernel:
            return "kernel";
        case EhDeadline::Mode::Off:
            return "off";
        case EhDeadline::Mode::Seconds:
            break;
    }
    return format_duration(std::chrono::duration_cast<Millis>(v.value));
}

Result<EhDeadline> parse_eh_deadline(std::string_view text) {
    const std::string word = text::to_lower_ascii(text::trim(text));
    if (word == "kernel") {
        return EhDeadline::kernel();
    }
    if (word == "off") {
        return EhDeadline::off();
    }
    auto d = parse_duration(word);
    if (!d.ok() || d->count() % 1000 != 0) {
        return make_error(ErrorCode::InvalidArgument,
                          "invalid eh_deadline \"" + text::quote(text) +
                              "\" (valid: kernel, off, or whole seconds such as 30s)");
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*d);
    if (seconds > kEhDeadlineMax) {
        return make_error(ErrorCode::InvalidArgument,
                          "invalid eh_deadline \"" + text::quote(text) + "\": longer than " +
                              std::to_string(kEhDeadlineMax.count()) + "s, the most every kernel accepts");
    }
    return EhDeadline::after(seconds);
}

std::string to_string(const MaxSectorsKb& v) {
    return v.is_kernel() ? std::string("kernel") : std::to_string(v.kb);
}

Result<MaxSectorsKb> parse_max_sectors_kb(std::string_view text) {
    const std::string word = text::to_lower_ascii(text::trim(text));
    if (word == "kernel") {
        return MaxSectorsKb::kernel();
    }
    const auto kb = text::to_unsigned(word);
    if (!kb || *kb < kMaxSectorsKbMin || *kb > kMaxSectorsKbMax) {
        return make_error(ErrorCode::InvalidArgument, "invalid max_sectors_kb \"" + text::quote(text) +
                                                          "\" (valid: kernel, or KiB from " +
                                                          std::to_string(kMaxSectorsKbMin) + " to " +
                                                          std::to_string(kMaxSectorsKbMax) + ")");
    }
    return MaxSectorsKb::of(static_cast<unsigned>(*kb));
}

std::string to_string(const PathTuning& t) {
    std::string s;
    auto add = [&](const std::string& item) { s += (s.empty() ? "" : " ") + item; };
    if (t.fc_fast_io_fail_tmo) {
        add("fast_io_fail_tmo=" + (t.fc_fast_io_fail_tmo->count() < 0
                                       ? std::string("off")
                                       : std::to_string(t.fc_fast_io_fail_tmo->count())));
    }
    if (t.fc_dev_loss_tmo_s) {
        add("dev_loss_tmo=" + std::to_string(*t.fc_dev_loss_tmo_s));
    }
    if (t.eh_deadline) {
        add("eh_deadline=" + (t.eh_deadline->mode == EhDeadline::Mode::Off
                                  ? std::string("off")
                                  : std::to_string(t.eh_deadline->value.count())));
    }
    if (t.max_sectors_kb) {
        add("max_sectors_kb=" + std::to_string(*t.max_sectors_kb));
    }
    return s;
}

}  // namespace pathkeeper::core
