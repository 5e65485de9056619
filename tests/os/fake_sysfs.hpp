#pragma once
// Builds fake sysfs trees laid out like the kernel's (directories, attributes, relative symlinks), modelled
// on real captures: an open-iscsi disk (host3/session1, LIO target) and a scsi_debug disk
// (pseudo_0/adapter0).

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.hpp"

namespace pathkeeper::os::testing {

struct FakeDisk {
    std::string devnode = "sdc";
    std::string devt = "8:32";
    std::string size = "2097152";
    std::string device_dir;  // below root/devices, ending in the H:C:T:L directory
    std::string vendor = "LIO-ORG ";
    std::string model = "disk1           ";
    std::string rev = "4.0 ";
    std::string state = "running";
    std::string timeout = "30";
    std::string access_state;            // empty: attribute absent
    std::string wwid_attribute;          // sysfs `wwid`; empty: absent
    std::string max_sectors_kb = "512";  // block/<dev>/queue/
    std::string max_hw_sectors_kb = "32767";
    std::vector<std::uint8_t> inquiry;
    std::vector<std::uint8_t> vpd_pg80;
    std::vector<std::uint8_t> vpd_pg83;
};

class FakeSysfs {
public:
    const std::filesystem::path& root() const { return dir_.path(); }

    void add_disk(const FakeDisk& disk) {
        namespace fs = std::filesystem;
        const fs::path device = root() / "devices" / disk.device_dir;
        write_file(device / "vendor", disk.vendor + "\n");
        write_file(device / "model", disk.model + "\n");
        write_file(device / "rev", disk.rev + "\n");
        write_file(device / "state", disk.state + "\n");
        write_file(device / "timeout", disk.timeout + "\n");
        if (!disk.access_state.empty()) {
            write_file(device / "access_state", disk.access_state + "\n");
        }
        if (!disk.wwid_attribute.empty()) {
            write_file(device / "wwid", disk.wwid_attribute + "\n");
        }
        write_bytes(device / "inquiry", disk.inquiry);
        write_bytes(device / "vpd_pg80", disk.vpd_pg80);
        write_bytes(device / "vpd_pg83", disk.vpd_pg83);
        const fs::path block = device / "block" / disk.devnode;
        write_file(block / "dev", disk.devt + "\n");
        write_file(block / "size", disk.size + "\n");
        write_file(block / "queue/max_sectors_kb", disk.max_sectors_kb + "\n");
        write_file(block / "queue/max_hw_sectors_kb", disk.max_hw_sectors_kb + "\n");
        fs::create_directory_symlink(fs::relative(device, block), block / "device");
        fs::create_directories(root() / "block");
        fs::create_directory_symlink(fs::relative(block, root() / "block"), root() / "block" / disk.devnode);
    }

    // /sys/class/iscsi_session/sessionN and /sys/class/iscsi_connection/connectionN:0 under
    // host_dir/sessionN.
    void add_iscsi_session(const std::string& host_dir, unsigned id, const std::string& target,
                           const std::string& state, const std::string& address, const std::string& port,
                           const std::string& recovery_tmo) {
        namespace fs = std::filesystem;
        const std::string session = "session" + std::to_string(id);
        const std::string connection = "connection" + std::to_string(id) + ":0";
        const fs::path session_dir = root() / "devices" / host_dir / session;
        const fs::path session_class = session_dir / "iscsi_session" / session;
        write_file(session_class / "targetname", target + "\n");
        write_file(session_class / "state", state + "\n");
        write_file(session_class / "recovery_tmo", recovery_tmo + "\n");
        write_file(session_class / "tpgt", "1\n");
        write_file(session_class / "ifacename", "default\n");
        const fs::path connection_class = session_dir / connection / "iscsi_connection" / connection;
        write_file(connection_class / "persistent_address", address + "\n");
        write_file(connection_class / "persistent_port", port + "\n");
        write_file(connection_class / "address", address + "\n");
        write_file(connection_class / "port", port + "\n");
        fs::create_directories(root() / "class/iscsi_session");
        fs::create_directories(root() / "class/iscsi_connection");
        fs::create_directory_symlink(fs::relative(session_class, root() / "class/iscsi_session"),
                                     root() / "class/iscsi_session" / session);
        fs::create_directory_symlink(fs::relative(connection_class, root() / "class/iscsi_connection"),
                                     root() / "class/iscsi_connection" / connection);
    }

    // host_dir (".../hostN") as an iSCSI host: /sys/class/iscsi_host/hostN with its source address.
    void add_iscsi_host(const std::string& host_dir, const std::string& ipaddress) {
        const std::filesystem::path dir = root() / "devices" / host_dir;
        const std::string name = dir.filename().string();
        add_class_device("iscsi_host", dir / "iscsi_host" / name, {{"ipaddress", ipaddress}});
    }

    // host_dir (".../hostN") as a SCSI host: /sys/class/scsi_host/hostN with its eh_deadline.
    void add_scsi_host(const std::string& host_dir, const std::string& eh_deadline = "off") {
        const std::filesystem::path dir = root() / "devices" / host_dir;
        const std::string name = dir.filename().string();
        add_class_device("scsi_host", dir / "scsi_host" / name, {{"eh_deadline", eh_deadline}});
    }

    // An FC remote port below its host: /sys/class/fc_remote_ports/rport-H:B-R with both timeouts.
    void add_fc_rport(const std::string& rport_dir, const std::string& dev_loss_tmo,
                      const std::string& fast_io_fail_tmo) {
        const std::filesystem::path dir = root() / "devices" / rport_dir;
        const std::string name = dir.filename().string();
        add_class_device("fc_remote_ports", dir / "fc_remote_ports" / name,
                         {{"dev_loss_tmo", dev_loss_tmo},
                          {"fast_io_fail_tmo", fast_io_fail_tmo},
                          {"port_state", "Online"}});
    }

    // A SAS end device: /sys/class/sas_end_device/end_device-H:P with its (read-only) timeouts.
    void add_sas_end_device(const std::string& end_device_dir) {
        const std::filesystem::path dir = root() / "devices" / end_device_dir;
        const std::string name = dir.filename().string();
        add_class_device("sas_end_device", dir / "sas_end_device" / name,
                         {{"I_T_nexus_loss_timeout", "2000"}, {"initiator_response_timeout", "2000"}});
    }

    // A dm device named `name` with its queue limits.
    void add_dm_device(const std::string& kernel_name, const std::string& name,
                       const std::string& max_hw_sectors_kb) {
        const std::filesystem::path dir = root() / "devices/virtual/block" / kernel_name;
        write_file(dir / "dm/name", name + "\n");
        write_file(dir / "queue/max_sectors_kb", "1280\n");
        write_file(dir / "queue/max_hw_sectors_kb", max_hw_sectors_kb + "\n");
        std::filesystem::create_directories(root() / "block");
        std::filesystem::create_directory_symlink(std::filesystem::relative(dir, root() / "block"),
                                                  root() / "block" / kernel_name);
    }

private:
    void add_class_device(const std::string& class_name, const std::filesystem::path& dir,
                          const std::vector<std::pair<std::string, std::string>>& attributes) {
        for (const auto& [attribute, value] : attributes) {
            write_file(dir / attribute, value + "\n");
        }
        const std::filesystem::path class_dir = root() / "class" / class_name;
        std::filesystem::create_directories(class_dir);
        std::filesystem::create_directory_symlink(std::filesystem::relative(dir, class_dir),
                                                  class_dir / dir.filename());
    }

    static void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
        if (!bytes.empty()) {
            write_file(path, std::string(bytes.begin(), bytes.end()));
        }
    }

    TempDir dir_;
};

// Standard INQUIRY data with the TPGS field set (implicit ALUA = 1).
inline std::vector<std::uint8_t> inquiry_with_tpgs(unsigned tpgs) {
    std::vector<std::uint8_t> data(36, 0);
    data[4] = 31;
    data[5] = static_cast<std::uint8_t>((tpgs & 3u) << 4);
    return data;
}

inline std::vector<std::uint8_t> unit_serial_page(const std::string& serial) {
    std::vector<std::uint8_t> page{0x00, 0x80, 0x00, static_cast<std::uint8_t>(serial.size())};
    page.insert(page.end(), serial.begin(), serial.end());
    return page;
}

inline FakeDisk iscsi_disk() {
    FakeDisk disk;
    disk.devnode = "sdc";
    disk.devt = "8:32";
    disk.device_dir = "platform/host3/session1/target3:0:0/3:0:0:1";
    disk.access_state = "active/optimized";
    disk.inquiry = inquiry_with_tpgs(1);
    disk.vpd_pg80 = unit_serial_page("a8f3c1d2-7e55-4b1a-9c1e-2f0d3b4a5c6d");
    return disk;
}

// An FC disk: qla2xxx host2, remote port 2:0-1, LUN 1.
inline FakeDisk fc_disk() {
    FakeDisk disk;
    disk.devnode = "sdd";
    disk.devt = "8:48";
    disk.device_dir = "pci0000:00/0000:00:03.0/host2/rport-2:0-1/target2:0:0/2:0:0:1";
    disk.vendor = "3PARdata";
    disk.model = "VV              ";
    disk.inquiry = inquiry_with_tpgs(1);
    return disk;
}

// A SAS disk behind mpt3sas host4, port 4:0, end device 4:0.
inline FakeDisk sas_disk() {
    FakeDisk disk;
    disk.devnode = "sde";
    disk.devt = "8:64";
    disk.device_dir = "pci0000:00/0000:00:04.0/host4/port-4:0/end_device-4:0/target4:0:0/4:0:0:0";
    disk.vendor = "HPE     ";
    disk.model = "MSA 2050 SAS    ";
    disk.inquiry = inquiry_with_tpgs(1);
    return disk;
}

inline FakeDisk scsi_debug_disk() {
    FakeDisk disk;
    disk.devnode = "sdb";
    disk.devt = "8:16";
    disk.size = "16384";
    disk.device_dir = "pseudo_0/adapter0/host2/target2:0:0/2:0:0:0";
    disk.vendor = "Linux   ";
    disk.model = "scsi_debug      ";
    disk.rev = "0191";
    disk.inquiry = inquiry_with_tpgs(0);
    return disk;
}

}  // namespace pathkeeper::os::testing
