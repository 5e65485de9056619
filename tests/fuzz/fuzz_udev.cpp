// udev property text (`udevadm info`, --export-db) and kernel uevent datagrams: every parser gets the same
// bytes; none may crash, and what they accept respects the documented size caps.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/udev_properties.hpp"
#include "fuzz_check.hpp"

namespace {

void check_properties(const pathkeeper::core::UdevProperties& properties) {
    using namespace pathkeeper::core;
    FUZZ_CHECK(properties.size() <= udev_max_properties);
    for (const auto& [key, value] : properties) {
        FUZZ_CHECK(!key.empty());
        FUZZ_CHECK(key.size() <= udev_max_key_bytes);
        FUZZ_CHECK(value.size() <= udev_max_value_bytes);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace pathkeeper::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto properties = parse_udev_properties(text); properties.ok()) {
        check_properties(properties.value());
    }
    if (const auto record = parse_udev_record(text); record.ok()) {
        check_properties(record.value().properties);
    }
    if (const auto database = parse_udev_database(text); database.ok()) {
        FUZZ_CHECK(database.value().size() <= udev_max_records);
        for (const auto& record : database.value()) {
            check_properties(record.properties);
        }
    }
    if (const auto uevent = parse_uevent(text); uevent.ok()) {
        FUZZ_CHECK(size <= uevent_max_bytes);
        check_properties(uevent.value().properties);
        const auto& properties = uevent.value().properties;
        if (const auto action = properties.find("ACTION"); action != properties.end()) {
            FUZZ_CHECK(action->second == uevent.value().action);
        }
        if (const auto devpath = properties.find("DEVPATH"); devpath != properties.end()) {
            FUZZ_CHECK(devpath->second == uevent.value().devpath);
        }
    }
    return 0;
}
