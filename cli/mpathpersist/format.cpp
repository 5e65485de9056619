#include "cli/mpathpersist/format.hpp"

#include <cstdio>

namespace pathkeeper::mpathpersist {
namespace {

std::string hex32(std::uint32_t value) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%x", value);
    return text;
}

std::string flag_line(const char* label, bool value) {
    return std::string("  ") + label + ": " + (value ? "1" : "0") + "\n";
}

}  // namespace

std::string type_description(std::uint8_t type_code) {
    switch (type_code) {
        case 1:
            return "Write Exclusive";
        case 3:
            return "Exclusive Access";
        case 5:
            return "Write Exclusive, registrants only";
        case 6:
            return "Exclusive Access, registrants only";
        case 7:
            return "Write Exclusive, all registrants";
        case 8:
            return "Exclusive Access, all registrants";
        case 0:
        case 2:
        case 4:
            return "obsolete [" + std::to_string(type_code) + "]";
        default:
            return "reserved [" + std::to_string(type_code) + "]";
    }
}

std::string format_read_keys(const core::PrKeyList& keys) {
    std::string out = "  PR generation=" + hex32(keys.generation) + ", ";
    if (keys.keys.empty() && !keys.truncated) {
        return out + "there are NO registered reservation keys\n";
    }
    out += std::to_string(keys.keys.size()) + " registered reservation key(s) follow:\n";
    for (const core::PrKey key : keys.keys) {
        out += "    " + core::format_pr_key(key) + "\n";
    }
    if (keys.truncated) {
        out += "  (list truncated: the full list needs " + std::to_string(keys.required_length) +
               " bytes of reply)\n";
    }
    return out;
}

std::string format_read_reservation(const core::PrReservation& reservation) {
    std::string out = "  PR generation=" + hex32(reservation.generation) + ", ";
    if (!reservation.holder) {
        return out + "there is NO reservation held\n";
    }
    const core::PrHolder& holder = *reservation.holder;
    out += "Reservation follows:\n";
    out += "   Key = " + core::format_pr_key(holder.key) + "\n";
    out += std::string("  scope = ") +
           (holder.scope == 0 ? "LU_SCOPE" : "obsolete scope [" + std::to_string(holder.scope) + "]");
    out += ", type = " + type_description(holder.type_code) + "\n";
    return out;
}

std::string format_capabilities(const core::PrCapabilities& caps) {
    std::string out = "Report capabilities response:\n";
    out += flag_line("Compatible Reservation Handling(CRH)", caps.crh);
    out += flag_line("Specify Initiator Ports Capable(SIP_C)", caps.sip_c);
    out += flag_line("All Target Ports Capable(ATP_C)", caps.atp_c);
    out += flag_line("Persist Through Power Loss Capable(PTPL_C)", caps.ptpl_c);
    out += flag_line("Type Mask Valid(TMV)", caps.tmv);
    out += "  Allow Commands: " + std::to_string(caps.allow_commands) + "\n";
    out += flag_line("Persist Through Power Loss Active(PTPL_A)", caps.ptpl_a);
    if (caps.tmv) {
        out += "    Support indicated in Type mask:\n";
        for (const std::uint8_t code : {7, 6, 5, 3, 1, 8}) {
            const bool supported = (caps.type_mask & (1U << code)) != 0;
            out += "      " + type_description(code) + ": " + (supported ? "1" : "0") + "\n";
        }
    }
    return out;
}

std::string format_hex(std::span<const std::uint8_t> bytes) {
    std::string out;
    for (std::size_t offset = 0; offset < bytes.size(); offset += 16) {
        char text[24];
        std::snprintf(text, sizeof text, "%02zx    ", offset);
        out += text;
        for (std::size_t i = offset; i < offset + 16 && i < bytes.size(); ++i) {
            std::snprintf(text, sizeof text, " %02x", bytes[i]);
            out += text;
            if (i - offset == 7 && i + 1 < bytes.size()) {
                out += ' ';
            }
        }
        out += '\n';
    }
    return out;
}

}  // namespace pathkeeper::mpathpersist
