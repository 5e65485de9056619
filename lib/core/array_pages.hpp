#pragma once
// What the array-specific checkers and prioritizers read from a path, and what it means. Pure: the SG_IO
// adaptors (lib/os/array_checkers.cpp) send the commands and hand the answers here, so every case (good,
// failed, standby, garbage, short) is unit tested on constructed replies. Byte offsets are the vendors'
// page layouts, as the arrays and the Linux device handlers for them read them.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/model.hpp"
#include "core/persistent_reservation.hpp"
#include "core/result.hpp"

namespace pathkeeper::core {

// A checker's verdict on one path: Up, Down or Ghost, and the text the path's log line carries.
struct PathVerdict {
    PathState state = PathState::Down;
    std::string message;
    bool operator==(const PathVerdict&) const = default;
};

// ---- LSI/NetApp E-Series (RDAC): INQUIRY VPD page 0xC9, "Volume Access Control" ----

inline constexpr std::uint8_t kRdacVolumeAccessPage = 0xc9;
inline constexpr std::size_t kRdacVolumeAccessLength =
    48;  // allocation length the controllers answer in full

struct RdacVolumeAccess {
    std::uint8_t peripheral = 0;  // byte 0: qualifier (bits 7-5) and device type (bits 4-0)
    bool vac1 = false;            // signature "vac1" (bytes 4-7): the controller speaks this page's layout
    bool owner = false;           // byte 8 bit 0 (CVP): this controller owns the volume
    bool tpg_data = false;        // byte 8 bit 4 (TPGDE): bytes 10-13 carry port group states
    bool io_shipping = false;     // byte 8 bit 5: either controller serves I/O (the owner ships it)
    bool avt = false;             // byte 8 bit 7: auto volume transfer
    unsigned preference = 0;      // byte 9 bits 3-0: 1 preferred path, 2 secondary path
    unsigned port_state = 0;      // byte 10 bits 3-0: this controller's ALUA state (0xe offline, 0xf ...)
    unsigned unavailable_reason = 0;  // byte 11: why this controller is unavailable
    unsigned peer_port_state = 0;     // byte 12 bits 3-0: the other controller's ALUA state
};
// Errors for a reply shorter than 14 bytes, of another page, or without the "vac" signature.
Result<RdacVolumeAccess> parse_rdac_volume_access(std::span<const std::uint8_t> page);
// up: owner or I/O shipping; ghost: the other controller owns the volume; down: LUN not connected, the
// controller unavailable (reset, firmware download, quiesced, service mode), offline, or booting (it alone
// transitioning; both transitioning means an ownership transfer, which is not a failure).
PathVerdict rdac_path_state(const RdacVolumeAccess& page);
// owner +2, preferred path +4, secondary path +1 (0 to 7): the owning, preferred controller's paths first.
int rdac_priority(const RdacVolumeAccess& page);

// ---- EMC CLARiiON/VNX: INQUIRY VPD page 0xC0, "Unit Path Report" ----

inline constexpr std::uint8_t kClariionUnitReportPage = 0xc0;
inline constexpr std::size_t kClariionUnitReportLength = 128;

struct ClariionUnitReport {
    unsigned lun_state = 0;   // byte 4: 0 unbound (or LUNZ), 1 bound, 2 owned by this path's SP
    unsigned default_sp = 0;  // byte 5: the SP that owns the LUN by default
    unsigned path_sp = 0;     // byte 8: the SP this path leads to
    std::array<std::uint8_t, 16> lun_wwn{};  // bytes 10-25
    bool failover_ready = false;     // initiator type 3 (byte 27), failover mode 1 or 4, arraycommpath set
    bool normal_operations = false;  // byte 48 == 0: no trespass or maintenance under way
};
// Errors for a reply shorter than 49 bytes, of another page, or of another page revision (byte 9).
Result<ClariionUnitReport> parse_clariion_unit_report(std::span<const std::uint8_t> page);
// From the page alone: down when unbound/LUNZ or not set up for failover, down while the LUN is not in
// normal operations; up otherwise (a passive path is up, not ghost: the array's failover mode serves I/O
// through it after a trespass, which the hardware handler starts). The owning path is further confirmed by
// a read (clariion_read_verdict).
PathVerdict clariion_path_state(const ClariionUnitReport& page);
// The owning path's read of its first block: ILLEGAL REQUEST 25/01 (LUN not supported) means an inactive
// snapshot LU, which must fail.
PathVerdict clariion_read_verdict(const ScsiCompletion& read);
// 1 when this path's SP is the LUN's default owner, else 0.
int emc_priority(const ClariionUnitReport& page);

// ---- HP active/standby (hp_sw): INQUIRY VPD 0x80 then TEST UNIT READY ----

// The TUR after the path answered its INQUIRY: GOOD up; NOT READY 04/02 ("initializing command required",
// the passive controller) or any other refusal ghost: the port answered, it is a standby. A transport
// failure (no answer) is down.
PathVerdict hp_sw_path_state(const ScsiCompletion& tur);
// 4 active (GOOD or RECOVERED ERROR), 2 standby (NOT READY 04/02), 0 otherwise.
int hp_sw_priority(const ScsiCompletion& tur);
// UNIT ATTENTION 29/xx (power on, reset): the TUR is sent again.
bool hp_sw_retry(const ScsiCompletion& tur);

// ---- Hitachi modular (hds): standard INQUIRY data ----

inline constexpr std::size_t kHdsInquiryLength = 255;
// Bytes 44-47 hold the LDEV number and byte 49 the controller, both as ASCII: a path whose controller and
// LDEV have the same parity gets 1, the other 0, which splits LDEVs evenly between the two controllers.
// Errors for a reply shorter than 51 bytes or characters that are not digits.
Result<int> hds_priority(std::span<const std::uint8_t> inquiry);

// ---- NetApp ONTAP (ontap) ----

// The vendor "get volume attributes" command (operation code 0xc0) and its page 0x41 (the path's iSCSI
// initiator kind), then INQUIRY VPD 0xC1 (proxy information: does this FCP path go through the partner).
inline constexpr std::array<std::uint8_t, 10> kOntapGvaCdb{0xc0, 0, 0x01, 0x0a, 0x98, 0x0a, 0x41, 0x80, 0, 0};
inline constexpr std::size_t kOntapGvaLength = 0x80;
inline constexpr std::uint8_t kOntapProxyPage = 0xc1;
inline constexpr std::size_t kOntapProxyLength = 0x80;

enum class OntapInitiator { Unknown, IscsiSoftware, IscsiHardware };
// Errors for a reply in another format (signature 0a 98 0a 01 in bytes 4-7). A reply with no page data
// (total length of bytes 0-3 at most 8) or of another page says Unknown.
Result<OntapInitiator> parse_ontap_gva(std::span<const std::uint8_t> reply);
// Is this FCP path a proxy path (through the partner controller)? Errors for a page in another format.
Result<bool> parse_ontap_proxy(std::span<const std::uint8_t> page);
// 4 FCP direct (or unknown), 3 iSCSI hardware initiator, 2 iSCSI software initiator, 1 FCP proxy; 0 when
// the array did not answer the GVA command at all (gva null).
int ontap_priority(std::optional<OntapInitiator> gva, std::optional<bool> proxy);

}  // namespace pathkeeper::core
