#pragma once
// The mpathpersist command line, parsed into a request. Pure: no I/O, so every spelling fence agents use
// (combined short options, "--opt=value" and "--opt value", keys with or without "0x") is unit-tested.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/persistent_reservation.hpp"
#include "core/result.hpp"

namespace pathkeeper::mpathpersist {

inline constexpr const char* kProgramName = "pathkeeper-mpathpersist";

struct Request {
    bool help = false;
    // Exactly one of the two is set unless help is.
    std::optional<core::PrInAction> in_action;
    std::optional<core::PrOutAction> out_action;
    core::PrKey reservation_key = 0;            // --param-rk
    core::PrKey service_action_key = 0;         // --param-sark
    std::optional<core::PrType> type;           // --prout-type
    bool aptpl = false;                         // --param-aptpl
    bool all_tg_pt = false;                     // --param-alltgpt
    bool hex = false;                           // --hex: print the PR IN reply as bytes
    std::optional<std::uint16_t> alloc_length;  // --alloc-length: caps the PR IN allocation length
    int verbosity = 1;                          // 0 silent, 1 errors, 2 per-path detail, 3 more
    std::string device;
};

// Parses the arguments after the program name. Errors name the offending argument; every error is a usage
// error (exit status SyntaxError).
core::Result<Request> parse_options(std::span<const std::string_view> args);

// The --help text.
std::string usage_text();

}  // namespace pathkeeper::mpathpersist
