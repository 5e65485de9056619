#include "core/array_pages.hpp"

#include <algorithm>

namespace pathkeeper::core {
namespace {

Error invalid(const char* what, const std::string& why) {
    return Error(ErrorCode::InvalidArgument, std::string(what) + ": " + why);
}

std::string byte_text(unsigned value) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "0x";
    out += digits[(value >> 4) & 0xf];
    out += digits[value & 0xf];
    return out;
}

// ALUA asymmetric access states as the RDAC page repeats them (SPC REPORT TARGET PORT GROUPS codes).
constexpr unsigned kPortUnavailable = 0x3;
constexpr unsigned kPortOffline = 0xe;
constexpr unsigned kPortTransitioning = 0xf;

std::string rdac_unavailable_reason(unsigned reason) {
    switch (reason) {
        case 0x2:
            return "controller does not respond to queries";
        case 0x3:
            return "controller held in reset";
        case 0x4:
        case 0x5:
            return "controller firmware downloading";
        case 0x6:
            return "controller quiesced by admin request";
        case 0x7:
            return "controller is in service mode";
        default:
            return "controller is unavailable";
    }
}

std::optional<unsigned> hex_digit(std::uint8_t c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return std::nullopt;
}

}  // namespace

Result<RdacVolumeAccess> parse_rdac_volume_access(std::span<const std::uint8_t> page) {
    constexpr const char* what = "RDAC volume access page (0xc9)";
    if (page.size() < 14) {
        return invalid(what, std::to_string(page.size()) + " bytes, at least 14 needed");
    }
    if (page[1] != kRdacVolumeAccessPage) {
        return invalid(what, "page code " + byte_text(page[1]));
    }
    if (page[4] != 'v' || page[5] != 'a' || page[6] != 'c') {
        return invalid(what, "no \"vac\" signature in bytes 4-6");
    }
    RdacVolumeAccess out;
    out.peripheral = page[0];
    out.vac1 = page[7] == '1';
    out.owner = (page[8] & 0x01) != 0;
    out.tpg_data = (page[8] & 0x10) != 0;
    out.io_shipping = (page[8] & 0x20) != 0;
    out.avt = (page[8] & 0x80) != 0;
    out.preference = page[9] & 0x0fu;
    out.port_state = page[10] & 0x0fu;
    out.unavailable_reason = page[11];
    out.peer_port_state = page[12] & 0x0fu;
    return out;
}

PathVerdict rdac_path_state(const RdacVolumeAccess& page) {
    // Qualifier 001 (not connected) or any qualifier/type but a connected direct-access disk.
    if ((page.peripheral & 0x7f) != 0) {
        return {PathState::Down, "rdac: LUN not connected (peripheral " + byte_text(page.peripheral) + ")"};
    }
    if (page.tpg_data) {
        if (page.port_state == kPortUnavailable) {
            return {PathState::Down, "rdac: " + rdac_unavailable_reason(page.unavailable_reason)};
        }
        if (page.port_state == kPortOffline) {
            return {PathState::Down, "rdac: controller port group is offline"};
        }
        if (page.port_state == kPortTransitioning && page.peer_port_state != kPortTransitioning) {
            return {PathState::Down, "rdac: controller is in its startup sequence"};
        }
    }
    if (page.owner) {
        return {PathState::Up, "rdac checker reports path is up (owning controller)"};
    }
    if (page.io_shipping) {
        return {PathState::Up, "rdac checker reports path is up (I/O shipping)"};
    }
    return {PathState::Ghost, "rdac checker reports path is ghost (the other controller owns the volume)"};
}

int rdac_priority(const RdacVolumeAccess& page) {
    int priority = page.owner ? 2 : 0;
    if (page.preference == 0x1) {
        priority |= 4;
    } else if (page.preference == 0x2) {
        priority |= 1;
    }
    return priority;
}

Result<ClariionUnitReport> parse_clariion_unit_report(std::span<const std::uint8_t> page) {
    constexpr const char* what = "CLARiiON unit path report page (0xc0)";
    if (page.size() < 49) {
        return invalid(what, std::to_string(page.size()) + " bytes, at least 49 needed");
    }
    if (page[1] != kClariionUnitReportPage) {
        return invalid(what, "page code " + byte_text(page[1]));
    }
    if (page[9] != 0) {
        return invalid(what, "page revision " + byte_text(page[9]) + ", only revision 0x00 is known");
    }
    ClariionUnitReport out;
    out.lun_state = page[4];
    out.default_sp = page[5];
    out.path_sp = page[8];
    for (std::size_t i = 0; i < out.lun_wwn.size(); ++i) {
        out.lun_wwn[i] = page[10 + i];
    }
    // Failover mode (byte 28 bits 2-0) 4 or 6: the array's PNR or ALUA failover modes; arraycommpath is
    // byte 30 bit 2; effective initiator type 3 is the one Linux hosts are registered with.
    const unsigned failover_mode = page[28] & 0x07u;
    out.failover_ready =
        page[27] == 0x03 && (failover_mode == 0x04 || failover_mode == 0x06) && (page[30] & 0x04) != 0;
    out.normal_operations = page[48] == 0;
    return out;
}

PathVerdict clariion_path_state(const ClariionUnitReport& page) {
    if (!page.failover_ready) {
        return {
            PathState::Down,
            "emc_clariion: path not set up for failover (initiator type, failover mode or arraycommpath)"};
    }
    if (!page.normal_operations) {
        return {PathState::Down,
                "emc_clariion: LUN not available for normal operations (trespass or "
                "maintenance under way)"};
    }
    if (page.lun_state == 0) {
        return {PathState::Down, "emc_clariion: logical unit is unbound or LUNZ"};
    }
    if (page.lun_state == 2) {
        return {PathState::Up, "emc_clariion: active path is healthy"};
    }
    return {PathState::Up, "emc_clariion: passive path is healthy"};
}

PathVerdict clariion_read_verdict(const ScsiCompletion& read) {
    if (read.outcome == ScsiOutcome::Good) {
        return {PathState::Up, "emc_clariion: active path is healthy"};
    }
    if (read.sense && read.sense->sense_key == SenseKey::IllegalRequest && read.sense->has_asc &&
        read.sense->asc == 0x25 && read.sense->ascq == 0x01) {
        return {PathState::Down, "emc_clariion: active path to an inactive snapshot LU"};
    }
    return {PathState::Down, "emc_clariion: read on the active path failed: " + read.detail};
}

int emc_priority(const ClariionUnitReport& page) {
    return page.path_sp == page.default_sp ? 1 : 0;
}

namespace {

bool is_not_ready_initializing(const ScsiCompletion& c) {
    return c.sense && c.sense->sense_key == SenseKey::NotReady && c.sense->has_asc && c.sense->asc == 0x04 &&
           c.sense->ascq == 0x02;
}

}  // namespace

PathVerdict hp_sw_path_state(const ScsiCompletion& tur) {
    if (tur.outcome == ScsiOutcome::Good) {
        return {PathState::Up, "hp_sw checker reports path is up"};
    }
    if (is_not_ready_initializing(tur)) {
        return {PathState::Ghost,
                "hp_sw checker reports path is ghost (standby controller: " + tur.detail + ")"};
    }
    if (tur.status == 0 && !tur.sense) {
        // No SCSI status at all: the transport failed (host or driver error), nothing answered.
        return {PathState::Down, "hp_sw: " + tur.detail};
    }
    return {PathState::Ghost, "hp_sw checker reports path is ghost (" + tur.detail + ")"};
}

int hp_sw_priority(const ScsiCompletion& tur) {
    if (tur.outcome == ScsiOutcome::Good) {
        return 4;
    }
    return is_not_ready_initializing(tur) ? 2 : 0;
}

bool hp_sw_retry(const ScsiCompletion& tur) {
    return tur.sense && tur.sense->sense_key == SenseKey::UnitAttention && tur.sense->has_asc &&
           tur.sense->asc == 0x29;
}

Result<int> hds_priority(std::span<const std::uint8_t> inquiry) {
    constexpr const char* what = "Hitachi standard INQUIRY data";
    if (inquiry.size() < 51) {
        return invalid(what, std::to_string(inquiry.size()) + " bytes, at least 51 needed");
    }
    const std::uint8_t controller = inquiry[49];
    if (controller < '0' || controller > '9') {
        return invalid(what, "controller byte 49 is " + byte_text(controller) + ", not a digit");
    }
    const std::optional<unsigned> ldev = hex_digit(inquiry[47]);
    if (!ldev) {
        return invalid(what, "LDEV byte 47 is " + byte_text(inquiry[47]) + ", not a hex digit");
    }
    return (static_cast<unsigned>(controller - '0') % 2) == (*ldev % 2) ? 1 : 0;
}

Result<OntapInitiator> parse_ontap_gva(std::span<const std::uint8_t> reply) {
    constexpr const char* what = "ONTAP volume attributes reply";
    if (reply.size() < 8) {
        return invalid(what, std::to_string(reply.size()) + " bytes, at least 8 needed");
    }
    if (reply[4] != 0x0a || reply[5] != 0x98 || reply[6] != 0x0a || reply[7] != 0x01) {
        return invalid(what, "no 0a 98 0a 01 signature in bytes 4-7");
    }
    const std::uint32_t total = (std::uint32_t{reply[0]} << 24) | (std::uint32_t{reply[1]} << 16) |
                                (std::uint32_t{reply[2]} << 8) | reply[3];
    if (total <= 8 || reply.size() < 13 || reply[8] != 0x41) {
        return OntapInitiator::Unknown;
    }
    const std::string name(reply.begin() + 12, reply.begin() + std::min<std::size_t>(reply.size(), 18));
    if (name.starts_with("ism_sw") || name.starts_with("iswt")) {
        return OntapInitiator::IscsiSoftware;
    }
    if (name.starts_with("ism_sn")) {
        return OntapInitiator::IscsiHardware;
    }
    return OntapInitiator::Unknown;
}

Result<bool> parse_ontap_proxy(std::span<const std::uint8_t> page) {
    constexpr const char* what = "ONTAP proxy information page (0xc1)";
    if (page.size() < 20) {
        return invalid(what, std::to_string(page.size()) + " bytes, at least 20 needed");
    }
    constexpr std::array<std::uint8_t, 6> signature{0x0a, 0x98, 0x0a, 0x00, 0xc1, 0x00};
    if (page[1] != kOntapProxyPage || !std::equal(signature.begin(), signature.end(), page.begin() + 8)) {
        return invalid(what, "page code or signature (bytes 8-13) in another format");
    }
    return (page[19] & 0x02) != 0;
}

int ontap_priority(std::optional<OntapInitiator> gva, std::optional<bool> proxy) {
    if (!gva) {
        return 0;
    }
    switch (*gva) {
        case OntapInitiator::IscsiHardware:
            return 3;
        case OntapInitiator::IscsiSoftware:
            return 2;
        case OntapInitiator::Unknown:
            break;
    }
    return proxy.value_or(false) ? 1 : 4;
}

}  // namespace pathkeeper::core
