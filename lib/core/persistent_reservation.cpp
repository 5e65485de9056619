#include "core/persistent_reservation.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace pathkeeper::core {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string hex_byte(std::uint8_t b) {
    return std::string("0x") + hex_digits[b >> 4] + hex_digits[b & 0xf];
}

std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) {
    return (static_cast<std::uint32_t>(b[at]) << 24) | (static_cast<std::uint32_t>(b[at + 1]) << 16) |
           (static_cast<std::uint32_t>(b[at + 2]) << 8) | b[at + 3];
}

std::uint64_t be64(std::span<const std::uint8_t> b, std::size_t at) {
    return (static_cast<std::uint64_t>(be32(b, at)) << 32) | be32(b, at + 4);
}

template <std::size_t N>
void put_be64(std::array<std::uint8_t, N>& out, std::size_t at, std::uint64_t v) {
    for (std::size_t i = 0; i < 8; ++i) {
        out[at + i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
    }
}

Error invalid(const char* what, const std::string& message) {
    return make_error(ErrorCode::InvalidArgument, std::string(what) + ": " + message);
}

bool hex_value(char c, std::uint8_t& v) {
    if (c >= '0' && c <= '9') {
        v = static_cast<std::uint8_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
        v = static_cast<std::uint8_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
        v = static_cast<std::uint8_t>(c - 'A' + 10);
    } else {
        return false;
    }
    return true;
}

struct TypeNames {
    PrType type;
    const char* name;
    const char* abbreviation;
    const char* spc_name;  // SPC's abbreviation (WR_EX_RO), with '-' for '_'
};

constexpr std::array<TypeNames, 6> type_names{{
    {PrType::WriteExclusive, "write-exclusive", "WE", "wr-ex"},
    {PrType::ExclusiveAccess, "exclusive-access", "EA", "ex-ac"},
    {PrType::WriteExclusiveRegistrantsOnly, "write-exclusive-registrants-only", "WERO", "wr-ex-ro"},
    {PrType::ExclusiveAccessRegistrantsOnly, "exclusive-access-registrants-only", "EARO", "ex-ac-ro"},
    {PrType::WriteExclusiveAllRegistrants, "write-exclusive-all-registrants", "WEAR", "wr-ex-ar"},
    {PrType::ExclusiveAccessAllRegistrants, "exclusive-access-all-registrants", "EAAR", "ex-ac-ar"},
}};

// Additional sense codes met by PR commands and path checkers, for readable messages.
struct AscText {
    std::uint8_t asc;
    int ascq;  // -1: any
    const char* text;
};

constexpr std::array<AscText, 15> asc_texts{{
    {0x04, 0x01, "logical unit is in process of becoming ready"},
    {0x04, 0x07, "logical unit not ready, operation in progress"},
    {0x04, 0x0a, "logical unit not accessible, asymmetric access state transition"},
    {0x04, 0x0b, "logical unit not accessible, target port in standby state"},
    {0x04, 0x0c, "logical unit not accessible, target port in unavailable state"},
    {0x04, -1, "logical unit not ready"},
    {0x20, 0x00, "invalid command operation code"},
    {0x24, 0x00, "invalid field in CDB"},
    {0x26, 0x00, "invalid field in parameter list"},
    {0x29, -1, "power on, reset, or bus device reset occurred"},
    {0x2a, 0x03, "reservations preempted"},
    {0x2a, 0x04, "reservations released"},
    {0x2a, 0x05, "registrations preempted"},
    {0x2a, 0x06, "asymmetric access state changed"},
    {0x55, 0x04, "insufficient registration resources"},
}};

}  // namespace

std::uint8_t service_action_code(PrInAction action) noexcept {
    switch (action) {
        case PrInAction::ReadKeys:
            return 0x00;
        case PrInAction::ReadReservation:
            return 0x01;
        case PrInAction::ReportCapabilities:
            return 0x02;
    }
    return 0x00;
}

std::uint8_t service_action_code(PrOutAction action) noexcept {
    switch (action) {
        case PrOutAction::Register:
            return 0x00;
        case PrOutAction::Reserve:
            return 0x01;
        case PrOutAction::Release:
            return 0x02;
        case PrOutAction::Clear:
            return 0x03;
        case PrOutAction::Preempt:
            return 0x04;
        case PrOutAction::PreemptAndAbort:
            return 0x05;
        case PrOutAction::RegisterAndIgnoreExistingKey:
            return 0x06;
    }
    return 0x00;
}

const char* to_string(PrType type) noexcept {
    for (const auto& names : type_names) {
        if (names.type == type) {
            return names.name;
        }
    }
    return "unknown";
}

const char* short_name(PrType type) noexcept {
    for (const auto& names : type_names) {
        if (names.type == type) {
            return names.abbreviation;
        }
    }
    return "?";
}

const char* to_string(PrOutAction action) noexcept {
    switch (action) {
        case PrOutAction::Register:
            return "register";
        case PrOutAction::Reserve:
            return "reserve";
        case PrOutAction::Release:
            return "release";
        case PrOutAction::Clear:
            return "clear";
        case PrOutAction::Preempt:
            return "preempt";
        case PrOutAction::PreemptAndAbort:
            return "preempt-and-abort";
        case PrOutAction::RegisterAndIgnoreExistingKey:
            return "register-and-ignore-existing-key";
    }
    return "unknown";
}

const char* to_string(PrInAction action) noexcept {
    switch (action) {
        case PrInAction::ReadKeys:
            return "read-keys";
        case PrInAction::ReadReservation:
            return "read-reservation";
        case PrInAction::ReportCapabilities:
            return "report-capabilities";
    }
    return "unknown";
}

std::optional<PrType> pr_type_from_code(std::uint8_t code) noexcept {
    for (const auto& names : type_names) {
        if (static_cast<std::uint8_t>(names.type) == code) {
            return names.type;
        }
    }
    return std::nullopt;
}

Result<PrType> parse_pr_type(std::string_view text) {
    auto fail = [&](const std::string& why) {
        return make_error(ErrorCode::InvalidArgument, "reservation type '" + text::quote(text) + "': " + why);
    };
    if (text.empty()) {
        return fail("empty");
    }
    std::string normalized = text::to_lower_ascii(text);
    for (char& c : normalized) {
        if (c == '_') {
            c = '-';
        }
    }
    for (const auto& names : type_names) {
        if (normalized == names.name || normalized == text::to_lower_ascii(names.abbreviation) ||
            normalized == names.spc_name) {
            return names.type;
        }
    }
    // mpathpersist reads --prout-type as hex, which for the valid single digits is the same as decimal.
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
    }
    bool numeric = !digits.empty() && digits.size() <= 2;
    unsigned value = 0;
    for (const char c : digits) {
        std::uint8_t v = 0;
        numeric = numeric && hex_value(c, v);
        value = value * 16 + v;
    }
    if (numeric) {
        if (auto type = pr_type_from_code(static_cast<std::uint8_t>(value))) {
            return *type;
        }
        return fail("type " + std::to_string(value) + " is obsolete or reserved (valid: 1, 3, 5, 6, 7, 8)");
    }
    return fail(
        "not a type (expected 1, 3, 5, 6, 7, 8, a name such as write-exclusive-registrants-only, or "
        "WE, EA, WERO, EARO, WEAR, EAAR)");
}

Result<PrKey> parse_pr_key(std::string_view text) {
    auto fail = [&](const std::string& why) {
        return make_error(ErrorCode::InvalidArgument, "reservation key '" + text::quote(text) + "': " + why);
    };
    std::string_view digits = text;
    if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
    }
    if (digits.empty()) {
        return fail("no hex digits");
    }
    PrKey key = 0;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        std::uint8_t v = 0;
        if (!hex_value(digits[i], v)) {
            return fail("'" + text::quote(digits.substr(i, 1)) + "' at position " +
                        std::to_string(text.size() - digits.size() + i) + " is not a hex digit");
        }
        key = (key << 4) | v;
    }
    if (digits.size() > 16) {
        return fail(std::to_string(digits.size()) + " hex digits, a key has at most 16 (8 bytes)");
    }
    return key;
}

std::string format_pr_key(PrKey key) {
    std::string out;
    do {
        out.insert(out.begin(), hex_digits[key & 0xf]);
        key >>= 4;
    } while (key != 0);
    return "0x" + out;
}

std::array<std::uint8_t, 10> pr_in_cdb(PrInAction action, std::uint16_t allocation_length) noexcept {
    std::array<std::uint8_t, 10> cdb{};
    cdb[0] = kPrInOpcode;
    cdb[1] = service_action_code(action);
    cdb[7] = static_cast<std::uint8_t>(allocation_length >> 8);
    cdb[8] = static_cast<std::uint8_t>(allocation_length & 0xff);
    return cdb;
}

std::array<std::uint8_t, 10> pr_out_cdb(PrOutAction action, std::optional<PrType> type,
                                        std::uint32_t parameter_list_length) noexcept {
    std::array<std::uint8_t, 10> cdb{};
    cdb[0] = kPrOutOpcode;
    cdb[1] = service_action_code(action);
    // Scope (high nibble) stays 0, LU_SCOPE.
    cdb[2] = type ? static_cast<std::uint8_t>(*type) : 0;
    cdb[5] = static_cast<std::uint8_t>(parameter_list_length >> 24);
    cdb[6] = static_cast<std::uint8_t>(parameter_list_length >> 16);
    cdb[7] = static_cast<std::uint8_t>(parameter_list_length >> 8);
    cdb[8] = static_cast<std::uint8_t>(parameter_list_length & 0xff);
    return cdb;
}

std::array<std::uint8_t, kPrOutBasicParameterLength> pr_out_parameter_list(
    const PrOutParameters& parameters) noexcept {
    std::array<std::uint8_t, kPrOutBasicParameterLength> list{};
    put_be64(list, 0, parameters.reservation_key);
    put_be64(list, 8, parameters.service_action_key);
    list[20] = static_cast<std::uint8_t>((parameters.spec_i_pt ? 0x08 : 0) |
                                         (parameters.all_tg_pt ? 0x04 : 0) | (parameters.aptpl ? 0x01 : 0));
    return list;
}

Result<PrOutParameters> parse_pr_out_parameter_list(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < kPrOutBasicParameterLength) {
        return invalid("PR OUT parameter list", std::to_string(bytes.size()) + " bytes, shorter than the " +
                                                    std::to_string(kPrOutBasicParameterLength) +
                                                    "-byte basic list");
    }
    PrOutParameters out;
    out.reservation_key = be64(bytes, 0);
    out.service_action_key = be64(bytes, 8);
    out.spec_i_pt = (bytes[20] & 0x08) != 0;
    out.all_tg_pt = (bytes[20] & 0x04) != 0;
    out.aptpl = (bytes[20] & 0x01) != 0;
    return out;
}

Result<PrKeyList> parse_read_keys(std::span<const std::uint8_t> reply) {
    constexpr const char* what = "READ KEYS reply";
    if (reply.size() < 8) {
        return invalid(what, std::to_string(reply.size()) + " bytes, shorter than the 8-byte header");
    }
    PrKeyList out;
    out.generation = be32(reply, 0);
    const std::uint32_t additional = be32(reply, 4);
    if (additional % 8 != 0) {
        return invalid(what, "additional length " + std::to_string(additional) +
                                 " at byte 4 is not a multiple of the 8-byte key size");
    }
    out.required_length = 8 + static_cast<std::uint64_t>(additional);
    const std::uint64_t available = std::min<std::uint64_t>(reply.size() - 8, additional);
    out.truncated = available < additional;
    const std::size_t whole = static_cast<std::size_t>(available / 8);
    out.keys.reserve(whole);
    for (std::size_t i = 0; i < whole; ++i) {
        out.keys.push_back(be64(reply, 8 + 8 * i));
    }
    return out;
}

Result<PrReservation> parse_read_reservation(std::span<const std::uint8_t> reply) {
    constexpr const char* what = "READ RESERVATION reply";
    if (reply.size() < 8) {
        return invalid(what, std::to_string(reply.size()) + " bytes, shorter than the 8-byte header");
    }
    PrReservation out;
    out.generation = be32(reply, 0);
    const std::uint32_t additional = be32(reply, 4);
    if (additional == 0) {
        return out;
    }
    // One 16-byte descriptor; larger values were element-scope lists of SPC-2 and only the first counts.
    if (additional < 16) {
        return invalid(what, "additional length " + std::to_string(additional) +
                                 " at byte 4 is neither 0 (no reservation) nor the 16 of a reservation "
                                 "descriptor");
    }
    if (reply.size() < 24) {
        return invalid(what, "the reservation descriptor needs 24 bytes, the reply holds " +
                                 std::to_string(reply.size()));
    }
    PrHolder holder;
    holder.key = be64(reply, 8);
    holder.scope = static_cast<std::uint8_t>(reply[21] >> 4);
    holder.type_code = static_cast<std::uint8_t>(reply[21] & 0x0f);
    holder.type = pr_type_from_code(holder.type_code);
    out.holder = holder;
    return out;
}

std::optional<bool> PrCapabilities::supports(PrType type) const noexcept {
    if (!tmv) {
        return std::nullopt;
    }
    return (type_mask & (1U << static_cast<unsigned>(type))) != 0;
}

Result<PrCapabilities> parse_report_capabilities(std::span<const std::uint8_t> reply) {
    constexpr const char* what = "REPORT CAPABILITIES reply";
    if (reply.size() < 8) {
        return invalid(what, std::to_string(reply.size()) + " bytes, shorter than the 8-byte reply");
    }
    const unsigned length = (static_cast<unsigned>(reply[0]) << 8) | reply[1];
    if (length < 8) {
        return invalid(what, "length " + std::to_string(length) +
                                 " at byte 0 is shorter than the 8 bytes "
                                 "of the capabilities");
    }
    PrCapabilities out;
    out.crh = (reply[2] & 0x10) != 0;
    out.sip_c = (reply[2] & 0x08) != 0;
    out.atp_c = (reply[2] & 0x04) != 0;
    out.ptpl_c = (reply[2] & 0x01) != 0;
    out.tmv = (reply[3] & 0x80) != 0;
    out.allow_commands = static_cast<std::uint8_t>((reply[3] >> 4) & 0x07);
    out.ptpl_a = (reply[3] & 0x01) != 0;
    // Read little-endian so that bit n stands for TYPE n; obsolete and reserved bits are dropped.
    out.type_mask = static_cast<std::uint16_t>((reply[4] | (reply[5] << 8)) & 0x01ea);
    return out;
}

const char* to_string(SenseKey key) noexcept {
    switch (key) {
        case SenseKey::NoSense:
            return "NO SENSE";
        case SenseKey::RecoveredError:
            return "RECOVERED ERROR";
        case SenseKey::NotReady:
            return "NOT READY";
        case SenseKey::MediumError:
            return "MEDIUM ERROR";
        case SenseKey::HardwareError:
            return "HARDWARE ERROR";
        case SenseKey::IllegalRequest:
            return "ILLEGAL REQUEST";
        case SenseKey::UnitAttention:
            return "UNIT ATTENTION";
        case SenseKey::DataProtect:
            return "DATA PROTECT";
        case SenseKey::BlankCheck:
            return "BLANK CHECK";
        case SenseKey::VendorSpecific:
            return "VENDOR SPECIFIC";
        case SenseKey::CopyAborted:
            return "COPY ABORTED";
        case SenseKey::AbortedCommand:
            return "ABORTED COMMAND";
        case SenseKey::Reserved:
            return "RESERVED";
        case SenseKey::VolumeOverflow:
            return "VOLUME OVERFLOW";
        case SenseKey::Miscompare:
            return "MISCOMPARE";
        case SenseKey::Completed:
            return "COMPLETED";
    }
    return "UNKNOWN";
}

Result<SenseData> parse_sense(std::span<const std::uint8_t> sense) {
    constexpr const char* what = "sense data";
    if (sense.empty()) {
        return invalid(what, "empty");
    }
    SenseData out;
    out.response_code = static_cast<std::uint8_t>(sense[0] & 0x7f);  // bit 7: VALID (INFORMATION field)
    if (out.response_code < 0x70 || out.response_code > 0x73) {
        return invalid(what, "response code " + hex_byte(out.response_code) +
                                 " is neither fixed (0x70/0x71) nor descriptor (0x72/0x73) format");
    }
    out.descriptor_format = out.response_code >= 0x72;
    out.deferred = (out.response_code & 0x01) != 0;
    if (out.descriptor_format) {
        if (sense.size() < 2) {
            return invalid(what, "descriptor format cut before the sense key in byte 1");
        }
        out.sense_key = static_cast<SenseKey>(sense[1] & 0x0f);
        if (sense.size() >= 4) {
            out.has_asc = true;
            out.asc = sense[2];
            out.ascq = sense[3];
        }
        return out;
    }
    if (sense.size() < 3) {
        return invalid(what, "fixed format cut before the sense key in byte 2");
    }
    out.sense_key = static_cast<SenseKey>(sense[2] & 0x0f);
    // ASC and ASCQ count only when both the buffer and the ADDITIONAL SENSE LENGTH reach them.
    if (sense.size() >= 14 && 8U + sense[7] >= 14U) {
        out.has_asc = true;
        out.asc = sense[12];
        out.ascq = sense[13];
    }
    return out;
}

std::string describe(const SenseData& sense) {
    std::string out = to_string(sense.sense_key);
    if (sense.deferred) {
        out += " (deferred)";
    }
    if (!sense.has_asc) {
        return out;
    }
    out += ", ASC " + hex_byte(sense.asc) + " ASCQ " + hex_byte(sense.ascq);
    for (const auto& known : asc_texts) {
        if (known.asc == sense.asc && (known.ascq < 0 || known.ascq == sense.ascq)) {
            out += std::string(" (") + known.text + ")";
            break;
        }
    }
    return out;
}

const char* to_string(ScsiOutcome outcome) noexcept {
    switch (outcome) {
        case ScsiOutcome::Good:
            return "good";
        case ScsiOutcome::ReservationConflict:
            return "reservation conflict";
        case ScsiOutcome::NotSupported:
            return "not supported";
        case ScsiOutcome::IllegalRequest:
            return "illegal request";
        case ScsiOutcome::UnitAttention:
            return "unit attention";
        case ScsiOutcome::Busy:
            return "busy";
        case ScsiOutcome::Failed:
            return "failed";
    }
    return "unknown";
}

bool is_retryable(ScsiOutcome outcome) noexcept {
    return outcome == ScsiOutcome::UnitAttention || outcome == ScsiOutcome::Busy;
}

ScsiCompletion classify_scsi_completion(std::uint8_t status, std::span<const std::uint8_t> sense) {
    ScsiCompletion out;
    out.status = static_cast<std::uint8_t>(status & 0x7e);
    switch (out.status) {
        case kScsiStatusGood:
        case kScsiStatusConditionMet:
            out.outcome = ScsiOutcome::Good;
            out.detail = "good";
            return out;
        case kScsiStatusReservationConflict:
            out.outcome = ScsiOutcome::ReservationConflict;
            out.detail = "reservation conflict";
            return out;
        case kScsiStatusBusy:
        case kScsiStatusTaskSetFull:
            out.outcome = ScsiOutcome::Busy;
            out.detail = out.status == kScsiStatusBusy ? "busy" : "task set full";
            return out;
        case kScsiStatusCheckCondition:
            break;
        default:
            out.outcome = ScsiOutcome::Failed;
            out.detail = "SCSI status " + hex_byte(out.status);
            return out;
    }
    auto parsed = parse_sense(sense);
    if (!parsed) {
        out.outcome = ScsiOutcome::Failed;
        out.detail = "check condition without usable sense: " + parsed.error().message;
        return out;
    }
    const SenseData& s = *parsed;
    out.sense = s;
    out.detail = describe(s);
    switch (s.sense_key) {
        case SenseKey::RecoveredError:
        case SenseKey::Completed:
            out.outcome = ScsiOutcome::Good;
            break;
        case SenseKey::IllegalRequest:
            if (s.has_asc && (s.asc == 0x20 || s.asc == 0x24)) {
                out.outcome = ScsiOutcome::NotSupported;
                out.detail = "target does not support persistent reservations: " + out.detail;
            } else {
                out.outcome = ScsiOutcome::IllegalRequest;
            }
            break;
        case SenseKey::UnitAttention:
            out.outcome = ScsiOutcome::UnitAttention;
            break;
        case SenseKey::AbortedCommand:
            out.outcome = ScsiOutcome::Busy;
            break;
        case SenseKey::NotReady:
            // Only the passing states: becoming ready, operation in progress, ALUA transition. Standby,
            // unavailable or a stopped unit stay so until someone acts.
            out.outcome = s.has_asc && s.asc == 0x04 && (s.ascq == 0x01 || s.ascq == 0x07 || s.ascq == 0x0a)
                              ? ScsiOutcome::Busy
                              : ScsiOutcome::Failed;
            break;
        default:
            out.outcome = ScsiOutcome::Failed;
            break;
    }
    return out;
}

}  // namespace pathkeeper::core
