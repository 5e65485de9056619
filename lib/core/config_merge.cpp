#include "core/config_merge.hpp"

#include <string_view>
#include <type_traits>
#include <utility>

namespace pathkeeper::core {
namespace {

// Copies every option `later` sets over `into`, with its location. The option lists are walked by name:
// for_each_*_option is the one list of fields, and a field is matched to its namesake of the same type.
template <typename Options, typename ForEach>
void take_set_options(Options& into, Options& later, ForEach for_each) {
    for_each(into, [&](const char* name, auto& field) {
        for_each(later, [&](const char* other, auto& value) {
            if constexpr (std::is_same_v<std::decay_t<decltype(field)>, std::decay_t<decltype(value)>>) {
                if (value && std::string_view(name) == other) {
                    field = value;
                    into.locations[name] = later.locations[name];
                }
            }
        });
    });
}

template <typename T>
void append(std::vector<T>& into, std::vector<T>& later) {
    into.insert(into.end(), std::make_move_iterator(later.begin()), std::make_move_iterator(later.end()));
}

void append_rules(BlacklistRules& into, BlacklistRules& later) {
    append(into.devnode, later.devnode);
    append(into.wwid, later.wwid);
    append(into.device, later.device);
    append(into.property, later.property);
    append(into.protocol, later.protocol);
}

}  // namespace

std::vector<MergeProblem> merge_config(Config& into, Config later) {
    std::vector<MergeProblem> problems;
    take_set_options(into.defaults.global, later.defaults.global,
                     [](auto& o, auto&& f) { for_each_global_option(o, f); });
    take_set_options(into.defaults.map, later.defaults.map,
                     [](auto& o, auto&& f) { for_each_map_option(o, f); });
    take_set_options(into.overrides, later.overrides, [](auto& o, auto&& f) { for_each_map_option(o, f); });
    append(into.devices, later.devices);
    append_rules(into.blacklist, later.blacklist);
    append_rules(into.blacklist_exceptions, later.blacklist_exceptions);

    // Two files both naming a WWID (or giving one alias to two WWIDs) is the same mistake as writing it
    // twice in one file, which the YAML front end refuses: which entry should win is not obvious.
    for (std::size_t i = 0; i < later.multipaths.size(); ++i) {
        MultipathEntry& entry = later.multipaths[i];
        const std::string key = "multipaths[" + std::to_string(i) + "]";
        bool clash = false;
        for (const auto& earlier : into.multipaths) {
            if (earlier.wwid == entry.wwid) {
                problems.push_back(
                    {entry.where, key + ".wwid",
                     "duplicate WWID " + entry.wwid + " (first at " + earlier.where.to_string() + ")"});
                clash = true;
                break;
            }
            if (entry.alias && earlier.alias == entry.alias) {
                problems.push_back({entry.where, key + ".alias",
                                    "duplicate alias " + *entry.alias + " (already used for WWID " +
                                        earlier.wwid + " at " + earlier.where.to_string() + ")"});
                clash = true;
                break;
            }
        }
        if (!clash) {
            into.multipaths.push_back(std::move(entry));
        }
    }
    into.drop_in_files.push_back(std::move(later.source_file));
    return problems;
}

}  // namespace pathkeeper::core
