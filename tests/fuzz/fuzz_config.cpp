// pathkeeper.yaml front end: any text gives a Config or an error listing diagnostics, never a crash or an
// escaped yaml-cpp exception. parse_config and parse_config_report must agree on validity.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config_file.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = pathkeeper::config::parse_config(text, "fuzz.yaml");
    const auto report = pathkeeper::config::parse_config_report(text, "fuzz.yaml");
    FUZZ_CHECK(parsed.ok() == report.diagnostics.empty());
    if (!parsed.ok()) {
        FUZZ_CHECK(!parsed.error().message.empty());
    }
    for (const auto& diagnostic : report.diagnostics) {
        FUZZ_CHECK(!diagnostic.to_string().empty());
    }
    return 0;
}
