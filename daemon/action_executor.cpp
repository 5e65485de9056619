#include "daemon/action_executor.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "core/bindings.hpp"
#include "daemon/admin_map_removal.hpp"
#include "daemon/journal_events.hpp"
#include "daemon/partition_maps.hpp"

namespace pathkeeper::daemon {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

ports::LogContext split_context(const std::string& context) {
    const auto colon = context.find(": ");
    if (colon == std::string::npos) {
        return ports::LogContext{context, ""};
    }
    return ports::LogContext{context.substr(0, colon), context.substr(colon + 2)};
}

}  // namespace

ActionExecutor::ActionExecutor(Backend& backend, DmWorker& dm_worker, RegistrationSyncs& registration_syncs,
                               EventSink& sink, BusLink& bus, ports::Logger& logger,
                               std::string bindings_path, std::string wwids_path)
    : backend_(backend),
      dm_worker_(dm_worker),
      registration_syncs_(registration_syncs),
      sink_(sink),
      bus_(bus),
      logger_(logger),
      bindings_path_(std::move(bindings_path)),
      wwids_path_(std::move(wwids_path)) {}

void ActionExecutor::completed(const core::Action& action, const core::Result<void>& result) {
    if (result) {
        sink_.feed(core::ActionCompleted{action});
    } else {
        sink_.feed(core::ActionFailed{action, result.error()});
    }
    sink_.topology_changed();
}

const std::string& ActionExecutor::queue_of(const std::string& map) const {
    auto it = queue_of_map_.find(map);
    return it == queue_of_map_.end() ? map : it->second;
}

void ActionExecutor::submit_udev_synced(const std::string& map, UdevStart start, UdevFinish finish) {
    dm_worker_.submit_deferred(
        queue_of(map), [this, start = std::move(start), finish = std::move(finish)]() -> DmWorker::Poll {
            auto started = start();
            if (!started) {
                return [finish, error = started.error()]() -> std::optional<DmWorker::Continuation> {
                    return finish(error);
                };
            }
            return [this, finish, handle = *started]() -> std::optional<DmWorker::Continuation> {
                if (!backend_.dm->udev_done(handle)) {
                    return std::nullopt;
                }
                return finish(core::Result<void>{});
            };
        });
}

void ActionExecutor::keep_resuming(const std::string& map) {
    if (!suspended_maps_.insert(map).second) {
        return;  // already being resumed
    }
    logger_.log(core::LogLevel::Error, {map, ""},
                "left suspended by a failed reload: resuming it, retried with backoff, until it runs");
    sink_.topology_changed();
    struct Attempts {
        std::chrono::steady_clock::time_point next{};
        std::chrono::milliseconds backoff = kResumeRetryFirst;
        unsigned count = 0;
        std::optional<ports::DeviceMapper::UdevHandle> udev;  // a resume that succeeded, udev's work pending
    };
    auto attempts = std::make_shared<Attempts>();
    // A deferred job: between attempts the map's queue goes on (a reload or removal may end it all).
    dm_worker_.submit_deferred(queue_of(map), [this, map, attempts]() -> DmWorker::Poll {
        return [this, map, attempts]() -> std::optional<DmWorker::Continuation> {
            if (attempts->udev) {
                if (!backend_.dm->udev_done(*attempts->udev)) {
                    return std::nullopt;
                }
                return [this, map, count = attempts->count] {
                    suspended_maps_.erase(map);
                    logger_.log(core::LogLevel::Notice, {map, ""},
                                "resumed after " + std::to_string(count) + " attempts");
                    sink_.feed(core::DmEvent{map});  // read its status afresh
                    sink_.topology_changed();
                };
            }
            const auto now = std::chrono::steady_clock::now();
            if (now < attempts->next) {
                return std::nullopt;
            }
            ++attempts->count;
            auto info = backend_.dm->get_map(map);
            if (!info || !info->suspended) {
                // Gone, or resumed by someone else (a later reload): nothing left to do.
                return [this, map] {
                    suspended_maps_.erase(map);
                    sink_.topology_changed();
                };
            }
            auto resumed = backend_.dm->start_resume_map(map);
            if (resumed) {
                attempts->udev = *resumed;
                return std::nullopt;
            }
            attempts->next = now + attempts->backoff;
            attempts->backoff = std::min(attempts->backoff * 2, kResumeRetryMax);
            return std::nullopt;
        };
    });
}

void ActionExecutor::save_file(const core::Action& action, const std::string& path, const std::string& text) {
    // Small files on local disk: written on the loop thread (temp file, fsync, rename).
    completed(action, backend_.files->write_atomic(path, text));
}

void ActionExecutor::execute(const std::vector<core::Action>& actions) {
    const std::vector<std::optional<std::size_t>> lines = lines_of_publications(actions);
    std::vector<bool> carried(actions.size(), false);
    for (const auto& line : lines) {
        if (line) {
            carried[*line] = true;
        }
    }
    for (std::size_t i = 0; i < actions.size(); ++i) {
        if (carried[i]) {
            continue;  // the MESSAGE of its publication's entry
        }
        const core::Log* line = lines[i] ? std::get_if<core::Log>(&actions[*lines[i]]) : nullptr;
        if (const auto* path = std::get_if<core::PublishPathStateChange>(&actions[i])) {
            logger_.log_event(journal_entry(*path, line));
        } else if (const auto* map = std::get_if<core::PublishMapChange>(&actions[i])) {
            logger_.log_event(journal_entry(*map, line));
        }
        execute(actions[i]);
    }
}

void ActionExecutor::execute(const core::Action& action) {
    std::visit(
        Overloaded{
            [&](const core::CreateMap& a) {
                // The next maps are created while udev still works on this one; the create completes (and
                // /dev/mapper/NAME exists) when udev is done with it.
                submit_udev_synced(
                    a.name,
                    [this, a] {
                        return backend_.dm->start_create_map(a.name, a.uuid, a.size_sectors, a.table);
                    },
                    [this, a](const core::Result<void>& created) -> DmWorker::Continuation {
                        std::optional<core::DevT> devt;
                        if (created) {
                            if (auto info = backend_.dm->get_map(a.name)) {
                                devt = info->devt;
                            }
                        }
                        return [this, a, created, devt] {
                            if (devt) {
                                map_devices_[a.name] = *devt;
                            }
                            completed(a, created);
                        };
                    });
            },
            [&](const core::ReloadMap& a) {
                submit_udev_synced(
                    a.name,
                    [this, a] { return backend_.dm->start_reload_map(a.name, a.size_sectors, a.table); },
                    [this, a](const core::Result<void>& reloaded) -> DmWorker::Continuation {
                        // A reload whose resume failed may leave the map suspended: its I/O then waits until
                        // someone resumes it, so the daemon does, until it runs.
                        bool left_suspended = false;
                        if (!reloaded) {
                            auto info = backend_.dm->get_map(a.name);
                            left_suspended = info && info->suspended;
                        }
                        return [this, a, reloaded, left_suspended] {
                            if (left_suspended) {
                                keep_resuming(a.name);
                            }
                            completed(a, reloaded);
                        };
                    });
            },
            [&](const core::RemoveMap& a) {
                auto deferred_now = std::make_shared<bool>(false);
                submit_udev_synced(
                    a.name,
                    [this, a, deferred_now] {
                        // The daemon's own removals take the map's unused partition maps first too.
                        return start_admin_map_removal(*backend_.dm, backend_.holders, a, *deferred_now);
                    },
                    [this, a, deferred_now](const core::Result<void>& removed) -> DmWorker::Continuation {
                        return [this, a, removed, deferred = *deferred_now] {
                            if (removed || !a.by_admin) {
                                map_devices_.erase(a.name);
                            }
                            completed(a, removed);
                            if (a.by_admin && admin_removal_done_) {
                                admin_removal_done_(
                                    a, removed ? core::Result<std::string>(deferred ? "deferred" : "removed")
                                               : core::Result<std::string>(removed.error()));
                            }
                        };
                    });
            },
            [&](const core::RenameMap& a) {
                // Jobs for the new name queue behind the rename (and every earlier job of the map).
                const std::string queue = queue_of(a.old_name);
                queue_of_map_[a.new_name] = queue;
                auto partitions_left = std::make_shared<std::string>();
                submit_udev_synced(
                    a.old_name,
                    [this, a, partitions_left] {
                        if (backend_.holders != nullptr) {
                            *partitions_left = rename_partition_maps(*backend_.dm, *backend_.holders,
                                                                     a.old_name, a.new_name);
                        }
                        return backend_.dm->start_rename_map(a.old_name, a.new_name);
                    },
                    [this, a, partitions_left](const core::Result<void>& renamed) -> DmWorker::Continuation {
                        return [this, a, renamed, partitions_left] {
                            if (!partitions_left->empty()) {
                                logger_.log(core::LogLevel::Warning, {a.old_name, ""}, *partitions_left);
                            }
                            if (renamed) {
                                if (auto it = map_devices_.find(a.old_name); it != map_devices_.end()) {
                                    map_devices_[a.new_name] = it->second;
                                    map_devices_.erase(it);
                                }
                            }
                            completed(a, renamed);
                        };
                    });
            },
            [&](const core::DmMessage& a) {
                dm_worker_.submit(queue_of(a.map), [this, a]() -> DmWorker::Continuation {
                    auto sent = backend_.dm->send_message(a.map, a.message);
                    return [this, a, sent] { completed(a, sent); };
                });
            },
            [&](const core::ReadMapStatus& a) {
                dm_worker_.submit(queue_of(a.map), [this, a]() -> DmWorker::Continuation {
                    auto info = backend_.dm->get_map(a.map);
                    return [this, a, info] {
                        if (!info) {
                            sink_.feed(core::ActionFailed{a, info.error()});
                        } else if (!info->status) {
                            sink_.feed(core::ActionFailed{
                                a, core::Error{core::ErrorCode::InvalidArgument,
                                               "unreadable status: " + info->status_error}});
                        } else {
                            map_devices_[a.map] = info->devt;
                            sink_.feed(core::DmStatusRead{a.map, *info->status});
                        }
                        sink_.topology_changed();
                    };
                });
            },
            [&](const core::StartCheck& a) { start_check(a); },
            [&](const core::SyncRegistration& a) { registration_syncs_.start(a); },
            [&](const core::SetRecoveryTmo& a) {
                auto set = backend_.sysfs->set_iscsi_recovery_tmo(a.session_id,
                                                                  static_cast<unsigned>(a.value.count()));
                if (set) {
                    logger_.log(core::LogLevel::Info, {"", "session" + std::to_string(a.session_id)},
                                "recovery_tmo set to " + std::to_string(a.value.count()) + " s");
                }
                completed(a, set);
            },
            // Netlink round trips that take the socket's lock: off the loop, on a queue of their own ('/' is
            // in no map's name). The recovery_tmo write above them in the same batch has been done already.
            [&](const core::EndTcpConnection& a) {
                if (backend_.tcp_connections == nullptr) {
                    completed(a,
                              core::make_error(core::ErrorCode::NotSupported, "no TCP connection control"));
                    return;
                }
                dm_worker_.submit("/tcp connections", [this, a]() -> DmWorker::Continuation {
                    auto ended = backend_.tcp_connections->end_connections(a.local_address, a.remote_address,
                                                                           a.remote_port);
                    return [this, a, ended] {
                        const std::string session = "session" + std::to_string(a.session_id);
                        if (ended) {
                            logger_.log(core::LogLevel::Info, {"", session},
                                        "ended " + std::to_string(*ended) + " TCP connection(s) " +
                                            a.local_address + " -> " + a.remote_address + ":" +
                                            std::to_string(a.remote_port));
                            completed(a, core::Result<void>{});
                        } else {
                            completed(a, ended.error());
                        }
                    };
                });
            },
            // Sysfs writes that can block (a queue limit change waits for the queue to drain): on the map's
            // worker queue, so they also land before the table load that follows them.
            [&](const core::TunePath& a) {
                dm_worker_.submit(queue_of(a.map), [this, a]() -> DmWorker::Continuation {
                    auto done = backend_.sysfs->tune_path(a.devnode, a.tuning);
                    return [this, a, done] {
                        if (done) {
                            logger_.log(core::LogLevel::Info, {a.map, a.devnode},
                                        "set " + core::to_string(a.tuning));
                            if (!done->empty()) {
                                logger_.log(core::LogLevel::Notice, {a.map, a.devnode}, *done);
                            }
                            completed(a, core::Result<void>{});
                        } else {
                            completed(a, done.error());
                        }
                    };
                });
            },
            [&](const core::TuneMapDevice& a) {
                dm_worker_.submit(queue_of(a.map), [this, a]() -> DmWorker::Continuation {
                    auto done = backend_.sysfs->set_map_max_sectors_kb(a.map, a.max_sectors_kb);
                    return [this, a, done] {
                        if (done) {
                            logger_.log(core::LogLevel::Info, {a.map, ""},
                                        "max_sectors_kb set to " + std::to_string(a.max_sectors_kb));
                            if (!done->empty()) {
                                logger_.log(core::LogLevel::Notice, {a.map, ""}, *done);
                            }
                            completed(a, core::Result<void>{});
                        } else {
                            completed(a, done.error());
                        }
                    };
                });
            },
            [&](const core::TriggerUdevChange& a) {
                completed(a, backend_.sysfs->trigger_change_uevent(a.devnode));
            },
            [&](const core::SaveBindings& a) {
                save_file(a, bindings_path_, core::format_bindings(a.bindings));
            },
            [&](const core::SaveKnownWwids& a) {
                save_file(a, wwids_path_, core::format_known_wwids(a.wwids));
            },
            [&](const core::SaveReleasedWwids& a) {
                save_file(a, core::released_wwids_path(wwids_path_), core::format_known_wwids(a.wwids));
            },
            [&](const core::PublishPathStateChange& a) {
                bus_.path_state_changed(a);
                sink_.topology_changed();
            },
            [&](const core::PublishMapChange&) { sink_.topology_changed(); },
            [&](const core::Log& a) { logger_.log(a.level, split_context(a.context), a.message); },
        },
        action);
}

void ActionExecutor::start_check(const core::StartCheck& check) {
    if (check.checker == core::CheckerKind::None) {
        sink_.feed(core::CheckerResult{check.devnode, core::PathState::Up, "none checker: always up",
                                       check.check_id});
        return;
    }
    ports::CheckRequest request;
    request.devnode = check.devnode;
    request.kind = check.checker;
    request.timeout = check.timeout;
    request.check_id = check.check_id;
    request.prio = check.prio;
    request.prio_args = check.prio_args;
    request.probe_rdac = check.probe_rdac;
    backend_.pool->submit(request);
}

}  // namespace pathkeeper::daemon
