#include "cli/mpathpersist/options.hpp"

#include <charconv>
#include <vector>

namespace pathkeeper::mpathpersist {
namespace {

using core::Error;
using core::ErrorCode;

enum class Opt {
    In,
    Out,
    ReadKeys,
    ReadReservation,
    ReportCapabilities,
    ReadFullStatus,
    Register,
    RegisterIgnore,
    Reserve,
    Release,
    Clear,
    Preempt,
    PreemptAbort,
    ParamRk,
    ParamSark,
    ProutType,
    ParamAptpl,
    ParamAllTgPt,
    ParamSpecIPt,
    Device,
    Verbose,
    Help,
    Hex,
    AllocLength,
    TransportId,
    BatchFile,
};

struct OptionSpec {
    char short_name;
    const char* long_name;
    bool takes_value;
    Opt id;
};

constexpr OptionSpec kOptions[] = {
    {'i', "in", false, Opt::In},
    {'o', "out", false, Opt::Out},
    {'k', "read-keys", false, Opt::ReadKeys},
    {'r', "read-reservation", false, Opt::ReadReservation},
    {'c', "report-capabilities", false, Opt::ReportCapabilities},
    {'s', "read-full-status", false, Opt::ReadFullStatus},
    {'G', "register", false, Opt::Register},
    {'I', "register-ignore", false, Opt::RegisterIgnore},
    {'R', "reserve", false, Opt::Reserve},
    {'L', "release", false, Opt::Release},
    {'C', "clear", false, Opt::Clear},
    {'P', "preempt", false, Opt::Preempt},
    {'A', "preempt-abort", false, Opt::PreemptAbort},
    {'K', "param-rk", true, Opt::ParamRk},
    {'S', "param-sark", true, Opt::ParamSark},
    {'T', "prout-type", true, Opt::ProutType},
    {'Z', "param-aptpl", false, Opt::ParamAptpl},
    {'a', "param-alltgpt", false, Opt::ParamAllTgPt},
    {'Y', "param-spec-i-pt", false, Opt::ParamSpecIPt},
    {'d', "device", true, Opt::Device},
    {'v', "verbose", true, Opt::Verbose},
    {'h', "help", false, Opt::Help},
    {'H', "hex", false, Opt::Hex},
    {'l', "alloc-length", true, Opt::AllocLength},
    {'X', "transport-id", true, Opt::TransportId},
    {'b', "batch-file", true, Opt::BatchFile},
};

Error usage(std::string message) {
    return Error{ErrorCode::InvalidArgument, std::move(message)};
}

const OptionSpec* find_short(char c) {
    for (const auto& spec : kOptions) {
        if (spec.short_name == c) {
            return &spec;
        }
    }
    return nullptr;
}

// Exact long name, or an unambiguous prefix of one (getopt_long accepts those, so scripts may use them).
core::Result<const OptionSpec*> find_long(std::string_view name) {
    const OptionSpec* found = nullptr;
    int matches = 0;
    for (const auto& spec : kOptions) {
        const std::string_view full = spec.long_name;
        if (full == name) {
            return &spec;
        }
        if (full.starts_with(name)) {
            found = &spec;
            ++matches;
        }
    }
    if (matches == 1) {
        return found;
    }
    if (matches == 0) {
        return usage("unknown option '--" + std::string(name) + "'");
    }
    return usage("ambiguous option '--" + std::string(name) + "'");
}

std::string spelled(const OptionSpec& spec) {
    return std::string("--") + spec.long_name;
}

// A decimal number, or hex with "0x", in [min, max].
core::Result<unsigned long> parse_number(const OptionSpec& spec, std::string_view text, unsigned long min,
                                         unsigned long max) {
    int base = 10;
    std::string_view digits = text;
    if (digits.starts_with("0x") || digits.starts_with("0X")) {
        base = 16;
        digits.remove_prefix(2);
    }
    unsigned long value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value < min ||
        value > max) {
        return usage("bad value '" + std::string(text) + "' for " + spelled(spec) +
                     ": expected a number from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value;
}

class Parser {
public:
    core::Result<void> apply(const OptionSpec& spec, std::string_view value) {
        switch (spec.id) {
            case Opt::In:
                in_ = true;
                return {};
            case Opt::Out:
                out_ = true;
                return {};
            case Opt::ReadKeys:
                in_actions_.push_back(core::PrInAction::ReadKeys);
                return {};
            case Opt::ReadReservation:
                in_actions_.push_back(core::PrInAction::ReadReservation);
                return {};
            case Opt::ReportCapabilities:
                in_actions_.push_back(core::PrInAction::ReportCapabilities);
                return {};
            case Opt::Register:
                out_actions_.push_back(core::PrOutAction::Register);
                return {};
            case Opt::RegisterIgnore:
                out_actions_.push_back(core::PrOutAction::RegisterAndIgnoreExistingKey);
                return {};
            case Opt::Reserve:
                out_actions_.push_back(core::PrOutAction::Reserve);
                return {};
            case Opt::Release:
                out_actions_.push_back(core::PrOutAction::Release);
                return {};
            case Opt::Clear:
                out_actions_.push_back(core::PrOutAction::Clear);
                return {};
            case Opt::Preempt:
                out_actions_.push_back(core::PrOutAction::Preempt);
                return {};
            case Opt::PreemptAbort:
                out_actions_.push_back(core::PrOutAction::PreemptAndAbort);
                return {};
            case Opt::ParamRk:
            case Opt::ParamSark: {
                auto key = core::parse_pr_key(value);
                if (!key) {
                    return usage("bad key for " + spelled(spec) + ": " + key.error().message);
                }
                (spec.id == Opt::ParamRk ? request_.reservation_key : request_.service_action_key) = *key;
                return {};
            }
            case Opt::ProutType: {
                auto type = core::parse_pr_type(value);
                if (!type) {
                    return usage("bad value for " + spelled(spec) + ": " + type.error().message);
                }
                request_.type = *type;
                return {};
            }
            case Opt::ParamAptpl:
                request_.aptpl = true;
                return {};
            case Opt::ParamAllTgPt:
                request_.all_tg_pt = true;
                return {};
            case Opt::Device:
                return set_device(value, spelled(spec));
            case Opt::Verbose: {
                auto level = parse_number(spec, value, 0, 9);
                if (!level) {
                    return level.error();
                }
                request_.verbosity = static_cast<int>(*level);
                return {};
            }
            case Opt::Help:
                request_.help = true;
                return {};
            case Opt::Hex:
                request_.hex = true;
                return {};
            case Opt::AllocLength: {
                auto length = parse_number(spec, value, 1, core::kPrInMaxAllocationLength);
                if (!length) {
                    return length.error();
                }
                request_.alloc_length = static_cast<std::uint16_t>(*length);
                return {};
            }
            case Opt::ReadFullStatus:
                return usage(spelled(spec) + " (-s) is not supported: READ FULL STATUS is not implemented");
            case Opt::ParamSpecIPt:
            case Opt::TransportId:
                return usage(spelled(spec) +
                             " is not supported: registering other initiators' transport IDs "
                             "is not implemented");
            case Opt::BatchFile:
                return usage(spelled(spec) + " (-b) is not supported: run one command per invocation");
        }
        return usage("unhandled option " + spelled(spec));
    }

    core::Result<void> set_device(std::string_view value, const std::string& where) {
        if (value.empty()) {
            return usage("empty device name for " + where);
        }
        if (!request_.device.empty() && request_.device != value) {
            return usage("two devices given ('" + request_.device + "' and '" + std::string(value) +
                         "'); one command works on one map");
        }
        request_.device = std::string(value);
        return {};
    }

    core::Result<Request> finish() {
        if (request_.help) {
            return request_;
        }
        if (in_ && out_) {
            return usage("--in (-i) and --out (-o) given together; choose one");
        }
        if (!in_actions_.empty() && !out_actions_.empty()) {
            return usage("PR IN and PR OUT service actions given together; choose one");
        }
        if (out_ && !in_actions_.empty()) {
            return usage(std::string("--") + in_name(in_actions_.front()) +
                         " is a PR IN action; it needs --in");
        }
        if (in_ && !out_actions_.empty()) {
            return usage(std::string("--") + out_name(out_actions_.front()) +
                         " is a PR OUT action; it needs --out");
        }
        const bool in = in_ || !in_actions_.empty();
        const bool out = out_ || !out_actions_.empty();
        if (!in && !out) {
            return usage(
                "no operation given: use --in (-i) or --out (-o) with a service action (see --help)");
        }
        if (in_actions_.size() > 1 || out_actions_.size() > 1) {
            return usage("more than one service action given; one command sends one");
        }
        if (in) {
            // Like sg_persist, a bare --in reads the keys.
            request_.in_action = in_actions_.empty() ? core::PrInAction::ReadKeys : in_actions_.front();
        } else {
            if (out_actions_.empty()) {
                return usage(
                    "--out needs a service action: --register, --register-ignore, --reserve, "
                    "--release, --clear, --preempt or --preempt-abort");
            }
            request_.out_action = out_actions_.front();
            if (needs_type(*request_.out_action) && !request_.type) {
                return usage(std::string("--") + out_name(*request_.out_action) +
                             " needs --prout-type (-T), e.g. --prout-type=5");
            }
            if (request_.hex) {
                return usage("--hex only applies to --in");
            }
        }
        if (request_.device.empty()) {
            return usage("no device given: name a multipath map with --device (-d) or as the last argument");
        }
        return request_;
    }

private:
    static bool needs_type(core::PrOutAction action) {
        return action == core::PrOutAction::Reserve || action == core::PrOutAction::Release ||
               action == core::PrOutAction::Preempt || action == core::PrOutAction::PreemptAndAbort;
    }
    static const char* in_name(core::PrInAction action) {
        switch (action) {
            case core::PrInAction::ReadKeys:
                return "read-keys";
            case core::PrInAction::ReadReservation:
                return "read-reservation";
            case core::PrInAction::ReportCapabilities:
                return "report-capabilities";
        }
        return "?";
    }
    static const char* out_name(core::PrOutAction action) {
        for (const auto& spec : kOptions) {
            const bool match = (spec.id == Opt::Register && action == core::PrOutAction::Register) ||
                               (spec.id == Opt::RegisterIgnore &&
                                action == core::PrOutAction::RegisterAndIgnoreExistingKey) ||
                               (spec.id == Opt::Reserve && action == core::PrOutAction::Reserve) ||
                               (spec.id == Opt::Release && action == core::PrOutAction::Release) ||
                               (spec.id == Opt::Clear && action == core::PrOutAction::Clear) ||
                               (spec.id == Opt::Preempt && action == core::PrOutAction::Preempt) ||
                               (spec.id == Opt::PreemptAbort && action == core::PrOutAction::PreemptAndAbort);
            if (match) {
                return spec.long_name;
            }
        }
        return "?";
    }

    Request request_;
    bool in_ = false;
    bool out_ = false;
    std::vector<core::PrInAction> in_actions_;
    std::vector<core::PrOutAction> out_actions_;
};

}  // namespace

core::Result<Request> parse_options(std::span<const std::string_view> args) {
    Parser parser;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (options_done || arg.size() < 2 || arg.front() != '-') {
            if (auto set = parser.set_device(arg, "the device argument"); !set) {
                return set.error();
            }
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg.starts_with("--")) {
            std::string_view name = arg.substr(2);
            std::optional<std::string_view> inline_value;
            if (const auto eq = name.find('='); eq != std::string_view::npos) {
                inline_value = name.substr(eq + 1);
                name = name.substr(0, eq);
            }
            auto spec = find_long(name);
            if (!spec) {
                return spec.error();
            }
            std::string_view value;
            if ((*spec)->takes_value) {
                if (inline_value) {
                    value = *inline_value;
                } else if (i + 1 < args.size()) {
                    value = args[++i];
                } else {
                    return usage("option " + spelled(**spec) + " needs a value");
                }
            } else if (inline_value) {
                return usage("option " + spelled(**spec) + " takes no value (got '" + std::string(arg) +
                             "')");
            }
            if (auto applied = parser.apply(**spec, value); !applied) {
                return applied.error();
            }
            continue;
        }
        // A cluster of short options ("-ik"); one that takes a value ends the cluster ("-T5" or "-T 5").
        for (std::size_t j = 1; j < arg.size(); ++j) {
            const OptionSpec* spec = find_short(arg[j]);
            if (spec == nullptr) {
                return usage("unknown option '-" + std::string(1, arg[j]) + "' in '" + std::string(arg) +
                             "'");
            }
            std::string_view value;
            if (spec->takes_value) {
                if (j + 1 < arg.size()) {
                    value = arg.substr(j + 1);
                } else if (i + 1 < args.size()) {
                    value = args[++i];
                } else {
                    return usage("option -" + std::string(1, spec->short_name) + " (" + spelled(*spec) +
                                 ") needs a value");
                }
                j = arg.size();
            }
            if (auto applied = parser.apply(*spec, value); !applied) {
                return applied.error();
            }
        }
    }
    return parser.finish();
}

std::string usage_text() {
    return std::string("Usage: ") + kProgramName +
           " [OPTIONS] [DEVICE]\n"
           "Sends SCSI-3 persistent reservation commands to the paths of a dm-multipath map, directly\n"
           "(no daemon needed). Options and output follow mpathpersist.\n"
           "\n"
           "  -d, --device=DEV           the map: /dev/mapper/NAME or /dev/dm-N\n"
           "  -i, --in                   PERSISTENT RESERVE IN\n"
           "    -k, --read-keys          list the registered keys (default for --in)\n"
           "    -r, --read-reservation   show the reservation holder\n"
           "    -c, --report-capabilities\n"
           "  -o, --out                  PERSISTENT RESERVE OUT\n"
           "    -G, --register           register --param-sark, replacing --param-rk (all paths)\n"
           "    -I, --register-ignore    register --param-sark, ignoring any existing key (all paths)\n"
           "    -R, --reserve            reserve with --param-rk and --prout-type\n"
           "    -L, --release            release the reservation of --param-rk\n"
           "    -C, --clear              remove every registration and the reservation\n"
           "    -P, --preempt            preempt --param-sark's registration with --param-rk\n"
           "    -A, --preempt-abort      as --preempt, and abort the victim's commands\n"
           "  -K, --param-rk=KEY         reservation key, hex with or without 0x\n"
           "  -S, --param-sark=KEY       service action reservation key, hex\n"
           "  -T, --prout-type=TYPE      1 WE, 3 EA, 5 WERO, 6 EARO, 7 WEAR, 8 EAAR\n"
           "  -Z, --param-aptpl          persist through power loss\n"
           "  -a, --param-alltgpt        register through all target ports\n"
           "  -H, --hex                  print the PR IN reply as hex bytes\n"
           "  -l, --alloc-length=LEN     cap the PR IN allocation length, in bytes\n"
           "  -v, --verbose=N            0 silent, 1 errors (default), 2 per-path detail\n"
           "  -h, --help                 this text\n"
           "Not supported: -s/--read-full-status, -X/--transport-id, -Y/--param-spec-i-pt, -b/--batch-file.\n"
           "Exit status: 0 success, 1 syntax error, 5 illegal request, 6 unit attention, 7 not supported by\n"
           "the target, 11 reservation conflict, 12 device missing, 13 not a multipath map or no usable\n"
           "path, 15 other error.\n";
}

}  // namespace pathkeeper::mpathpersist
