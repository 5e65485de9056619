#pragma once
// SCSI-3 persistent reservations (SPC-4 6.15/6.16): the PERSISTENT RESERVE IN/OUT command blocks, the
// basic PR OUT parameter list, the PR IN replies, and the sense/status classification the PR code and the
// path checker share. Pure byte handling, no I/O: the caller sends the CDB through SG_IO and hands back
// what the target returned. Every parser takes untrusted bytes (a short transfer, a lying length field)
// and never reads outside the span it is given.
//
// Keys and types are spelled as mpathpersist accepts them, so that fence agents written for
// multipath-tools (fence_mpath) can pass the same arguments: keys in hex with or without "0x", at most 8
// bytes; types as the --prout-type numbers 1,3,5,6,7,8 or by name.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace pathkeeper::core {

// The TYPE field values of SPC-4 table 213; 0, 2 and 4 are obsolete and not accepted.
enum class PrType : std::uint8_t {
    WriteExclusive = 1,
    ExclusiveAccess = 3,
    WriteExclusiveRegistrantsOnly = 5,
    ExclusiveAccessRegistrantsOnly = 6,
    WriteExclusiveAllRegistrants = 7,
    ExclusiveAccessAllRegistrants = 8,
};

// PR OUT service actions; REGISTER AND MOVE and REPLACE LOST RESERVATION need parameter data this codec
// does not build.
enum class PrOutAction : std::uint8_t {
    Register,
    Reserve,
    Release,
    Clear,
    Preempt,
    PreemptAndAbort,
    RegisterAndIgnoreExistingKey,
};

// PR IN service actions (READ FULL STATUS is not needed to fence).
enum class PrInAction : std::uint8_t {
    ReadKeys,
    ReadReservation,
    ReportCapabilities,
};

// A reservation key, as the 8 big-endian bytes of the parameter data read as one number.
using PrKey = std::uint64_t;

inline constexpr std::uint8_t kPrInOpcode = 0x5e;
inline constexpr std::uint8_t kPrOutOpcode = 0x5f;
inline constexpr std::size_t kPrOutBasicParameterLength = 24;
// ALLOCATION LENGTH is 16 bits: the most a PR IN reply can deliver.
inline constexpr std::uint16_t kPrInMaxAllocationLength = 0xffff;

// Service action codes (SPC-4 tables 204 and 210).
std::uint8_t service_action_code(PrInAction action) noexcept;
std::uint8_t service_action_code(PrOutAction action) noexcept;

// Canonical lower-case names: "write-exclusive-registrants-only", "register-and-ignore-existing-key",
// "read-keys". short_name gives the abbreviation ("WERO").
const char* to_string(PrType type) noexcept;
const char* short_name(PrType type) noexcept;
const char* to_string(PrOutAction action) noexcept;
const char* to_string(PrInAction action) noexcept;

// The type with this TYPE field value; nullopt for obsolete and reserved values.
std::optional<PrType> pr_type_from_code(std::uint8_t code) noexcept;

// Accepts the mpathpersist --prout-type numbers (1, 3, 5, 6, 7, 8, also as "0x5"), the canonical names,
// the abbreviations WE, EA, WERO, EARO, WEAR, EAAR and the SPC names WR_EX, EX_AC, WR_EX_RO, EX_AC_RO,
// WR_EX_AR, EX_AC_AR; case-insensitive, '_' and '-' alike. Errors quote the text.
Result<PrType> parse_pr_type(std::string_view text);

// "0x123abc" or "123abc": one to 16 hex digits (8 bytes) after an optional "0x"/"0X", nothing else.
// Errors quote the text and say what is wrong with it.
Result<PrKey> parse_pr_key(std::string_view text);
// "0x" and lower-case hex without leading zeros, as mpathpersist prints keys ("0x0" for no key).
std::string format_pr_key(PrKey key);

// PERSISTENT RESERVE IN: service action in byte 1, ALLOCATION LENGTH big-endian in bytes 7-8.
std::array<std::uint8_t, 10> pr_in_cdb(PrInAction action, std::uint16_t allocation_length) noexcept;

// PERSISTENT RESERVE OUT: service action in byte 1, scope (always LU_SCOPE, the others are obsolete) and
// type in byte 2, PARAMETER LIST LENGTH big-endian in bytes 5-8. REGISTER, REGISTER AND IGNORE EXISTING
// KEY and CLEAR ignore the type, so nullopt writes 0 there, as mpathpersist does.
std::array<std::uint8_t, 10> pr_out_cdb(
    PrOutAction action, std::optional<PrType> type,
    std::uint32_t parameter_list_length = kPrOutBasicParameterLength) noexcept;

struct PrOutParameters {
    PrKey reservation_key = 0;
    PrKey service_action_key = 0;
    bool aptpl = false;      // activate persist through power loss
    bool all_tg_pt = false;  // register through every target port
    // Registers the initiator ports of a TransportID list that must follow the basic 24 bytes (with the
    // CDB's parameter list length counting them); this codec does not build that list.
    bool spec_i_pt = false;
    bool operator==(const PrOutParameters&) const = default;
};

// The basic PR OUT parameter list: reservation key (bytes 0-7), service action reservation key (8-15),
// flags in byte 20 (SPEC_I_PT bit 3, ALL_TG_PT bit 2, APTPL bit 0); the obsolete fields are zero.
std::array<std::uint8_t, kPrOutBasicParameterLength> pr_out_parameter_list(
    const PrOutParameters& parameters) noexcept;
// The inverse, for tests and for logging what was sent; needs at least 24 bytes.
Result<PrOutParameters> parse_pr_out_parameter_list(std::span<const std::uint8_t> bytes);

// READ KEYS reply. A target reports the full ADDITIONAL LENGTH even when the allocation length cut the
// list: then `truncated` is set, `keys` holds the keys that arrived whole, and `required_length` is the
// allocation length that gets them all (it can exceed kPrInMaxAllocationLength on a huge cluster).
struct PrKeyList {
    std::uint32_t generation = 0;
    std::vector<PrKey> keys;
    bool truncated = false;
    std::uint64_t required_length = 0;
};
// `reply` is the bytes actually transferred (allocation length minus residual).
Result<PrKeyList> parse_read_keys(std::span<const std::uint8_t> reply);

struct PrHolder {
    PrKey key = 0;
    std::uint8_t scope = 0;      // 0: LU_SCOPE
    std::uint8_t type_code = 0;  // raw TYPE field
    std::optional<PrType> type;  // nullopt for an obsolete or reserved TYPE
};

// READ RESERVATION reply: the generation and, when a reservation is held, its holder.
struct PrReservation {
    std::uint32_t generation = 0;
    std::optional<PrHolder> holder;
};
Result<PrReservation> parse_read_reservation(std::span<const std::uint8_t> reply);

// REPORT CAPABILITIES reply (SPC-4 6.15.4).
struct PrCapabilities {
    bool crh = false;     // compatible reservation handling
    bool sip_c = false;   // SPEC_I_PT supported
    bool atp_c = false;   // ALL_TG_PT supported
    bool ptpl_c = false;  // persist through power loss supported
    bool tmv = false;     // type mask valid
    std::uint8_t allow_commands = 0;
    bool ptpl_a = false;  // persist through power loss active
    // Bit n set: TYPE n supported (byte 4 holds types 1-7, bit 0 of byte 5 type 8). Meaningful when tmv.
    std::uint16_t type_mask = 0;

    // nullopt when the target does not say (TMV clear).
    std::optional<bool> supports(PrType type) const noexcept;
};
Result<PrCapabilities> parse_report_capabilities(std::span<const std::uint8_t> reply);

// SAM status codes a PR command or a checker's TEST UNIT READY can end with.
inline constexpr std::uint8_t kScsiStatusGood = 0x00;
inline constexpr std::uint8_t kScsiStatusCheckCondition = 0x02;
inline constexpr std::uint8_t kScsiStatusConditionMet = 0x04;
inline constexpr std::uint8_t kScsiStatusBusy = 0x08;
inline constexpr std::uint8_t kScsiStatusReservationConflict = 0x18;
inline constexpr std::uint8_t kScsiStatusTaskSetFull = 0x28;
inline constexpr std::uint8_t kScsiStatusAcaActive = 0x30;
inline constexpr std::uint8_t kScsiStatusTaskAborted = 0x40;

enum class SenseKey : std::uint8_t {
    NoSense = 0x0,
    RecoveredError = 0x1,
    NotReady = 0x2,
    MediumError = 0x3,
    HardwareError = 0x4,
    IllegalRequest = 0x5,
    UnitAttention = 0x6,
    DataProtect = 0x7,
    BlankCheck = 0x8,
    VendorSpecific = 0x9,
    CopyAborted = 0xa,
    AbortedCommand = 0xb,
    Reserved = 0xc,
    VolumeOverflow = 0xd,
    Miscompare = 0xe,
    Completed = 0xf,
};
const char* to_string(SenseKey key) noexcept;  // "ILLEGAL REQUEST"

struct SenseData {
    std::uint8_t response_code = 0;  // 0x70-0x73
    bool descriptor_format = false;  // 0x72/0x73
    bool deferred = false;           // 0x71/0x73: about an earlier command
    SenseKey sense_key = SenseKey::NoSense;
    // ASC/ASCQ are 0 when the sense data stops before them (has_asc false).
    bool has_asc = false;
    std::uint8_t asc = 0;
    std::uint8_t ascq = 0;
};

// Fixed (0x70/0x71: key in byte 2, ASC/ASCQ in bytes 12-13 within the additional length of byte 7) and
// descriptor (0x72/0x73: key, ASC, ASCQ in bytes 1-3) formats. Errors for an empty buffer, a response
// code of another format, or sense too short to hold the sense key.
Result<SenseData> parse_sense(std::span<const std::uint8_t> sense);

// "ILLEGAL REQUEST, ASC 0x20 ASCQ 0x00 (invalid command operation code)"; the text in brackets only for
// the additional sense codes PR and path checking meet.
std::string describe(const SenseData& sense);

enum class ScsiOutcome : std::uint8_t {
    Good,                 // GOOD, CONDITION MET, or CHECK CONDITION with RECOVERED ERROR
    ReservationConflict,  // another initiator holds the reservation, or our key is not registered
    NotSupported,         // ILLEGAL REQUEST, invalid command operation code or invalid field in CDB
    IllegalRequest,       // any other ILLEGAL REQUEST (e.g. invalid field in parameter list)
    UnitAttention,        // state changed (reset, reservations preempted): retry the command
    Busy,                 // BUSY, TASK SET FULL, ABORTED COMMAND, NOT READY but becoming ready: retry later
    Failed,               // anything else, including CHECK CONDITION without readable sense
};
const char* to_string(ScsiOutcome outcome) noexcept;
bool is_retryable(ScsiOutcome outcome) noexcept;

struct ScsiCompletion {
    ScsiOutcome outcome = ScsiOutcome::Failed;
    std::uint8_t status = 0;
    std::optional<SenseData> sense;  // set when CHECK CONDITION came with parseable sense
    std::string detail;              // "reservation conflict", the described sense, or why it failed
};

// Classifies the SAM status byte and the sense buffer the transport returned (its valid length only).
// Status bits 0 and 7 are masked off: SCSI-2 targets used them as vendor bits.
// An ILLEGAL REQUEST with ASC 0x24 for PR IN/OUT means the target rejects that service action or type,
// which to the caller is the same answer as the command being unknown.
ScsiCompletion classify_scsi_completion(std::uint8_t status, std::span<const std::uint8_t> sense);

}  // namespace pathkeeper::core
