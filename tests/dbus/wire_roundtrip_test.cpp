// The wire format has two implementations: the daemon encodes with sdbus-c++ (api/dbus_codec), pathctl
// decodes with plain sd-bus (api/sd_bus_codec, through cli::DbusClient). These tests put both on a private
// bus and check that every field of every view arrives as sent, and that errors keep their kinds.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "api/dbus_codec.hpp"
#include "cli/dbus_client.hpp"

namespace pathkeeper {
namespace {

using namespace std::chrono_literals;

// Every field set, each to a value no other field of its type has; optional parts present.
api::TopologyView full_topology() {
    api::TopologyView t;
    t.manager = {"9.8.7", "/etc/pk.yaml", 2, 3, 1, 4, 5, 6, 7};
    api::MapView m;
    m.name = "mpatha";
    m.wwid = "3600a0b80";
    m.dm_uuid = "mpath-3600a0b80";
    m.dm_device = "dm-3";
    m.dm_devt = "253:3";
    m.vendor = "VEND";
    m.product = "PROD";
    m.revision = "0001";
    m.size_sectors = 1ULL << 40;
    m.features = "1 queue_if_no_path";
    m.hardware_handler = "1 alua";
    m.no_path_retry = "12";
    m.queueing = true;
    m.queueing_ends_at = -1234567890123LL;
    m.active_group = 2;
    m.groups = {api::GroupView{1, "service-time 0", -50, "enabled", {"sdb", "sdc"}},
                api::GroupView{2, "round-robin 0", 10, "active", {"sdd"}}};
    m.suspended = true;
    m.holder = api::HolderView{"md0", "md raid1", true, "fail", "md0 has another leg"};
    t.maps.push_back(m);
    api::MapView plain;
    plain.name = "mpathb";
    plain.wwid = "mpathb-wwid";
    t.maps.push_back(plain);

    api::PathView p;
    p.devnode = "sdb";
    p.devt = "8:16";
    p.wwid = "3600a0b80";
    p.map = "mpatha";
    p.group = 1;
    p.hctl = "2:0:0:1";
    p.vendor = "PV";
    p.product = "PP";
    p.revision = "PR";
    p.serial = "SER";
    p.transport = "iscsi";
    p.checker_state = "shaky";
    p.dm_state = "failed";
    p.fail_count = 9;
    p.priority = -3;
    p.alua_state = "standby";
    p.size_sectors = (1ULL << 33) + 5;
    p.node_name = "node";
    p.target_iqn = "iqn.2026-01.example:t";
    p.portal = "10.0.0.1:3260";
    p.session_state = "LOGGED_IN";
    p.registration = "registered";
    p.registration_detail = "key 0xabc on every path";
    t.paths.push_back(p);
    api::PathView unmapped;
    unmapped.devnode = "sda";
    t.paths.push_back(unmapped);
    return t;
}

class WireRoundTrip : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("pk-wire-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        const std::string socket = (dir_ / "bus").string();
        address_ = "unix:path=" + socket;
        bus_daemon_ = ::fork();
        ASSERT_GE(bus_daemon_, 0);
        if (bus_daemon_ == 0) {
            std::string listen = "--address=" + address_;
            // Its start-up complaints (an fd limit it may not raise here) are not the test's.
            if (int null_fd = ::open("/dev/null", O_WRONLY); null_fd >= 0)
                ::dup2(null_fd, STDERR_FILENO);
            ::execlp("dbus-daemon", "dbus-daemon", "--session", "--nofork", "--nopidfile", listen.c_str(),
                     static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 200 && !std::filesystem::exists(socket); ++i)
            std::this_thread::sleep_for(25ms);
        ASSERT_TRUE(std::filesystem::exists(socket)) << "dbus-daemon did not start";

        server_ = sdbus::createSessionBusConnectionWithAddress(address_);
        object_ = sdbus::createObject(*server_, api::kRootObjectPath);
        object_->registerMethod("GetTopology").onInterface(api::kManagerInterface).implementedAs([this] {
            return api::encode_topology(topology_);
        });
        object_->registerMethod("GetMaps").onInterface(api::kManagerInterface).implementedAs([this] {
            return api::encode_maps(topology_.maps);
        });
        object_->registerMethod("GetPaths").onInterface(api::kManagerInterface).implementedAs([this] {
            return std::get<2>(api::encode_topology(topology_));
        });
        object_->registerMethod("Reservation")
            .onInterface(api::kManagerInterface)
            .implementedAs(
                [this](const std::string& map, const std::string& command, const api::Dict& options) {
                    auto request = api::decode_reservation_options(map, command, options);
                    if (!request)
                        throw sdbus::Error("org.pathkeeper.PathKeeper1.Error.InvalidArgument",
                                           request.error().message);
                    received_request_ = *request;
                    return api::encode_reservation(reservation_);
                });
        object_->registerMethod("FailPath")
            .onInterface(api::kManagerInterface)
            .implementedAs([](const std::string& p) {
                throw sdbus::Error("org.pathkeeper.PathKeeper1.Error.NoSuchPath", "no path " + p);
            });
        object_->finishRegistration();
        server_->requestName(api::kBusName);
        server_->enterEventLoopAsync();

        sd_bus* bus = nullptr;
        ASSERT_GE(sd_bus_new(&bus), 0);
        client_bus_.reset(bus);
        ASSERT_GE(sd_bus_set_address(bus, address_.c_str()), 0);
        ASSERT_GE(sd_bus_set_bus_client(bus, 1), 0);
        ASSERT_GE(sd_bus_start(bus), 0);
        client_ = std::make_unique<cli::DbusClient>(bus);
    }

    void TearDown() override {
        client_.reset();
        client_bus_.reset();
        if (server_)
            server_->leaveEventLoop();
        object_.reset();
        server_.reset();
        if (bus_daemon_ > 0) {
            ::kill(bus_daemon_, SIGTERM);
            ::waitpid(bus_daemon_, nullptr, 0);
        }
        std::filesystem::remove_all(dir_);
    }

    std::filesystem::path dir_;
    std::string address_;
    pid_t bus_daemon_ = -1;
    std::unique_ptr<sdbus::IConnection> server_;
    std::unique_ptr<sdbus::IObject> object_;
    cli::BusHandle client_bus_;
    std::unique_ptr<cli::DbusClient> client_;
    api::TopologyView topology_ = full_topology();
    api::ReservationView reservation_;
    api::ReservationRequest received_request_;
};

TEST_F(WireRoundTrip, TopologyArrivesFieldForField) {
    auto reply = client_->topology();
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(reply.value(), topology_);
}

TEST_F(WireRoundTrip, MapsArriveFieldForField) {
    auto reply = client_->maps();
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(reply.value(), topology_.maps);
}

TEST_F(WireRoundTrip, PathsAloneArriveFieldForField) {
    auto reply = client_->paths();
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(reply.value(), topology_.paths);
}

TEST_F(WireRoundTrip, PathsComeFromTheTopologyOfADaemonWithoutGetPaths) {
    object_.reset();
    object_ = sdbus::createObject(*server_, api::kRootObjectPath);
    object_->registerMethod("GetTopology").onInterface(api::kManagerInterface).implementedAs([this] {
        return api::encode_topology(topology_);
    });
    object_->finishRegistration();
    auto reply = client_->paths();
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(reply.value(), topology_.paths);
}

TEST_F(WireRoundTrip, EmptyTopologyArrivesEmpty) {
    topology_ = api::TopologyView{};
    auto reply = client_->topology();
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(reply.value(), topology_);
}

TEST_F(WireRoundTrip, ReservationRequestAndStatusAnswerRoundTrip) {
    reservation_ = {"mpatha",           "status", "0xabc", "read through sdb", true, 77,
                    {"0xabc", "0xdef"}, true,     "0xdef", "exclusive-access"};
    api::ReservationRequest request{"mpatha", "preempt", "0xabc", "write-exclusive", "0xdef", true};
    auto reply = client_->reservation(request);
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(received_request_, request);
    EXPECT_EQ(reply.value(), reservation_);
}

TEST_F(WireRoundTrip, ReservationWithoutStatusLeavesStatusFieldsOut) {
    reservation_ = {"mpatha", "register", "0xabc", "registered through 2 paths", false, 0, {}, false, "", ""};
    api::ReservationRequest request{"mpatha", "register", "", "", "", false};
    auto reply = client_->reservation(request);
    ASSERT_TRUE(reply.ok()) << reply.error().message;
    EXPECT_EQ(received_request_, request);
    EXPECT_EQ(reply.value(), reservation_);
    EXPECT_FALSE(reply.value().has_status);
}

TEST_F(WireRoundTrip, DaemonErrorIsRefusedWithItsName) {
    auto reply = client_->fail_path("sdz");
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().kind, cli::ClientErrorKind::Refused);
    EXPECT_EQ(reply.error().name, "org.pathkeeper.PathKeeper1.Error.NoSuchPath");
    EXPECT_EQ(reply.error().message, "no path sdz");
}

TEST_F(WireRoundTrip, NoOwnerIsUnreachable) {
    server_->releaseName(api::kBusName);
    auto reply = client_->topology();
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().kind, cli::ClientErrorKind::Unreachable) << reply.error().name;
}

TEST_F(WireRoundTrip, WrongReplyTypeIsMalformed) {
    object_.reset();
    object_ = sdbus::createObject(*server_, api::kRootObjectPath);
    object_->registerMethod("GetMaps").onInterface(api::kManagerInterface).implementedAs([] {
        return std::string("not maps");
    });
    object_->finishRegistration();
    auto reply = client_->maps();
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.error().kind, cli::ClientErrorKind::Malformed);
    EXPECT_NE(reply.error().message.find("malformed maps"), std::string::npos) << reply.error().message;
}

}  // namespace
}  // namespace pathkeeper
