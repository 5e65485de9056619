// pathkeeper-mpathpersist entry point: the real sysfs, dm ioctl and SG_IO behind run().
#include <iostream>
#include <string_view>
#include <vector>

#include "cli/mpathpersist/run.hpp"
#include "os/scsi_persistent_reservations.hpp"

int main(int argc, char** argv) {
    using namespace pathkeeper;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    os::SgIoPersistentReservations transport;
    mpathpersist::Environment env;
    env.transport = &transport;
    env.out = &std::cout;
    env.err = &std::cerr;
    return mpathpersist::run(args, env);
}
