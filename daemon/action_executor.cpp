#include "daemon/action_executor.hpp"

#include <optional>
#include <utility>

#include "core/bindings.hpp"

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

ActionExecutor::ActionExecutor(Backend& backend, DmWorker& dm_worker, EventSink& sink, BusLink& bus,
                               ports::Logger& logger, std::string bindings_path, std::string wwids_path)
    : backend_(backend),
      dm_worker_(dm_worker),
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

void ActionExecutor::submit_udev_synced(UdevStart start, UdevFinish finish) {
    dm_worker_.submit_deferred(
        [this, start = std::move(start), finish = std::move(finish)]() -> DmWorker::Poll {
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

void ActionExecutor::save_file(const core::Action& action, const std::string& path, const std::string& text) {
    // Small files on local disk: written on the loop thread (temp file, fsync, rename).
    completed(action, backend_.files->write_atomic(path, text));
}

void ActionExecutor::execute(const core::Action& action) {
    std::visit(
        Overloaded{
            [&](const core::CreateMap& a) {
                // The next maps are created while udev still works on this one; the create completes (and
                // /dev/mapper/NAME exists) when udev is done with it.
                submit_udev_synced(
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
                    [this, a] { return backend_.dm->start_reload_map(a.name, a.size_sectors, a.table); },
                    [this, a](const core::Result<void>& reloaded) -> DmWorker::Continuation {
                        return [this, a, reloaded] { completed(a, reloaded); };
                    });
            },
            [&](const core::RemoveMap& a) {
                submit_udev_synced(
                    [this, a] { return backend_.dm->start_remove_map(a.name, ports::RemoveOptions{}); },
                    [this, a](const core::Result<void>& removed) -> DmWorker::Continuation {
                        return [this, a, removed] {
                            map_devices_.erase(a.name);
                            completed(a, removed);
                        };
                    });
            },
            [&](const core::RenameMap& a) {
                submit_udev_synced(
                    [this, a] { return backend_.dm->start_rename_map(a.old_name, a.new_name); },
                    [this, a](const core::Result<void>& renamed) -> DmWorker::Continuation {
                        return [this, a, renamed] {
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
                dm_worker_.submit([this, a]() -> DmWorker::Continuation {
                    auto sent = backend_.dm->send_message(a.map, a.message);
                    return [this, a, sent] { completed(a, sent); };
                });
            },
            [&](const core::ReadMapStatus& a) {
                dm_worker_.submit([this, a]() -> DmWorker::Continuation {
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
            [&](const core::SetRecoveryTmo& a) {
                auto set = backend_.sysfs->set_iscsi_recovery_tmo(a.session_id,
                                                                  static_cast<unsigned>(a.value.count()));
                if (set) {
                    logger_.log(core::LogLevel::Info, {"", "session" + std::to_string(a.session_id)},
                                "recovery_tmo set to " + std::to_string(a.value.count()) + " s");
                }
                completed(a, set);
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
    backend_.pool->submit(request);
}

}  // namespace pathkeeper::daemon
