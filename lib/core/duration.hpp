#pragma once
// Durations as configuration text: "5s", "500ms", "2m", "1h", "1m30s", "0.5s".
// A bare number means seconds, as every time option in multipath.conf does.

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace pathkeeper::core {

using Millis = std::chrono::milliseconds;

// Parses a non-negative duration. Units: ms, s, m (minutes), h; several terms may follow each other
// ("1m30s"); each number may carry a decimal fraction ("1.5s") as long as the result is whole
// milliseconds. Errors (InvalidArgument) quote the offending text.
Result<Millis> parse_duration(std::string_view text);

// The shortest exact spelling parse_duration() reads back: "250ms", "5s", "2m", "1h", "1m30s", "0s".
std::string format_duration(Millis value);

}  // namespace pathkeeper::core
