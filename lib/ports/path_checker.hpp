#pragma once
// Port: a path checker. check() BLOCKS (SG_IO, O_DIRECT read) and is only ever called inside a worker thread
// of the WorkerPool, never from the event loop. Implementations must be safe to call from several threads at
// once.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/config.hpp"
#include "core/model.hpp"

namespace pathkeeper::ports {

struct CheckRequest {
    std::string devnode;      // "sdb" (the device opened is /dev/<devnode>, or device_path if set)
    std::string device_path;  // optional override, e.g. a test device; empty means "/dev/" + devnode
    // Tur: SCSI TEST UNIT READY through SG_IO; Directio: O_DIRECT read of the first block. Never None: a path
    // without a checker is not submitted.
    core::CheckerKind kind = core::CheckerKind::Tur;
    std::chrono::milliseconds timeout{30000};  // SG_IO timeout / directio deadline
    std::uint64_t check_id = 0;  // the engine's StartCheck::check_id, returned with the completion
    // An array prioritizer to measure on the path after the check (rdac, hp_sw, emc, ontap, hds,
    // path_latency), with its prio_args; and whether to read INQUIRY page 0xC9 for detect_checker.
    std::optional<core::PrioKind> prio;
    std::string prio_args;
    bool probe_rdac = false;

    std::string path() const { return device_path.empty() ? "/dev/" + devnode : device_path; }
};

// state is Up, Down or Ghost (standby / not-ready port). The WorkerPool may also produce Down with a
// "timed out" message for a check that overran its deadline, and Pending is never returned by check() itself.
struct CheckOutcome {
    CheckOutcome() = default;
    CheckOutcome(core::PathState s, std::string m) : state(s), message(std::move(m)) {}

    core::PathState state = core::PathState::Down;
    std::string message;  // human text for logs: "tur checker reports path is up", "sense 2/04/0b: standby"
    std::optional<int> priority;       // the requested prioritizer's answer; nullopt when it could not tell
    std::optional<bool> reports_rdac;  // page 0xC9 said "vac1"; nullopt unless asked (or no answer)
};

class PathChecker {
public:
    virtual ~PathChecker() = default;
    virtual CheckOutcome check(const CheckRequest& request) = 0;
    // The path is gone (udev removed it): release whatever is held for it, such as its open device, so that
    // a later disk given the same name is opened afresh. Called from the event loop, possibly while a check
    // of that path still runs in a worker (which keeps what it uses until it returns).
    virtual void forget(const std::string& devnode) = 0;
};

}  // namespace pathkeeper::ports
