#include "api/views.hpp"

#include <algorithm>
#include <initializer_list>

#include "core/text.hpp"

namespace pathkeeper::api {

const PathView* TopologyView::find_path(const std::string& devnode) const {
    auto it =
        std::find_if(paths.begin(), paths.end(), [&](const PathView& p) { return p.devnode == devnode; });
    return it == paths.end() ? nullptr : &*it;
}

const MapView* TopologyView::find_map(const std::string& name) const {
    auto it = std::find_if(maps.begin(), maps.end(), [&](const MapView& m) { return m.name == name; });
    return it == maps.end() ? nullptr : &*it;
}

bool is_failed_state(const std::string& checker_state) {
    return checker_state == "down" || checker_state == "shaky";
}

void update_counts(TopologyView& topology) {
    topology.manager.map_count = static_cast<std::uint32_t>(topology.maps.size());
    topology.manager.path_count = static_cast<std::uint32_t>(topology.paths.size());
    topology.manager.failed_path_count = static_cast<std::uint32_t>(
        std::count_if(topology.paths.begin(), topology.paths.end(),
                      [](const PathView& p) { return is_failed_state(p.checker_state); }));
}

namespace {

void fix(std::initializer_list<std::string*> fields) {
    for (std::string* field : fields) {
        if (!core::text::is_valid_utf8(*field))
            *field = core::text::to_valid_utf8(*field);
    }
}

}  // namespace

void make_valid_utf8(TopologyView& t) {
    fix({&t.manager.version, &t.manager.config_path});
    for (auto& m : t.maps) {
        fix({&m.name, &m.wwid, &m.dm_uuid, &m.dm_device, &m.dm_devt, &m.vendor, &m.product, &m.revision,
             &m.features, &m.hardware_handler, &m.no_path_retry});
        if (m.holder) {
            fix({&m.holder->device, &m.holder->kind, &m.holder->verdict, &m.holder->reason});
        }
        for (auto& g : m.groups) {
            fix({&g.selector, &g.state});
            for (auto& p : g.paths)
                fix({&p});
        }
    }
    for (auto& p : t.paths) {
        fix({&p.devnode, &p.devt, &p.wwid, &p.map, &p.hctl, &p.vendor, &p.product, &p.revision, &p.serial,
             &p.transport, &p.checker_state, &p.dm_state, &p.alua_state, &p.node_name, &p.target_iqn,
             &p.portal, &p.session_state, &p.registration, &p.registration_detail});
    }
}

}  // namespace pathkeeper::api
