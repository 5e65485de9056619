#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/persistent_reservation.hpp"

using namespace pathkeeper::core;

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::array<PrType, 6> all_types{
    PrType::WriteExclusive,
    PrType::ExclusiveAccess,
    PrType::WriteExclusiveRegistrantsOnly,
    PrType::ExclusiveAccessRegistrantsOnly,
    PrType::WriteExclusiveAllRegistrants,
    PrType::ExclusiveAccessAllRegistrants,
};

constexpr std::array<PrOutAction, 7> all_out_actions{
    PrOutAction::Register,
    PrOutAction::Reserve,
    PrOutAction::Release,
    PrOutAction::Clear,
    PrOutAction::Preempt,
    PrOutAction::PreemptAndAbort,
    PrOutAction::RegisterAndIgnoreExistingKey,
};

void append_be32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
}

void append_be64(Bytes& out, std::uint64_t v) {
    append_be32(out, static_cast<std::uint32_t>(v >> 32));
    append_be32(out, static_cast<std::uint32_t>(v));
}

// A READ KEYS reply whose additional length says `declared_keys` keys while `sent_keys` of them follow.
Bytes read_keys_reply(std::uint32_t generation, const std::vector<PrKey>& keys, std::size_t declared_keys) {
    Bytes out;
    append_be32(out, generation);
    append_be32(out, static_cast<std::uint32_t>(8 * declared_keys));
    for (const PrKey key : keys) {
        append_be64(out, key);
    }
    return out;
}

Bytes read_reservation_reply(std::uint32_t generation, PrKey key, std::uint8_t scope_type) {
    Bytes out;
    append_be32(out, generation);
    append_be32(out, 16);
    append_be64(out, key);
    append_be32(out, 0);  // obsolete scope-specific address
    out.push_back(0);
    out.push_back(scope_type);
    out.push_back(0);
    out.push_back(0);
    return out;
}

Bytes fixed_sense(std::uint8_t key, std::uint8_t asc, std::uint8_t ascq) {
    Bytes s(18, 0);
    s[0] = 0x70;
    s[2] = key;
    s[7] = 10;  // additional sense length: bytes 8..17
    s[12] = asc;
    s[13] = ascq;
    return s;
}

Bytes descriptor_sense(std::uint8_t key, std::uint8_t asc, std::uint8_t ascq) {
    return Bytes{0x72, key, asc, ascq, 0, 0, 0, 0};
}

// A small deterministic generator: the same buffers on every run, so a failure reproduces.
struct Lcg {
    std::uint32_t state;
    std::uint32_t next() {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    }
};

}  // namespace

TEST(PrCdb, PrInCarriesServiceActionAndBigEndianAllocationLength) {
    const std::array<std::uint8_t, 10> keys{0x5e, 0x00, 0, 0, 0, 0, 0, 0x20, 0x08, 0};
    EXPECT_EQ(pr_in_cdb(PrInAction::ReadKeys, 0x2008), keys);
    const std::array<std::uint8_t, 10> reservation{0x5e, 0x01, 0, 0, 0, 0, 0, 0x00, 0x18, 0};
    EXPECT_EQ(pr_in_cdb(PrInAction::ReadReservation, 24), reservation);
    const std::array<std::uint8_t, 10> capabilities{0x5e, 0x02, 0, 0, 0, 0, 0, 0xff, 0xff, 0};
    EXPECT_EQ(pr_in_cdb(PrInAction::ReportCapabilities, kPrInMaxAllocationLength), capabilities);
}

TEST(PrCdb, PrOutCarriesEveryServiceActionAndType) {
    // SPC-4 table 210: REGISTER 0 ... REGISTER AND IGNORE EXISTING KEY 6.
    for (std::size_t a = 0; a < all_out_actions.size(); ++a) {
        for (const PrType type : all_types) {
            const auto cdb = pr_out_cdb(all_out_actions[a], type);
            const std::array<std::uint8_t, 10> expected{
                0x5f, static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(type), 0, 0, 0, 0, 0, 24, 0};
            EXPECT_EQ(cdb, expected) << to_string(all_out_actions[a]) << " " << to_string(type);
        }
    }
}

TEST(PrCdb, PrOutWithoutTypeWritesZeroScopeAndType) {
    const std::array<std::uint8_t, 10> expected{0x5f, 0x06, 0, 0, 0, 0, 0, 0, 24, 0};
    EXPECT_EQ(pr_out_cdb(PrOutAction::RegisterAndIgnoreExistingKey, std::nullopt), expected);
}

TEST(PrCdb, PrOutParameterListLengthIsFourBytesBigEndian) {
    const std::array<std::uint8_t, 10> expected{0x5f, 0x00, 0x05, 0, 0, 0x01, 0x02, 0x03, 0x04, 0};
    EXPECT_EQ(pr_out_cdb(PrOutAction::Register, PrType::WriteExclusiveRegistrantsOnly, 0x01020304), expected);
}

TEST(PrCdb, ServiceActionCodesFollowSpc) {
    EXPECT_EQ(service_action_code(PrInAction::ReadKeys), 0);
    EXPECT_EQ(service_action_code(PrInAction::ReadReservation), 1);
    EXPECT_EQ(service_action_code(PrInAction::ReportCapabilities), 2);
    EXPECT_EQ(service_action_code(PrOutAction::Register), 0);
    EXPECT_EQ(service_action_code(PrOutAction::Reserve), 1);
    EXPECT_EQ(service_action_code(PrOutAction::Release), 2);
    EXPECT_EQ(service_action_code(PrOutAction::Clear), 3);
    EXPECT_EQ(service_action_code(PrOutAction::Preempt), 4);
    EXPECT_EQ(service_action_code(PrOutAction::PreemptAndAbort), 5);
    EXPECT_EQ(service_action_code(PrOutAction::RegisterAndIgnoreExistingKey), 6);
}

TEST(PrOutParameterList, PlacesKeysBigEndianAndFlagsInByte20) {
    PrOutParameters p;
    p.reservation_key = 0x0102030405060708;
    p.service_action_key = 0x1112131415161718;
    p.aptpl = true;
    const std::array<std::uint8_t, 24> expected{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                                0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
                                                0,    0,    0,    0,    0x01, 0,    0,    0};
    EXPECT_EQ(pr_out_parameter_list(p), expected);
}

TEST(PrOutParameterList, EachFlagHasItsOwnBit) {
    PrOutParameters p;
    EXPECT_EQ(pr_out_parameter_list(p)[20], 0x00);
    p.all_tg_pt = true;
    EXPECT_EQ(pr_out_parameter_list(p)[20], 0x04);
    p = PrOutParameters{};
    p.spec_i_pt = true;
    EXPECT_EQ(pr_out_parameter_list(p)[20], 0x08);
    p.all_tg_pt = true;
    p.aptpl = true;
    EXPECT_EQ(pr_out_parameter_list(p)[20], 0x0d);
    const auto list = pr_out_parameter_list(p);
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i != 20) {
            EXPECT_EQ(list[i], 0) << "byte " << i;
        }
    }
}

TEST(PrOutParameterList, RoundTripsEveryFlagCombination) {
    for (unsigned bits = 0; bits < 8; ++bits) {
        PrOutParameters p;
        p.reservation_key = 0xdeadbeef00000000ULL + bits;
        p.service_action_key = ~p.reservation_key;
        p.aptpl = (bits & 1) != 0;
        p.all_tg_pt = (bits & 2) != 0;
        p.spec_i_pt = (bits & 4) != 0;
        const auto list = pr_out_parameter_list(p);
        auto back = parse_pr_out_parameter_list(list);
        ASSERT_TRUE(back.ok()) << back.error().message;
        EXPECT_EQ(*back, p) << bits;
    }
    const Bytes short_list(23, 0);
    auto r = parse_pr_out_parameter_list(short_list);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("23 bytes"), std::string::npos) << r.error().message;
}

TEST(PrKeyText, ParsesHexWithAndWithoutPrefix) {
    EXPECT_EQ(*parse_pr_key("0x123abc"), 0x123abcU);
    EXPECT_EQ(*parse_pr_key("123abc"), 0x123abcU);
    EXPECT_EQ(*parse_pr_key("0X123ABC"), 0x123abcU);
    EXPECT_EQ(*parse_pr_key("0"), 0U);
    EXPECT_EQ(*parse_pr_key("0x0"), 0U);
    EXPECT_EQ(*parse_pr_key("ffffffffffffffff"), 0xffffffffffffffffULL);
    EXPECT_EQ(*parse_pr_key("0x0000000000000001"), 1U);
}

TEST(PrKeyText, RejectionsQuoteTheTextAndSayWhy) {
    struct Case {
        const char* text;
        const char* why;
    };
    const Case cases[] = {
        {"", "no hex digits"},
        {"0x", "no hex digits"},
        {"12g4", "'g' at position 2 is not a hex digit"},
        {"0x12 ", "' ' at position 4"},
        {" 12", "position 0"},
        {"-1", "'-' at position 0"},
        {"0x1ffffffffffffffff", "17 hex digits, a key has at most 16 (8 bytes)"},
        {"00000000000000000", "17 hex digits"},
    };
    for (const auto& c : cases) {
        auto r = parse_pr_key(c.text);
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(r.error().message.find(std::string("'") + c.text + "'"), std::string::npos)
            << r.error().message;
        EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
    }
}

TEST(PrKeyText, FormatsLikeMpathpersistAndRoundTrips) {
    EXPECT_EQ(format_pr_key(0), "0x0");
    EXPECT_EQ(format_pr_key(0x123abc), "0x123abc");
    EXPECT_EQ(format_pr_key(0xffffffffffffffffULL), "0xffffffffffffffff");
    EXPECT_EQ(format_pr_key(0x0100000000000000ULL), "0x100000000000000");
    Lcg rng{7};
    for (int i = 0; i < 1000; ++i) {
        const PrKey key =
            (static_cast<PrKey>(rng.next()) << 40) ^ (static_cast<PrKey>(rng.next()) << 16) ^ rng.next();
        auto back = parse_pr_key(format_pr_key(key));
        ASSERT_TRUE(back.ok());
        EXPECT_EQ(*back, key);
    }
}

TEST(PrTypeText, AcceptsMpathpersistNumbers) {
    EXPECT_EQ(*parse_pr_type("1"), PrType::WriteExclusive);
    EXPECT_EQ(*parse_pr_type("3"), PrType::ExclusiveAccess);
    EXPECT_EQ(*parse_pr_type("5"), PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(*parse_pr_type("6"), PrType::ExclusiveAccessRegistrantsOnly);
    EXPECT_EQ(*parse_pr_type("7"), PrType::WriteExclusiveAllRegistrants);
    EXPECT_EQ(*parse_pr_type("8"), PrType::ExclusiveAccessAllRegistrants);
    EXPECT_EQ(*parse_pr_type("0x5"), PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(*parse_pr_type("05"), PrType::WriteExclusiveRegistrantsOnly);
}

TEST(PrTypeText, AcceptsNamesAbbreviationsAndSpcNames) {
    EXPECT_EQ(*parse_pr_type("write-exclusive-registrants-only"), PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(*parse_pr_type("WERO"), PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(*parse_pr_type("wero"), PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(*parse_pr_type("WR_EX_RO"), PrType::WriteExclusiveRegistrantsOnly);
    EXPECT_EQ(*parse_pr_type("Exclusive_Access"), PrType::ExclusiveAccess);
    // "EA" is also a hex number (234); the name wins.
    EXPECT_EQ(*parse_pr_type("EA"), PrType::ExclusiveAccess);
    EXPECT_EQ(*parse_pr_type("EAAR"), PrType::ExclusiveAccessAllRegistrants);
    EXPECT_EQ(*parse_pr_type("ex-ac-ar"), PrType::ExclusiveAccessAllRegistrants);
}

TEST(PrTypeText, EveryTypeRoundTripsThroughItsNamesAndCode) {
    for (const PrType type : all_types) {
        EXPECT_EQ(*parse_pr_type(to_string(type)), type);
        EXPECT_EQ(*parse_pr_type(short_name(type)), type);
        EXPECT_EQ(*parse_pr_type(std::to_string(static_cast<int>(type))), type);
        EXPECT_EQ(pr_type_from_code(static_cast<std::uint8_t>(type)), type);
    }
    EXPECT_STREQ(to_string(PrType::WriteExclusiveAllRegistrants), "write-exclusive-all-registrants");
    EXPECT_STREQ(short_name(PrType::WriteExclusiveAllRegistrants), "WEAR");
}

TEST(PrTypeText, RejectsObsoleteNumbersAndUnknownNames) {
    for (const char* text : {"0", "2", "4", "9", "0xf", "ff"}) {
        auto r = parse_pr_type(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_NE(r.error().message.find(std::string("'") + text + "'"), std::string::npos)
            << r.error().message;
        EXPECT_NE(r.error().message.find("obsolete or reserved"), std::string::npos) << r.error().message;
    }
    for (const char* text : {"", "write", "exclusive", "WERO ", "100", "5x", "write-exclusive-ro"}) {
        auto r = parse_pr_type(text);
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(r.error().message.find(std::string("'") + text + "'"), std::string::npos)
            << r.error().message;
    }
    for (const std::uint8_t code : {0, 2, 4, 9, 15, 255}) {
        EXPECT_FALSE(pr_type_from_code(code).has_value()) << int{code};
    }
}

TEST(ReadKeys, NoRegisteredKeys) {
    auto r = parse_read_keys(read_keys_reply(0x11, {}, 0));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->generation, 0x11U);
    EXPECT_TRUE(r->keys.empty());
    EXPECT_FALSE(r->truncated);
    EXPECT_EQ(r->required_length, 8U);
}

TEST(ReadKeys, SeveralKeysInOrder) {
    const std::vector<PrKey> keys{0x123abc, 0x123abc, 0xffffffffffffffffULL, 0x0102030405060708ULL};
    auto r = parse_read_keys(read_keys_reply(0xa1b2c3d4, keys, keys.size()));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->generation, 0xa1b2c3d4U);
    EXPECT_EQ(r->keys, keys);
    EXPECT_FALSE(r->truncated);
    EXPECT_EQ(r->required_length, 40U);
}

TEST(ReadKeys, IgnoresPaddingAfterTheAdditionalLength) {
    Bytes reply = read_keys_reply(1, {0x1}, 1);
    reply.resize(reply.size() + 40, 0xee);
    auto r = parse_read_keys(reply);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->keys, std::vector<PrKey>{0x1});
}

TEST(ReadKeys, ReportsTruncationAndTheLengthToRetryWith) {
    // Allocation 8 + 2 keys + 3 bytes of a third; the target has 5 keys.
    Bytes reply = read_keys_reply(9, {0xa, 0xb, 0xc}, 5);
    reply.resize(8 + 16 + 3);
    auto r = parse_read_keys(reply);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->truncated);
    EXPECT_EQ(r->keys, (std::vector<PrKey>{0xa, 0xb}));
    EXPECT_EQ(r->required_length, 48U);

    // Header only.
    auto header_only = parse_read_keys(read_keys_reply(9, {}, 3));
    ASSERT_TRUE(header_only.ok());
    EXPECT_TRUE(header_only->truncated);
    EXPECT_TRUE(header_only->keys.empty());
    EXPECT_EQ(header_only->required_length, 32U);
}

TEST(ReadKeys, RequiredLengthBeyondTheCdbLimitIsStillReported) {
    Bytes reply;
    append_be32(reply, 1);
    append_be32(reply, 0xfffffff8U);
    auto r = parse_read_keys(reply);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->truncated);
    EXPECT_EQ(r->required_length, 0x100000000ULL);
    EXPECT_GT(r->required_length, kPrInMaxAllocationLength);
}

TEST(ReadKeys, RejectsAShortHeader) {
    for (std::size_t size = 0; size < 8; ++size) {
        const Bytes reply(size, 0);
        auto r = parse_read_keys(reply);
        ASSERT_FALSE(r.ok()) << size;
        EXPECT_NE(r.error().message.find("READ KEYS"), std::string::npos);
        EXPECT_NE(r.error().message.find(std::to_string(size) + " bytes"), std::string::npos)
            << r.error().message;
    }
}

TEST(ReadKeys, RejectsALengthThatIsNotAMultipleOfEight) {
    Bytes reply;
    append_be32(reply, 1);
    append_be32(reply, 12);
    append_be64(reply, 0x1);
    append_be32(reply, 0);
    auto r = parse_read_keys(reply);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("additional length 12"), std::string::npos) << r.error().message;
}

TEST(ReadReservation, NoReservationHeld) {
    Bytes reply;
    append_be32(reply, 4);
    append_be32(reply, 0);
    reply.resize(24, 0);  // the zeroed rest of the allocation
    auto r = parse_read_reservation(reply);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->generation, 4U);
    EXPECT_FALSE(r->holder.has_value());
}

TEST(ReadReservation, HolderKeyScopeAndEveryType) {
    for (const PrType type : all_types) {
        auto r =
            parse_read_reservation(read_reservation_reply(0x22, 0x123abc, static_cast<std::uint8_t>(type)));
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_EQ(r->generation, 0x22U);
        ASSERT_TRUE(r->holder.has_value());
        EXPECT_EQ(r->holder->key, 0x123abcU);
        EXPECT_EQ(r->holder->scope, 0);
        EXPECT_EQ(r->holder->type, type);
        EXPECT_EQ(r->holder->type_code, static_cast<std::uint8_t>(type));
    }
}

TEST(ReadReservation, KeepsObsoleteTypeAndScopeRaw) {
    auto r = parse_read_reservation(read_reservation_reply(1, 0x5, 0x22));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->holder.has_value());
    EXPECT_EQ(r->holder->scope, 2);
    EXPECT_EQ(r->holder->type_code, 2);
    EXPECT_FALSE(r->holder->type.has_value());
}

TEST(ReadReservation, RejectsShortAndInconsistentReplies) {
    for (std::size_t size = 0; size < 8; ++size) {
        EXPECT_FALSE(parse_read_reservation(Bytes(size, 0)).ok()) << size;
    }
    Bytes full = read_reservation_reply(1, 0x5, 0x05);
    for (std::size_t size = 8; size < 24; ++size) {
        auto r =
            parse_read_reservation(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(size)));
        ASSERT_FALSE(r.ok()) << size;
        EXPECT_NE(r.error().message.find("needs 24 bytes, the reply holds " + std::to_string(size)),
                  std::string::npos)
            << r.error().message;
    }
    Bytes odd = full;
    odd[7] = 8;
    auto r = parse_read_reservation(odd);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("additional length 8"), std::string::npos) << r.error().message;
}

TEST(ReportCapabilities, DecodesFlagsAndTypeMask) {
    // Length 8; CRH, ATP_C, PTPL_C; TMV, ALLOW COMMANDS 1, PTPL_A; types WE, EA, WERO, EARO, WEAR, EAAR.
    const Bytes reply{0x00, 0x08, 0x15, 0x91, 0xea, 0x01, 0x00, 0x00};
    auto r = parse_report_capabilities(reply);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->crh);
    EXPECT_FALSE(r->sip_c);
    EXPECT_TRUE(r->atp_c);
    EXPECT_TRUE(r->ptpl_c);
    EXPECT_TRUE(r->tmv);
    EXPECT_EQ(r->allow_commands, 1);
    EXPECT_TRUE(r->ptpl_a);
    EXPECT_EQ(r->type_mask, 0x01ea);
    for (const PrType type : all_types) {
        EXPECT_EQ(r->supports(type), true) << to_string(type);
    }
}

TEST(ReportCapabilities, EachTypeBitStandsForItsType) {
    struct Bit {
        std::uint8_t byte4;
        std::uint8_t byte5;
        PrType type;
    };
    const Bit bits[] = {
        {0x02, 0x00, PrType::WriteExclusive},
        {0x08, 0x00, PrType::ExclusiveAccess},
        {0x20, 0x00, PrType::WriteExclusiveRegistrantsOnly},
        {0x40, 0x00, PrType::ExclusiveAccessRegistrantsOnly},
        {0x80, 0x00, PrType::WriteExclusiveAllRegistrants},
        {0x00, 0x01, PrType::ExclusiveAccessAllRegistrants},
    };
    for (const auto& bit : bits) {
        const Bytes reply{0x00, 0x08, 0x08, 0x80, bit.byte4, bit.byte5, 0x00, 0x00};
        auto r = parse_report_capabilities(reply);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_TRUE(r->sip_c);
        EXPECT_FALSE(r->atp_c);
        for (const PrType type : all_types) {
            EXPECT_EQ(r->supports(type), type == bit.type) << to_string(bit.type) << " " << to_string(type);
        }
    }
}

TEST(ReportCapabilities, WithoutTmvTheTypeSupportIsUnknown) {
    const Bytes reply{0x00, 0x08, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00};
    auto r = parse_report_capabilities(reply);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->tmv);
    EXPECT_FALSE(r->supports(PrType::WriteExclusive).has_value());
    EXPECT_EQ(r->type_mask, 0x01ea);  // reserved and obsolete bits dropped
}

TEST(ReportCapabilities, RejectsShortRepliesAndLengths) {
    for (std::size_t size = 0; size < 8; ++size) {
        auto r = parse_report_capabilities(Bytes(size, 0));
        ASSERT_FALSE(r.ok()) << size;
        EXPECT_NE(r.error().message.find("REPORT CAPABILITIES"), std::string::npos);
    }
    auto r = parse_report_capabilities(Bytes{0x00, 0x02, 0, 0, 0, 0, 0, 0});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("length 2"), std::string::npos) << r.error().message;
}

TEST(Sense, ParsesFixedFormat) {
    auto s = parse_sense(fixed_sense(0x05, 0x20, 0x00));
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_FALSE(s->descriptor_format);
    EXPECT_FALSE(s->deferred);
    EXPECT_EQ(s->sense_key, SenseKey::IllegalRequest);
    EXPECT_TRUE(s->has_asc);
    EXPECT_EQ(s->asc, 0x20);
    EXPECT_EQ(s->ascq, 0x00);
    EXPECT_EQ(describe(*s), "ILLEGAL REQUEST, ASC 0x20 ASCQ 0x00 (invalid command operation code)");

    Bytes deferred = fixed_sense(0x06, 0x2a, 0x03);
    deferred[0] = 0xf1;  // VALID bit set, deferred
    auto d = parse_sense(deferred);
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->deferred);
    EXPECT_EQ(d->response_code, 0x71);
    EXPECT_EQ(describe(*d), "UNIT ATTENTION (deferred), ASC 0x2a ASCQ 0x03 (reservations preempted)");
}

TEST(Sense, ParsesDescriptorFormat) {
    auto s = parse_sense(descriptor_sense(0x06, 0x29, 0x01));
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE(s->descriptor_format);
    EXPECT_EQ(s->sense_key, SenseKey::UnitAttention);
    EXPECT_EQ(s->asc, 0x29);
    EXPECT_EQ(s->ascq, 0x01);
    auto d = parse_sense(Bytes{0x73, 0x0b, 0x47, 0x00});
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d->deferred);
    EXPECT_EQ(d->sense_key, SenseKey::AbortedCommand);
    EXPECT_EQ(d->asc, 0x47);
}

TEST(Sense, ShortSenseKeepsWhatItHas) {
    // Fixed format cut before ASC, or with an additional length that stops before byte 12.
    auto cut = parse_sense(Bytes{0x70, 0x00, 0x06, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0});
    ASSERT_TRUE(cut.ok());
    EXPECT_EQ(cut->sense_key, SenseKey::UnitAttention);
    EXPECT_FALSE(cut->has_asc);
    EXPECT_EQ(cut->asc, 0);
    Bytes declared_short = fixed_sense(0x05, 0x24, 0x00);
    declared_short[7] = 4;
    auto ds = parse_sense(declared_short);
    ASSERT_TRUE(ds.ok());
    EXPECT_FALSE(ds->has_asc);
    EXPECT_EQ(describe(*ds), "ILLEGAL REQUEST");
    auto three = parse_sense(Bytes{0x70, 0x00, 0x02});
    ASSERT_TRUE(three.ok());
    EXPECT_EQ(three->sense_key, SenseKey::NotReady);
    auto descriptor_two = parse_sense(Bytes{0x72, 0x05});
    ASSERT_TRUE(descriptor_two.ok());
    EXPECT_FALSE(descriptor_two->has_asc);
}

TEST(Sense, RejectsEmptyUnknownAndTooShortSense) {
    struct Case {
        Bytes sense;
        const char* why;
    };
    const Case cases[] = {
        {{}, "empty"},
        {{0x00, 0x00, 0x05}, "response code 0x00"},
        {{0x7f, 0x00, 0x05}, "response code 0x7f"},
        {{0x74, 0x05, 0x20, 0x00}, "response code 0x74"},
        {{0x70, 0x00}, "fixed format cut before the sense key"},
        {{0x72}, "descriptor format cut before the sense key"},
    };
    for (const auto& c : cases) {
        auto r = parse_sense(c.sense);
        ASSERT_FALSE(r.ok()) << c.why;
        EXPECT_NE(r.error().message.find(c.why), std::string::npos) << r.error().message;
    }
}

TEST(ScsiCompletionClass, StatusesWithoutSense) {
    EXPECT_EQ(classify_scsi_completion(0x00, {}).outcome, ScsiOutcome::Good);
    EXPECT_EQ(classify_scsi_completion(0x04, {}).outcome, ScsiOutcome::Good);
    const auto conflict = classify_scsi_completion(kScsiStatusReservationConflict, {});
    EXPECT_EQ(conflict.outcome, ScsiOutcome::ReservationConflict);
    EXPECT_EQ(conflict.detail, "reservation conflict");
    EXPECT_FALSE(is_retryable(conflict.outcome));
    // Vendor bit 0 of a SCSI-2 target does not hide the conflict.
    EXPECT_EQ(classify_scsi_completion(0x19, {}).outcome, ScsiOutcome::ReservationConflict);
    EXPECT_EQ(classify_scsi_completion(kScsiStatusBusy, {}).outcome, ScsiOutcome::Busy);
    EXPECT_EQ(classify_scsi_completion(kScsiStatusTaskSetFull, {}).outcome, ScsiOutcome::Busy);
    EXPECT_TRUE(is_retryable(ScsiOutcome::Busy));
    const auto aborted = classify_scsi_completion(kScsiStatusTaskAborted, {});
    EXPECT_EQ(aborted.outcome, ScsiOutcome::Failed);
    EXPECT_EQ(aborted.detail, "SCSI status 0x40");
}

TEST(ScsiCompletionClass, IllegalRequestForTheOpcodeOrCdbMeansNoPrSupport) {
    for (const Bytes& sense : {fixed_sense(0x05, 0x20, 0x00), fixed_sense(0x05, 0x24, 0x00),
                               descriptor_sense(0x05, 0x20, 0x00), descriptor_sense(0x05, 0x24, 0x00)}) {
        const auto c = classify_scsi_completion(kScsiStatusCheckCondition, sense);
        EXPECT_EQ(c.outcome, ScsiOutcome::NotSupported);
        EXPECT_EQ(c.detail.rfind("target does not support persistent reservations", 0), 0U) << c.detail;
        ASSERT_TRUE(c.sense.has_value());
        EXPECT_EQ(c.sense->sense_key, SenseKey::IllegalRequest);
        EXPECT_FALSE(is_retryable(c.outcome));
    }
    const auto params = classify_scsi_completion(kScsiStatusCheckCondition, fixed_sense(0x05, 0x26, 0x00));
    EXPECT_EQ(params.outcome, ScsiOutcome::IllegalRequest);
    EXPECT_NE(params.detail.find("invalid field in parameter list"), std::string::npos) << params.detail;
}

TEST(ScsiCompletionClass, UnitAttentionIsRetryableInBothFormats) {
    for (const Bytes& sense : {fixed_sense(0x06, 0x29, 0x00), descriptor_sense(0x06, 0x2a, 0x05)}) {
        const auto c = classify_scsi_completion(kScsiStatusCheckCondition, sense);
        EXPECT_EQ(c.outcome, ScsiOutcome::UnitAttention);
        EXPECT_TRUE(is_retryable(c.outcome));
    }
}

TEST(ScsiCompletionClass, OtherSenseKeys) {
    auto outcome = [](std::uint8_t key, std::uint8_t asc, std::uint8_t ascq) {
        return classify_scsi_completion(kScsiStatusCheckCondition, fixed_sense(key, asc, ascq)).outcome;
    };
    EXPECT_EQ(outcome(0x01, 0x17, 0x00), ScsiOutcome::Good);            // recovered error
    EXPECT_EQ(outcome(0x0b, 0x47, 0x00), ScsiOutcome::Busy);            // aborted command
    EXPECT_EQ(outcome(0x02, 0x04, 0x01), ScsiOutcome::Busy);            // becoming ready
    EXPECT_EQ(outcome(0x02, 0x04, 0x0a), ScsiOutcome::Busy);            // ALUA transition
    EXPECT_EQ(outcome(0x02, 0x04, 0x0b), ScsiOutcome::Failed);          // ALUA standby
    EXPECT_EQ(outcome(0x02, 0x3a, 0x00), ScsiOutcome::Failed);          // medium not present
    EXPECT_EQ(outcome(0x04, 0x44, 0x00), ScsiOutcome::Failed);          // hardware error
    EXPECT_EQ(outcome(0x05, 0x2c, 0x00), ScsiOutcome::IllegalRequest);  // command sequence error
    // ILLEGAL REQUEST without ASC does not claim the command is unknown.
    EXPECT_EQ(classify_scsi_completion(kScsiStatusCheckCondition, Bytes{0x70, 0, 0x05}).outcome,
              ScsiOutcome::IllegalRequest);
}

TEST(ScsiCompletionClass, CheckConditionWithoutUsableSenseFails) {
    const auto none = classify_scsi_completion(kScsiStatusCheckCondition, {});
    EXPECT_EQ(none.outcome, ScsiOutcome::Failed);
    EXPECT_NE(none.detail.find("without usable sense"), std::string::npos) << none.detail;
    EXPECT_FALSE(none.sense.has_value());
    const auto garbage = classify_scsi_completion(kScsiStatusCheckCondition, Bytes{0x12, 0x34});
    EXPECT_EQ(garbage.outcome, ScsiOutcome::Failed);
    EXPECT_NE(garbage.detail.find("response code 0x12"), std::string::npos) << garbage.detail;
}

// Random replies of random length through every parser: no crash, no read outside the buffer (the
// sanitizer build checks that), and the invariants of a successful parse hold.
TEST(PrRandomBytes, NeverCrashAnyParser) {
    Lcg rng{20261207};
    for (int round = 0; round < 5000; ++round) {
        const std::size_t length = rng.next() % 64;
        // Exact-size heap buffers so that ASan sees a read one byte too far.
        std::vector<std::uint8_t> buffer(length);
        for (auto& b : buffer) {
            b = static_cast<std::uint8_t>(rng.next());
        }
        // Small additional lengths half of the time, so the key and descriptor paths run too.
        if (length >= 8 && rng.next() % 2 == 0) {
            buffer[4] = buffer[5] = buffer[6] = 0;
            buffer[7] = static_cast<std::uint8_t>(rng.next() % 72);
        }
        if (auto keys = parse_read_keys(buffer)) {
            EXPECT_LE(8 + 8 * keys->keys.size(), buffer.size());
            EXPECT_EQ(keys->truncated, keys->required_length > buffer.size());
            EXPECT_EQ(keys->required_length % 8, 0U);
        }
        if (auto reservation = parse_read_reservation(buffer); reservation && reservation->holder) {
            EXPECT_GE(buffer.size(), 24U);
            EXPECT_LT(reservation->holder->type_code, 16);
        }
        if (auto caps = parse_report_capabilities(buffer)) {
            EXPECT_EQ(caps->type_mask & ~0x01ea, 0);
        }
        if (auto sense = parse_sense(buffer)) {
            EXPECT_GE(sense->response_code, 0x70);
            EXPECT_LE(sense->response_code, 0x73);
            EXPECT_FALSE(describe(*sense).empty());
        }
        const auto status =
            static_cast<std::uint8_t>(rng.next() % 2 == 0 ? kScsiStatusCheckCondition : rng.next());
        const auto completion = classify_scsi_completion(status, buffer);
        EXPECT_FALSE(completion.detail.empty());
        if (buffer.size() >= 24) {
            (void)parse_pr_out_parameter_list(buffer);
        }
    }
}

TEST(PrRandomText, NeverCrashTheTextParsers) {
    Lcg rng{42};
    const std::string alphabet = "0123456789abcdefxX-_ WERO\x80\xff";
    for (int round = 0; round < 3000; ++round) {
        std::string text;
        const std::size_t length = rng.next() % 24;
        for (std::size_t i = 0; i < length; ++i) {
            text += alphabet[rng.next() % alphabet.size()];
        }
        if (auto key = parse_pr_key(text)) {
            EXPECT_EQ(*parse_pr_key(format_pr_key(*key)), *key);
        }
        if (auto type = parse_pr_type(text)) {
            EXPECT_TRUE(pr_type_from_code(static_cast<std::uint8_t>(*type)).has_value());
        }
    }
}
