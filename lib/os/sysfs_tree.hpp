#pragma once
// Real Sysfs port over a sysfs tree rooted anywhere ("/sys" in production, a fake tree in tests), plus the
// discovery helpers that turn one sd* disk's sysfs directory (and its udev properties) into a core::PathInfo.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/udev_properties.hpp"
#include "ports/sysfs.hpp"
#include "ports/udev_source.hpp"

namespace pathkeeper::os {

using core::UdevProperties;

// Attribute text with trailing whitespace/newlines removed (sysfs pads vendor/model with spaces).
std::string trim_attribute(std::string_view text);
ports::ScsiDeviceState parse_scsi_device_state(std::string_view text);
// Transport from the resolved sysfs path of a SCSI device: ".../sessionN/..." iSCSI, ".../rport-..." FC,
// ".../end_device-..." SAS, anything else (scsi_debug, virtio-scsi, ATA) Other.
core::Transport transport_from_device_path(const std::filesystem::path& device_path);
// The component of a SCSI device's resolved sysfs path that starts with prefix ("rport-H:B-R" for the FC
// remote port, "end_device-H:P" for the SAS end device it hangs below), if any.
std::optional<std::string> device_path_component(const std::filesystem::path& device_path,
                                                 std::string_view prefix);
// N of the "hostN" component: the SCSI host.
std::optional<unsigned> scsi_host_from_device_path(const std::filesystem::path& device_path);
// N from a ".../sessionN/..." component, if any.
std::optional<unsigned> iscsi_session_from_device_path(const std::filesystem::path& device_path);
// TPGS field (byte 5, bits 4-5) of a standard INQUIRY response, as sysfs `device/inquiry` holds it.
std::optional<unsigned> tpgs_from_inquiry(const std::vector<std::uint8_t>& inquiry);
// Product serial number from VPD page 0x80 (sysfs `device/vpd_pg80`), trimmed; nullopt when malformed.
std::optional<std::string> serial_from_vpd_pg80(const std::vector<std::uint8_t>& page);

class SysfsTree final : public ports::Sysfs {
public:
    // iscsi_node_db: open-iscsi's node database, where each session's configured replacement_timeout is read.
    explicit SysfsTree(std::filesystem::path root = "/sys",
                       std::filesystem::path iscsi_node_db = "/etc/iscsi/nodes");
    ~SysfsTree() override;
    SysfsTree(const SysfsTree&) = delete;
    SysfsTree& operator=(const SysfsTree&) = delete;

    const std::filesystem::path& root() const { return root_; }

    core::Result<ports::ScsiDeviceState> scsi_device_state(const std::string& devnode) override;
    core::Result<core::AluaState> alua_access_state(const std::string& devnode) override;
    core::Result<unsigned> scsi_timeout_s(const std::string& devnode) override;
    core::Result<unsigned> iscsi_session_of(const std::string& devnode) override;
    core::Result<ports::IscsiSessionInfo> iscsi_session(unsigned session_id) override;
    core::Result<std::vector<ports::IscsiSessionInfo>> iscsi_sessions() override;
    core::Result<std::string> iscsi_session_state(unsigned session_id) override;
    core::Result<unsigned> iscsi_recovery_tmo(unsigned session_id) override;
    core::Result<void> set_iscsi_recovery_tmo(unsigned session_id, unsigned seconds) override;
    core::Result<void> trigger_change_uevent(const std::string& devnode) override;
    // Touches no state of the object beyond its root: safe from worker threads.
    core::Result<std::string> tune_path(const std::string& devnode, const core::PathTuning& tuning) override;
    core::Result<std::string> set_map_max_sectors_kb(const std::string& map, unsigned kb) override;
    void forget_device(const std::string& devnode) override;
    // Attribute files kept open by the state polls (for tests: a removed disk must not keep any).
    std::size_t open_attribute_files() const;

    // How much describe_disk reads: everything discovery knows, or only what decides whether the disk is a
    // multipath path (core::decide_membership: device number, vendor, product, revision, WWID, transport),
    // for a caller started per uevent; serial, size, hctl, session, node name and ALUA facts stay unset.
    enum class Detail { Full, Membership };

    // Everything discovery knows about one sd* disk: sysfs facts, merged with udev's properties (which may be
    // empty when udev has not processed the disk). `path` unset + skip_reason when the disk has no usable
    // WWID or its sysfs directory is incomplete.
    ports::DiscoveredDisk describe_disk(const std::string& devnode, const UdevProperties& properties,
                                        Detail detail = Detail::Full) const;

    // Which udev property holds a disk's WWID, given its kernel name, vendor, product and revision (the
    // configuration's uid_attrs / uid_attribute, core::wwid_property_of); ID_SERIAL until one is set. Safe to
    // call while other threads describe disks.
    using WwidPropertyRule =
        std::function<std::string(const std::string& devnode, const core::PathInfo& inquiry)>;
    void set_wwid_property_rule(WwidPropertyRule rule);

    // Resolved /sys/devices/... directory of the disk's SCSI device (the target of block/sdX/device).
    core::Result<std::filesystem::path> scsi_device_dir(const std::string& devnode) const;

    // Raw attribute readers relative to root (or absolute paths inside it).
    core::Result<std::string> read_attribute(const std::filesystem::path& path) const;
    core::Result<std::vector<std::uint8_t>> read_binary(const std::filesystem::path& path) const;

private:
    core::Result<void> write_attribute(const std::filesystem::path& full_path, const std::string& text) const;
    // The FC remote port's timeouts, ordered so that each write meets the kernel's rules on the values the
    // port has at that moment; a failure is appended to `errors`.
    void write_fc_timeouts(const std::filesystem::path& rport, const core::PathTuning& tuning,
                           std::vector<std::string>& errors) const;
    // max_sectors_kb of the queue under block_dir, at most its max_hw_sectors_kb; the clamp is appended to
    // notes.
    void write_max_sectors_kb(const std::string& name, const std::filesystem::path& block_dir, unsigned kb,
                              std::vector<std::string>& notes, std::vector<std::string>& errors) const;
    // An attribute of the disk's SCSI device, read with one pread on a file kept open: the state polls read
    // two attributes of every path every second, and under emulation the open (a walk through a dozen
    // symlinked sysfs components) and close cost far more than the read. A read that fails closes the disk's
    // files and resolves once more, so a devnode reused by another device after a removal is found at its
    // new place. When no more files can be opened (RLIMIT_NOFILE) the attribute is read the plain way.
    core::Result<std::string> read_device_attribute(const std::string& devnode, const char* name);
    core::Result<ports::IscsiSessionInfo> read_iscsi_session(unsigned session_id) const;

    struct OpenDevice {
        std::filesystem::path dir;                      // resolved /sys/devices/... of the SCSI device
        std::map<std::string, int, std::less<>> files;  // attribute name -> fd
    };
    void close_device(OpenDevice& device);

    std::filesystem::path root_;
    std::filesystem::path iscsi_node_db_;
    std::map<std::string, OpenDevice, std::less<>> devices_;  // by devnode; used from one thread only
    mutable std::mutex wwid_rule_mutex_;
    std::shared_ptr<const WwidPropertyRule> wwid_rule_;
};

}  // namespace pathkeeper::os
