#pragma once
// The text mpathpersist prints for PR IN replies. Scripts parse it with regular expressions (fence_mpath
// takes every line matching `\s+0x(\S+)\s*` as a key, and `\s+key\s*=\s*0x(\S+)\s+` as the holder), so a
// header line never has white space directly before a "0x".

#include <cstdint>
#include <span>
#include <string>

#include "core/persistent_reservation.hpp"

namespace pathkeeper::mpathpersist {

std::string format_read_keys(const core::PrKeyList& keys);
std::string format_read_reservation(const core::PrReservation& reservation);
std::string format_capabilities(const core::PrCapabilities& capabilities);
// Offset, 16 bytes in hex per line: "00     00 00 00 08 00 00 00 08  ..."
std::string format_hex(std::span<const std::uint8_t> bytes);

// "Write Exclusive, registrants only", as mpathpersist names the TYPE field values.
std::string type_description(std::uint8_t type_code);

}  // namespace pathkeeper::mpathpersist
