#include "api/arguments.hpp"

namespace pathkeeper::api {

namespace {

core::Error invalid(std::string message) {
    return core::Error{core::ErrorCode::InvalidArgument, std::move(message)};
}

bool kernel_disk_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':' || c == '!';
}

}  // namespace

bool printable(std::string_view text) {
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f)
            return false;
    }
    return true;
}

core::Result<std::string> parse_devnode_argument(std::string_view devnode) {
    if (devnode.starts_with("/dev/"))
        devnode.remove_prefix(5);
    if (devnode.empty() || devnode.size() > kMaxDevnodeLength)
        return invalid("path name must be 1 to 64 characters, like \"sdb\"");
    for (char c : devnode) {
        if (!kernel_disk_name_char(c))
            return invalid("path name contains characters no kernel disk name has");
    }
    return std::string(devnode);
}

core::Result<std::string> parse_map_name_argument(std::string_view name) {
    if (name.empty() || name.size() > kMaxMapNameLength || !printable(name) || name.find('/') != name.npos)
        return invalid("map name must be 1 to 127 printable characters without '/'");
    return std::string(name);
}

core::Result<std::string> parse_config_text_arguments(std::string_view text, std::string_view origin) {
    if (text.size() > kMaxConfigTextBytes)
        return invalid("configuration text larger than 1 MiB refused");
    if (origin.size() > kMaxOriginLength || !printable(origin))
        return invalid("origin must be at most 4096 printable characters");
    return origin.empty() ? std::string("<dbus>") : std::string(origin);
}

core::Result<std::string> parse_explain_target_argument(std::string_view target) {
    if (target.empty() || target.size() > kMaxExplainTargetLength || !printable(target))
        return invalid("explain target must be a map name, WWID or path of 1 to 256 printable characters");
    return std::string(target);
}

}  // namespace pathkeeper::api
