// multipath.conf syntax and `pathctl config import`: never crashes, and (as import.hpp promises) the YAML
// the importer writes always passes config::parse_config.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "config/config_file.hpp"
#include "fuzz_check.hpp"
#include "migrate/import.hpp"
#include "migrate/multipath_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto syntax = pathkeeper::migrate::parse_multipath_conf(text, "fuzz.conf");
    const auto imported = pathkeeper::migrate::import_multipath_conf(text, "fuzz.conf");
    FUZZ_CHECK(syntax.ok() == imported.ok());
    if (!imported.ok()) {
        return 0;
    }
    const auto config = pathkeeper::config::parse_config(imported.value().yaml, "imported.yaml");
    if (!config.ok()) {
        std::fprintf(stderr, "imported YAML is rejected:\n%s\n--- errors:\n%s\n",
                     imported.value().yaml.c_str(), config.error().message.c_str());
    }
    FUZZ_CHECK(config.ok());
    return 0;
}
