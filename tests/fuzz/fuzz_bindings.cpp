// /etc/multipath/bindings and wwids files, possibly corrupt: parsing keeps what is valid and never
// crashes; parse -> format -> parse is stable (same entries, nothing rejected the second time).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bindings.hpp"
#include "fuzz_check.hpp"

namespace {

void check_bindings(std::string_view text) {
    using namespace pathkeeper::core;
    const auto parsed = parse_bindings(text);
    if (!parsed.ok()) {
        FUZZ_CHECK(text.size() > bindings_max_text_bytes);
        return;
    }
    const Bindings& bindings = parsed.value().bindings;
    for (const auto& binding : bindings.entries()) {
        FUZZ_CHECK(valid_alias(binding.alias));
        FUZZ_CHECK(valid_wwid(binding.wwid));
        FUZZ_CHECK(bindings.wwid_for(binding.alias) == binding.wwid);
        if (const auto id = alias_id(binding.alias, default_alias_prefix); id.has_value()) {
            FUZZ_CHECK(alias_for_id(default_alias_prefix, *id) == binding.alias);
        }
    }
    const std::string formatted = format_bindings(bindings);
    const auto reparsed = parse_bindings(formatted);
    FUZZ_CHECK(reparsed.ok());
    FUZZ_CHECK(reparsed.value().rejected.empty());
    FUZZ_CHECK(reparsed.value().bindings == bindings);
    FUZZ_CHECK(format_bindings(reparsed.value().bindings) == formatted);
}

void check_known_wwids(std::string_view text) {
    using namespace pathkeeper::core;
    const auto parsed = parse_known_wwids(text);
    if (!parsed.ok()) {
        return;
    }
    const std::string formatted = format_known_wwids(parsed.value().wwids);
    const auto reparsed = parse_known_wwids(formatted);
    FUZZ_CHECK(reparsed.ok());
    FUZZ_CHECK(reparsed.value().rejected.empty());
    FUZZ_CHECK(reparsed.value().wwids == parsed.value().wwids);
    FUZZ_CHECK(format_known_wwids(reparsed.value().wwids) == formatted);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_bindings(text);
    check_known_wwids(text);
    return 0;
}
