// SCSI VPD page 0x83 bytes (sysfs vpd_pg83 / SG_IO reply) and the WWID derived from them; the same bytes
// also go through the sysfs `wwid` attribute converter and udev's serial clean-up.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/vpd.hpp"
#include "fuzz_check.hpp"

namespace {

// udev_clean_serial keeps [0-9A-Za-z#+-.:=@_] and valid UTF-8 (bytes >= 0x80); nothing else survives.
bool looks_clean(std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= ' ' || byte == 0x7f) {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pathkeeper::core;
    const std::span<const std::uint8_t> bytes(data, size);
    if (const auto page = parse_vpd_pg83(bytes); page.ok()) {
        for (const auto& designator : page.value().designators) {
            FUZZ_CHECK(designator.offset < size);
            FUZZ_CHECK(designator.offset + 4 + designator.value.size() <= size);
        }
        if (const auto wwid = wwid_from_vpd_pg83(page.value()); wwid.ok()) {
            FUZZ_CHECK(!wwid.value().empty());
            FUZZ_CHECK(wwid.value().size() <= wwid_max_chars);
            FUZZ_CHECK(valid_wwid(wwid.value()));
        }
        (void)target_port_group(page.value());
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto wwid = wwid_from_sysfs_wwid(text); wwid.ok()) {
        FUZZ_CHECK(wwid.value().size() <= wwid_max_chars);
        FUZZ_CHECK(valid_wwid(wwid.value()));
    }
    const std::string cleaned = udev_clean_serial(text);
    FUZZ_CHECK(looks_clean(cleaned));
    FUZZ_CHECK(udev_clean_serial(cleaned) == cleaned);
    return 0;
}
