// dm-multipath table text: parse_table never crashes, and whatever it accepts is valid, formats to text
// that parses back to an equal table, and is equivalent to itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/dm_table.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pathkeeper::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_table(text);
    if (!parsed.ok()) {
        return 0;
    }
    const DmMultipathTable& table = parsed.value();
    FUZZ_CHECK(validate_table(table).ok());
    const std::string formatted = format_table(table);
    const auto reparsed = parse_table(formatted);
    if (!reparsed.ok()) {
        std::fprintf(stderr, "formatted table does not parse: '%s': %s\n", formatted.c_str(),
                     reparsed.error().message.c_str());
    }
    FUZZ_CHECK(reparsed.ok());
    FUZZ_CHECK(reparsed.value() == table);
    FUZZ_CHECK(format_table(reparsed.value()) == formatted);
    FUZZ_CHECK(tables_equivalent(table, table));
    FUZZ_CHECK(tables_equivalent(table, reparsed.value()));
    (void)has_feature(table, "queue_if_no_path");
    return 0;
}
