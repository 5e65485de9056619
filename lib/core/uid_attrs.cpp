#include "core/uid_attrs.hpp"

namespace pathkeeper::core {

bool valid_udev_property_name(std::string_view name) noexcept {
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    for (char c : name) {
        const bool ok =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Result<std::vector<UidAttr>> parse_uid_attrs(std::string_view text) {
    std::vector<UidAttr> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t') {
            ++i;
        }
        if (i == start) {
            break;
        }
        const std::string_view record = text.substr(start, i - start);
        const std::size_t colon = record.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return Error(ErrorCode::InvalidArgument, "uid_attrs record \"" + std::string(record) +
                                                         "\" is not PREFIX:PROPERTY (e.g. sd:ID_SERIAL)");
        }
        const std::string_view property = record.substr(colon + 1);
        if (!valid_udev_property_name(property)) {
            return Error(ErrorCode::InvalidArgument, "uid_attrs record \"" + std::string(record) + "\": \"" +
                                                         std::string(property) +
                                                         "\" is not a udev property name");
        }
        out.push_back({std::string(record.substr(0, colon)), std::string(property)});
    }
    return out;
}

std::string wwid_property_for(std::string_view devnode, const std::vector<UidAttr>& uid_attrs,
                              std::string_view uid_attribute) {
    for (const UidAttr& a : uid_attrs) {
        if (devnode.starts_with(a.devnode_prefix)) {
            return a.property;
        }
    }
    return std::string(uid_attribute);
}

std::string wwid_property_of(const Config& config, std::string_view devnode, std::string_view vendor,
                             std::string_view product, std::string_view revision) {
    // The text was checked when the configuration was read; a record that does not parse is none at all.
    const auto attrs = parse_uid_attrs(resolve_global_options(config).uid_attrs.value);
    const std::string uid_attribute =
        resolve_map_options(config, "", vendor, product, revision).uid_attribute.value;
    return wwid_property_for(devnode, attrs ? *attrs : std::vector<UidAttr>{}, uid_attribute);
}

}  // namespace pathkeeper::core
