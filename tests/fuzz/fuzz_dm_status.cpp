// dm-multipath status text (`dmsetup status`, STATUSTYPE_INFO): never crashes; an accepted status is
// internally consistent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/dm_table.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pathkeeper::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_status(text);
    if (!parsed.ok()) {
        FUZZ_CHECK(!parsed.error().message.empty());
        return 0;
    }
    const DmMultipathStatus& status = parsed.value();
    FUZZ_CHECK(status.groups.size() <= dm_max_groups);
    FUZZ_CHECK(status.active_group() <= status.groups.size());
    std::size_t paths = 0;
    for (const auto& group : status.groups) {
        paths += group.paths.size();
        for (const auto& path : group.paths) {
            FUZZ_CHECK(path.selector_args.size() <= dm_max_args);
        }
    }
    FUZZ_CHECK(paths <= dm_max_paths);
    return 0;
}
