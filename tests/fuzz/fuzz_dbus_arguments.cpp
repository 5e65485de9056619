// What arrives over D-Bus before the engine sees it: the Manager's method arguments (path and map names,
// known-WWIDs targets, LoadConfig's origin), object path components, and the strings every published view
// carries (INQUIRY bytes, names from config files) on their way to D-Bus and JSON. Nothing may crash; what
// the checks accept must be what the daemon can safely use; publishing must never fail on odd bytes.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "api/arguments.hpp"
#include "api/json.hpp"
#include "api/views.hpp"
#include "core/text.hpp"
#include "core/wwid.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace pathkeeper;

bool kernel_disk_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '!';
}

void check_devnode(const std::string& raw) {
    const auto dev = api::parse_devnode_argument(raw);
    if (!dev) {
        FUZZ_CHECK(dev.error().code == core::ErrorCode::InvalidArgument);
        FUZZ_CHECK(!dev.error().message.empty());
        return;
    }
    FUZZ_CHECK(!dev->empty() && dev->size() <= api::kMaxDevnodeLength);
    for (char c : *dev)
        FUZZ_CHECK(kernel_disk_name_char(c));  // no '/', no "..": it can never escape /dev or /sys/block
    FUZZ_CHECK(raw == *dev || raw == "/dev/" + *dev);
}

// SwitchGroup's, SetQueueing's and RemoveMap's map.
void check_map_name(const std::string& raw) {
    const auto name = api::parse_map_name_argument(raw);
    if (!name) {
        FUZZ_CHECK(name.error().code == core::ErrorCode::InvalidArgument);
        return;
    }
    FUZZ_CHECK(*name == raw);
    FUZZ_CHECK(!name->empty() && name->size() <= api::kMaxMapNameLength);
    FUZZ_CHECK(name->find('/') == std::string::npos);
    FUZZ_CHECK(api::printable(*name));
}

void check_origin(const std::string& text, const std::string& origin) {
    const auto checked = api::parse_config_text_arguments(text, origin);
    if (!checked)
        return;
    FUZZ_CHECK(!checked->empty());
    FUZZ_CHECK(api::printable(*checked));
}

// AddKnownWwid / RemoveKnownWwid's and AddMap's target, with one known path "sdb": what is accepted is a WWID
// that can go into the known-WWIDs file (one "/wwid/" line).
void check_wwid_target(const std::string& raw) {
    const auto wwid = core::resolve_wwid_target(raw, [](std::string_view dev) -> std::optional<std::string> {
        return dev == "sdb" ? std::optional<std::string>("3600a") : std::nullopt;
    });
    if (!wwid) {
        FUZZ_CHECK(wwid.error().code == core::ErrorCode::InvalidArgument);
        FUZZ_CHECK(!wwid.error().message.empty());
        return;
    }
    FUZZ_CHECK(core::valid_wwid(*wwid));
    if (raw == "sdb" || raw == "/dev/sdb")
        FUZZ_CHECK(*wwid == "3600a");
    else
        FUZZ_CHECK(*wwid == raw);
}

void check_utf8(const std::string& raw) {
    const std::string fixed = core::text::to_valid_utf8(raw);
    FUZZ_CHECK(core::text::is_valid_utf8(fixed));
    if (core::text::is_valid_utf8(raw))
        FUZZ_CHECK(fixed == raw);  // valid text is never touched
    FUZZ_CHECK(core::text::to_valid_utf8(fixed) == fixed);
}

// A topology whose strings are fuzz bytes: after make_valid_utf8 every string is valid UTF-8 and the JSON
// documents pathctl prints serialise without throwing.
void check_published_topology(FuzzedDataProvider& in) {
    api::TopologyView t;
    t.manager.version = in.ConsumeRandomLengthString(64);
    const auto map_count = in.ConsumeIntegralInRange<unsigned>(0, 3);
    for (unsigned i = 0; i < map_count; ++i) {
        api::MapView m;
        m.name = in.ConsumeRandomLengthString(64);
        m.vendor = in.ConsumeRandomLengthString(16);
        m.product = in.ConsumeRandomLengthString(32);
        m.features = in.ConsumeRandomLengthString(32);
        api::GroupView g;
        g.index = 1;
        g.selector = in.ConsumeRandomLengthString(32);
        g.paths.push_back(in.ConsumeRandomLengthString(16));
        m.groups.push_back(g);
        t.maps.push_back(m);
    }
    const auto path_count = in.ConsumeIntegralInRange<unsigned>(0, 3);
    for (unsigned i = 0; i < path_count; ++i) {
        api::PathView p;
        p.devnode = in.ConsumeRandomLengthString(16);
        p.vendor = in.ConsumeRandomLengthString(16);
        p.product = in.ConsumeRandomLengthString(32);
        p.serial = in.ConsumeRandomLengthString(64);
        p.target_iqn = in.ConsumeRandomLengthString(64);
        p.checker_state = in.ConsumeRandomLengthString(16);
        t.paths.push_back(p);
    }
    api::make_valid_utf8(t);
    for (const auto& m : t.maps) {
        FUZZ_CHECK(core::text::is_valid_utf8(m.name) && core::text::is_valid_utf8(m.vendor));
        FUZZ_CHECK(core::text::is_valid_utf8(m.groups.front().paths.front()));
    }
    for (const auto& p : t.paths)
        FUZZ_CHECK(core::text::is_valid_utf8(p.serial) && core::text::is_valid_utf8(p.target_iqn));
    api::update_counts(t);
    FUZZ_CHECK(!api::dump_json(api::topology_document(t), 2).empty());
    FUZZ_CHECK(!api::dump_json(api::paths_document(t.paths)).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const std::string first = in.ConsumeRandomLengthString(256);
    const std::string second = in.ConsumeRandomLengthString(4200);
    check_devnode(first);
    check_map_name(first);
    check_origin(first, second);
    check_wwid_target(first);
    check_utf8(first);
    check_utf8(second);
    check_published_topology(in);
    return 0;
}
