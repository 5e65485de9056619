// Duration text ("1m30s", "0.5s", "250ms"): never crashes; an accepted value is non-negative and its
// formatted spelling reads back to the same value and is a fixed point of format(parse(.)).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/duration.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pathkeeper::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_duration(text);
    if (!parsed.ok()) {
        return 0;
    }
    FUZZ_CHECK(parsed.value().count() >= 0);
    const std::string formatted = format_duration(parsed.value());
    const auto reparsed = parse_duration(formatted);
    FUZZ_CHECK(reparsed.ok());
    FUZZ_CHECK(reparsed.value() == parsed.value());
    FUZZ_CHECK(format_duration(reparsed.value()) == formatted);
    return 0;
}
