#include "fixtures.hpp"

#include <string>

namespace pathkeeper::testing {

namespace {

api::PathView iscsi_path(std::string dev, std::string devt, std::string hctl, std::string wwid,
                         std::string map, std::uint32_t group, std::string portal, int priority,
                         std::string alua) {
    api::PathView p;
    p.devnode = std::move(dev);
    p.devt = std::move(devt);
    p.hctl = std::move(hctl);
    p.wwid = std::move(wwid);
    p.map = std::move(map);
    p.group = group;
    p.vendor = "LIO-ORG";
    p.product = "disk01";
    p.revision = "4.0";
    p.serial = "b1f0c0de";
    p.transport = "iscsi";
    p.checker_state = "up";
    p.dm_state = "active";
    p.priority = priority;
    p.alua_state = std::move(alua);
    p.size_sectors = 2097152;
    p.target_iqn = "iqn.2003-01.org.linux-iscsi.target:sn.1";
    p.portal = std::move(portal);
    p.node_name = p.target_iqn;
    p.session_state = "LOGGED_IN";
    return p;
}

}  // namespace

api::TopologyView sample_topology() {
    api::TopologyView t;
    t.manager.version = "0.1.0";
    t.manager.config_path = "/etc/pathkeeper/pathkeeper.yaml";
    t.manager.checker_threads = 5;
    t.manager.hung_checks = 1;
    t.manager.queued_checks = 0;
    t.manager.hung_check_limit = 64;

    const std::string wwid_a = "36001405b1f0c0de0000000000000001";
    const std::string wwid_b = "36001405b1f0c0de0000000000000002";

    api::MapView a;
    a.name = "mpatha";
    a.wwid = wwid_a;
    a.dm_uuid = "mpath-" + wwid_a;
    a.dm_device = "dm-0";
    a.dm_devt = "253:0";
    a.vendor = "LIO-ORG";
    a.product = "disk01";
    a.revision = "4.0";
    a.size_sectors = 2097152;
    a.features = "1 queue_if_no_path";
    a.hardware_handler = "1 alua";
    a.no_path_retry = "queue";
    a.active_group = 1;
    a.groups = {{1, "service-time 0", 50, "active", {"sdb"}}, {2, "service-time 0", 10, "enabled", {"sdc"}}};
    t.maps.push_back(a);

    api::MapView b = a;
    b.name = "mpathb";
    b.wwid = wwid_b;
    b.dm_uuid = "mpath-" + wwid_b;
    b.dm_device = "dm-1";
    b.dm_devt = "253:1";
    b.product = "disk02";
    b.size_sectors = 20971520;
    b.features = "0";
    b.hardware_handler = "0";
    b.no_path_retry = "12";
    b.queueing_ends_at = 1796640000;
    b.groups = {{1, "round-robin 0", 1, "active", {"sdd", "sde"}}};
    b.holder = api::HolderView{"md0", "md raid1", true, "queue",
                               "md0 (raid1) is degraded: queue to protect the only copy"};
    t.maps.push_back(b);

    api::PathView sda;
    sda.devnode = "sda";
    sda.devt = "8:0";
    sda.hctl = "0:0:0:0";
    sda.wwid = "QEMU_HARDDISK_QM00001";
    sda.vendor = "ATA";
    sda.product = "QEMU HARDDISK";
    sda.transport = "other";
    sda.checker_state = "up";
    sda.dm_state = "unknown";
    sda.priority = 1;
    sda.size_sectors = 16777216;
    t.paths.push_back(sda);
    t.paths.push_back(
        iscsi_path("sdb", "8:16", "2:0:0:1", wwid_a, "mpatha", 1, "10.77.1.1:3260", 50, "active/optimized"));
    t.paths.push_back(iscsi_path("sdc", "8:32", "3:0:0:1", wwid_a, "mpatha", 2, "10.77.2.1:3260", 10,
                                 "active/non-optimized"));
    auto sdd = iscsi_path("sdd", "8:48", "2:0:0:2", wwid_b, "mpathb", 1, "10.77.1.1:3260", 1, "unknown");
    sdd.product = "disk02";
    sdd.size_sectors = 20971520;
    t.paths.push_back(sdd);
    auto sde = sdd;
    sde.devnode = "sde";
    sde.devt = "8:64";
    sde.hctl = "3:0:0:2";
    sde.portal = "10.77.2.1:3260";
    sde.node_name = sde.target_iqn;
    sde.checker_state = "down";
    sde.dm_state = "failed";
    sde.fail_count = 3;
    sde.session_state = "FAILED";
    t.paths.push_back(sde);
    api::update_counts(t);
    return t;
}

api::TopologyView large_topology(unsigned path_count) {
    api::TopologyView t;
    t.manager.version = "0.1.0";
    t.manager.config_path = "/etc/pathkeeper/pathkeeper.yaml";
    for (unsigned m = 0; m < path_count / 2; ++m) {
        auto wwid = "36001405" + std::to_string(100000000 + m) + "000000000000000";
        api::MapView map;
        map.name = "mpath" + std::to_string(m);
        map.wwid = wwid;
        map.dm_uuid = "mpath-" + wwid;
        map.dm_device = "dm-" + std::to_string(m);
        map.dm_devt = "253:" + std::to_string(m);
        map.vendor = "LIO-ORG";
        map.product = "disk";
        map.size_sectors = 2097152;
        map.no_path_retry = "queue";
        map.active_group = 1;
        std::string first = "sd" + std::to_string(2 * m);
        std::string second = "sd" + std::to_string(2 * m + 1);
        map.groups = {{1, "service-time 0", 50, "active", {first}},
                      {2, "service-time 0", 10, "enabled", {second}}};
        t.maps.push_back(map);
        for (unsigned i = 0; i < 2; ++i) {
            api::PathView p;
            p.devnode = i == 0 ? first : second;
            p.devt = "8:" + std::to_string(2 * m + i);
            p.hctl = std::to_string(2 + i) + ":0:0:" + std::to_string(m);
            p.wwid = wwid;
            p.map = map.name;
            p.group = i + 1;
            p.vendor = "LIO-ORG";
            p.product = "disk";
            p.transport = "iscsi";
            p.checker_state = "up";
            p.dm_state = "active";
            p.priority = i == 0 ? 50 : 10;
            p.portal = i == 0 ? "10.77.1.1:3260" : "10.77.2.1:3260";
            p.size_sectors = 2097152;
            t.paths.push_back(p);
        }
    }
    api::update_counts(t);
    return t;
}

}  // namespace pathkeeper::testing
