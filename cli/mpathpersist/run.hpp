#pragma once
// The whole tool behind main(): parse the command line, find the map's paths, send the command through
// lib/reservation, print the reply and pick the exit status. Every OS touch point is in Environment, so
// tests run it end to end on a fake sysfs tree and a simulated target.

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "cli/mpathpersist/exit_codes.hpp"
#include "cli/mpathpersist/map_paths.hpp"
#include "cli/mpathpersist/options.hpp"
#include "core/persistent_reservation.hpp"
#include "ports/persistent_reservations.hpp"

namespace pathkeeper::mpathpersist {

struct Environment {
    std::function<core::Result<core::DevT>(const std::string&)> device_number = block_device_number;
    std::filesystem::path sysfs_root = "/sys";
    DmStatusReader read_status = read_dm_status;
    ports::PersistentReservations* transport = nullptr;
    std::ostream* out = nullptr;
    std::ostream* err = nullptr;
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

// `args` excludes the program name. Returns the exit status.
int run(std::span<const std::string_view> args, const Environment& env);

// The exit status for a command that ended with `completion`, numbered as mpathpersist numbers them.
ExitCode exit_code_for(const core::ScsiCompletion& completion);

}  // namespace pathkeeper::mpathpersist
