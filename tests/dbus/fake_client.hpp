#pragma once
// FakeClient: a Client over an in-memory topology that records the calls it gets and can be told to fail.

#include <map>
#include <string>
#include <vector>

#include "cli/client.hpp"

namespace pathkeeper::testing {

class FakeClient final : public cli::Client {
public:
    api::TopologyView topology_value;
    std::string config_value = "defaults:\n  polling_interval: 5s\n";
    std::optional<cli::ClientError> next_error;    // returned by the next call, then cleared
    std::vector<std::string> calls;                // "fail_path sdb", ...
    std::vector<api::PathStateEvent> path_events;  // delivered by watch()
    std::vector<api::MapChangeEvent> map_events;

    cli::Reply<api::TopologyView> topology() override {
        calls.push_back("topology");
        if (auto e = take_error())
            return *e;
        return topology_value;
    }
    cli::Reply<std::vector<api::MapView>> maps() override {
        calls.push_back("maps");
        if (auto e = take_error())
            return *e;
        return topology_value.maps;
    }
    cli::Reply<std::vector<api::PathView>> paths() override {
        calls.push_back("paths");
        if (auto e = take_error())
            return *e;
        return topology_value.paths;
    }
    cli::Reply<api::ManagerView> status() override {
        calls.push_back("status");
        if (auto e = take_error())
            return *e;
        return topology_value.manager;
    }
    cli::Reply<std::string> config(bool explain) override {
        calls.push_back(explain ? "config explain" : "config");
        if (auto e = take_error())
            return *e;
        return config_value;
    }
    cli::Reply<std::string> explain_config(const std::string& target) override {
        calls.push_back("explain_config " + target);
        if (auto e = take_error())
            return *e;
        return "# per-map options of " + target + "\n" + config_value;
    }
    cli::Done fail_path(const std::string& devnode) override { return record("fail_path " + devnode); }
    cli::Done reinstate_path(const std::string& devnode) override {
        return record("reinstate_path " + devnode);
    }
    cli::Done remove_path(const std::string& devnode) override { return record("remove_path " + devnode); }
    cli::Done add_path(const std::string& devnode) override { return record("add_path " + devnode); }
    std::map<std::string, cli::ClientError> remove_map_errors;  // by map name: that map's removal refused
    std::string remove_map_outcome = "removed";
    cli::Reply<std::string> remove_map(const std::string& map, bool deferred) override {
        calls.push_back("remove_map " + map + (deferred ? " deferred" : ""));
        if (auto e = take_error())
            return *e;
        if (auto it = remove_map_errors.find(map); it != remove_map_errors.end())
            return it->second;
        return remove_map_outcome;
    }
    cli::Done add_map(const std::string& target) override { return record("add_map " + target); }
    api::ReservationView reservation_value;  // map and command are filled in from the request
    cli::Reply<api::ReservationView> reservation(const api::ReservationRequest& r) override {
        calls.push_back("reservation " + r.map + " " + r.command + (r.key.empty() ? "" : " key=" + r.key) +
                        (r.type.empty() ? "" : " type=" + r.type) +
                        (r.victim.empty() ? "" : " victim=" + r.victim) + (r.aptpl ? " aptpl" : ""));
        if (auto e = take_error())
            return *e;
        api::ReservationView v = reservation_value;
        v.map = r.map;
        v.command = r.command;
        return v;
    }
    cli::Done switch_group(const std::string& map, unsigned group) override {
        return record("switch_group " + map + " " + std::to_string(group));
    }
    cli::Done resize_map(const std::string& map) override { return record("resize_map " + map); }
    cli::Done set_queueing(const std::string& map, const std::string& control) override {
        return record("set_queueing " + (map.empty() ? std::string("<all>") : map) + " " + control);
    }
    std::vector<std::string> known_wwids_value;
    cli::Reply<std::vector<std::string>> known_wwids() override {
        calls.push_back("known_wwids");
        if (auto e = take_error())
            return *e;
        return known_wwids_value;
    }
    cli::Done edit_known_wwids(const std::string& edit, const std::string& target) override {
        return record("edit_known_wwids " + edit + (target.empty() ? std::string() : " " + target));
    }
    cli::Done reconfigure(const std::optional<std::pair<std::string, std::string>>& text) override {
        return record(text ? "load_config " + text->second + " " + std::to_string(text->first.size())
                           : std::string("reconfigure"));
    }
    cli::Done watch(const cli::WatchSink& sink, const std::function<bool()>& should_stop) override {
        calls.push_back("watch");
        if (auto e = take_error())
            return *e;
        for (const auto& e : path_events)
            sink.path_state_changed(e);
        for (const auto& e : map_events)
            sink.map_changed(e);
        while (!should_stop()) {
        }
        return cli::done();
    }

private:
    std::optional<cli::ClientError> take_error() {
        auto e = std::move(next_error);
        next_error.reset();
        return e;
    }
    cli::Done record(std::string call) {
        calls.push_back(std::move(call));
        if (auto e = take_error())
            return *e;
        return cli::done();
    }
};

}  // namespace pathkeeper::testing
