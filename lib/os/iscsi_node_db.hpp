#pragma once
// open-iscsi's node database (/etc/iscsi/nodes on Debian): the settings iscsid logs each session in with.
// The daemon reads one value from it, the replacement_timeout the admin configured, because sysfs shows the
// session's current recovery_tmo, which is the daemon's own once it has set one (also after a restart).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace pathkeeper::os {

// Which record a logged-in session came from: all of it is in the session's sysfs attributes.
struct IscsiNodeKey {
    std::string target_iqn;  // targetname
    std::string address;     // persistent_address, as iscsiadm wrote it ("10.77.1.1", "fe80::1")
    std::string port;        // persistent_port
    std::string tpgt;        // tpgt
    std::string iface;       // ifacename ("default" unless the admin bound the node to an iface)
};

// node.session.timeo.replacement_timeout from a record's text ("key = value" lines, '#' comments); nullopt
// when the line is missing or its value is not a whole number of seconds.
std::optional<unsigned> replacement_timeout_from_record(std::string_view text);

// The value from the record at node_db/<iqn>/<address>,<port>,<tpgt>/<iface> (open-iscsi 2.x), or from
// node_db/<iqn>/<address>,<port>,<tpgt> when that is the record itself (the older flat layout). nullopt when
// there is no such record, or a key component could step outside node_db.
std::optional<unsigned> configured_replacement_timeout(const std::filesystem::path& node_db,
                                                       const IscsiNodeKey& key);

}  // namespace pathkeeper::os
