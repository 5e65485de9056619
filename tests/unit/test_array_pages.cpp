// The array checkers' and prioritizers' readings of constructed replies: good, failed, standby, garbage and
// short answers for each of rdac, emc_clariion, hp_sw, hds and ontap.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/array_pages.hpp"

namespace pathkeeper::core {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A page 0xC9 as an E-Series controller answers it.
Bytes rdac_page(std::uint8_t avtcvp, std::uint8_t preference, std::uint8_t port_state = 0,
                std::uint8_t reason = 0, std::uint8_t peer_state = 0) {
    Bytes page(48, 0);
    page[1] = 0xc9;
    page[3] = 0x2c;
    page[4] = 'v';
    page[5] = 'a';
    page[6] = 'c';
    page[7] = '1';
    page[8] = avtcvp;
    page[9] = preference;
    page[10] = port_state;
    page[11] = reason;
    page[12] = peer_state;
    return page;
}

RdacVolumeAccess parsed_rdac(const Bytes& page) {
    auto r = parse_rdac_volume_access(page);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : RdacVolumeAccess{};
}

TEST(RdacPage, OwningControllerIsUpAndPreferredOwnerRanksHighest) {
    const auto page = parsed_rdac(rdac_page(0x01, 0x01));
    EXPECT_TRUE(page.vac1);
    EXPECT_EQ(rdac_path_state(page).state, PathState::Up);
    EXPECT_EQ(rdac_priority(page), 6);
}

TEST(RdacPage, NonOwnerIsGhostWithSecondaryPriority) {
    const auto page = parsed_rdac(rdac_page(0x00, 0x02));
    const PathVerdict verdict = rdac_path_state(page);
    EXPECT_EQ(verdict.state, PathState::Ghost);
    EXPECT_NE(verdict.message.find("other controller owns"), std::string::npos);
    EXPECT_EQ(rdac_priority(page), 1);
}

TEST(RdacPage, IoShippingMakesTheNonOwnerUp) {
    const auto page = parsed_rdac(rdac_page(0x20, 0x02));
    EXPECT_EQ(rdac_path_state(page).state, PathState::Up);
}

TEST(RdacPage, PreferredButNotOwnerRanksAboveOwnerOnSecondary) {
    EXPECT_EQ(rdac_priority(parsed_rdac(rdac_page(0x00, 0x01))), 4);
    EXPECT_EQ(rdac_priority(parsed_rdac(rdac_page(0x01, 0x02))), 3);
    EXPECT_EQ(rdac_priority(parsed_rdac(rdac_page(0x01, 0x00))), 2);  // reserved preference
}

TEST(RdacPage, LunNotConnectedIsDown) {
    Bytes page = rdac_page(0x01, 0x01);
    page[0] = 0x20;  // qualifier 001
    const PathVerdict verdict = rdac_path_state(parsed_rdac(page));
    EXPECT_EQ(verdict.state, PathState::Down);
    EXPECT_NE(verdict.message.find("not connected"), std::string::npos);
}

TEST(RdacPage, UnavailableControllerIsDownWithItsReason) {
    // TPGDE set, this port group unavailable (3), quiesced by the admin (6).
    const PathVerdict quiesced = rdac_path_state(parsed_rdac(rdac_page(0x11, 0x01, 0x03, 0x06)));
    EXPECT_EQ(quiesced.state, PathState::Down);
    EXPECT_NE(quiesced.message.find("quiesced"), std::string::npos);
    const PathVerdict service = rdac_path_state(parsed_rdac(rdac_page(0x11, 0x01, 0x03, 0x07)));
    EXPECT_NE(service.message.find("service mode"), std::string::npos);
    const PathVerdict firmware = rdac_path_state(parsed_rdac(rdac_page(0x11, 0x01, 0x03, 0x04)));
    EXPECT_NE(firmware.message.find("firmware"), std::string::npos);
}

TEST(RdacPage, OfflinePortGroupIsDown) {
    const PathVerdict verdict = rdac_path_state(parsed_rdac(rdac_page(0x11, 0x01, 0x0e)));
    EXPECT_EQ(verdict.state, PathState::Down);
    EXPECT_NE(verdict.message.find("offline"), std::string::npos);
}

TEST(RdacPage, TransitioningAloneIsBootingButBothTransitioningIsATransfer) {
    EXPECT_EQ(rdac_path_state(parsed_rdac(rdac_page(0x11, 0x01, 0x0f, 0, 0x00))).state, PathState::Down);
    EXPECT_EQ(rdac_path_state(parsed_rdac(rdac_page(0x11, 0x01, 0x0f, 0, 0x0f))).state, PathState::Up);
}

TEST(RdacPage, PortStatesAreIgnoredWithoutTpgData) {
    EXPECT_EQ(rdac_path_state(parsed_rdac(rdac_page(0x01, 0x01, 0x03, 0x06))).state, PathState::Up);
}

TEST(RdacPage, OlderSignatureParsesButIsNotVac1) {
    Bytes page = rdac_page(0x01, 0x01);
    page[7] = 'e';
    EXPECT_FALSE(parsed_rdac(page).vac1);
}

TEST(RdacPage, GarbageAndShortRepliesAreRefused) {
    Bytes wrong_page = rdac_page(0x01, 0x01);
    wrong_page[1] = 0xc8;
    EXPECT_FALSE(parse_rdac_volume_access(wrong_page).ok());
    Bytes no_signature = rdac_page(0x01, 0x01);
    no_signature[5] = 'x';
    auto r = parse_rdac_volume_access(no_signature);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("signature"), std::string::npos);
    Bytes short_page = rdac_page(0x01, 0x01);
    short_page.resize(13);
    r = parse_rdac_volume_access(short_page);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("13 bytes"), std::string::npos);
    EXPECT_FALSE(parse_rdac_volume_access({}).ok());
}

// A page 0xC0 of a CLARiiON set up for Linux failover (initiator type 3, failover mode 4, arraycommpath).
Bytes clariion_page(std::uint8_t lun_state, std::uint8_t default_sp, std::uint8_t path_sp) {
    Bytes page(128, 0);
    page[1] = 0xc0;
    page[4] = lun_state;
    page[5] = default_sp;
    page[8] = path_sp;
    page[9] = 0x00;
    for (int i = 0; i < 16; ++i) {
        page[10 + i] = static_cast<std::uint8_t>(0x60 + i);
    }
    page[27] = 0x03;
    page[28] = 0x04;
    page[30] = 0x04;
    return page;
}

ClariionUnitReport parsed_clariion(const Bytes& page) {
    auto r = parse_clariion_unit_report(page);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : ClariionUnitReport{};
}

TEST(ClariionPage, OwnedAndPassivePathsAreUpAndDefaultOwnerGetsPriority) {
    const auto owned = parsed_clariion(clariion_page(2, 0, 0));
    EXPECT_EQ(clariion_path_state(owned).state, PathState::Up);
    EXPECT_EQ(emc_priority(owned), 1);
    EXPECT_EQ(owned.lun_wwn[0], 0x60);
    EXPECT_EQ(owned.lun_wwn[15], 0x6f);
    const auto passive = parsed_clariion(clariion_page(1, 0, 1));
    const PathVerdict verdict = clariion_path_state(passive);
    EXPECT_EQ(verdict.state, PathState::Up);
    EXPECT_NE(verdict.message.find("passive"), std::string::npos);
    EXPECT_EQ(emc_priority(passive), 0);
}

TEST(ClariionPage, UnboundLunIsDown) {
    const PathVerdict verdict = clariion_path_state(parsed_clariion(clariion_page(0, 0, 0)));
    EXPECT_EQ(verdict.state, PathState::Down);
    EXPECT_NE(verdict.message.find("unbound"), std::string::npos);
}

TEST(ClariionPage, PathNotSetUpForFailoverIsDown) {
    Bytes page = clariion_page(2, 0, 0);
    page[30] = 0;  // arraycommpath off
    EXPECT_EQ(clariion_path_state(parsed_clariion(page)).state, PathState::Down);
    page = clariion_page(2, 0, 0);
    page[28] = 0x01;  // failover mode not 4/6 in bits 2-0
    EXPECT_EQ(clariion_path_state(parsed_clariion(page)).state, PathState::Down);
    page = clariion_page(2, 0, 0);
    page[27] = 0x01;  // another initiator type
    EXPECT_FALSE(parsed_clariion(page).failover_ready);
}

TEST(ClariionPage, LunNotInNormalOperationsIsDown) {
    Bytes page = clariion_page(2, 0, 0);
    page[48] = 0x01;
    const PathVerdict verdict = clariion_path_state(parsed_clariion(page));
    EXPECT_EQ(verdict.state, PathState::Down);
    EXPECT_NE(verdict.message.find("normal operations"), std::string::npos);
}

TEST(ClariionPage, GarbageAndShortRepliesAreRefused) {
    Bytes page = clariion_page(2, 0, 0);
    page[1] = 0xc9;
    EXPECT_FALSE(parse_clariion_unit_report(page).ok());
    page = clariion_page(2, 0, 0);
    page[9] = 0x01;
    auto r = parse_clariion_unit_report(page);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("revision"), std::string::npos);
    page = clariion_page(2, 0, 0);
    page.resize(48);
    EXPECT_FALSE(parse_clariion_unit_report(page).ok());
}

ScsiCompletion completion_with_sense(SenseKey key, std::uint8_t asc, std::uint8_t ascq) {
    ScsiCompletion c;
    c.outcome = key == SenseKey::UnitAttention ? ScsiOutcome::UnitAttention : ScsiOutcome::Failed;
    c.status = kScsiStatusCheckCondition;
    c.sense = SenseData{0x70, false, false, key, true, asc, ascq};
    c.detail = describe(*c.sense);
    return c;
}

ScsiCompletion good() {
    ScsiCompletion c;
    c.outcome = ScsiOutcome::Good;
    c.detail = "good";
    return c;
}

ScsiCompletion transport_failure() {
    ScsiCompletion c;
    c.outcome = ScsiOutcome::Failed;
    c.detail = "/dev/sdb: transport error: host status 0x01 (DID_NO_CONNECT)";
    return c;
}

TEST(ClariionRead, InactiveSnapshotIsDownByName) {
    EXPECT_EQ(clariion_read_verdict(good()).state, PathState::Up);
    const PathVerdict snapshot =
        clariion_read_verdict(completion_with_sense(SenseKey::IllegalRequest, 0x25, 0x01));
    EXPECT_EQ(snapshot.state, PathState::Down);
    EXPECT_NE(snapshot.message.find("inactive snapshot"), std::string::npos);
    const PathVerdict medium =
        clariion_read_verdict(completion_with_sense(SenseKey::MediumError, 0x11, 0x00));
    EXPECT_EQ(medium.state, PathState::Down);
    EXPECT_NE(medium.message.find("MEDIUM ERROR"), std::string::npos);
}

TEST(HpSw, ActiveStandbyAndFailedPaths) {
    EXPECT_EQ(hp_sw_path_state(good()).state, PathState::Up);
    EXPECT_EQ(hp_sw_priority(good()), 4);
    const ScsiCompletion standby = completion_with_sense(SenseKey::NotReady, 0x04, 0x02);
    const PathVerdict verdict = hp_sw_path_state(standby);
    EXPECT_EQ(verdict.state, PathState::Ghost);
    EXPECT_NE(verdict.message.find("standby"), std::string::npos);
    EXPECT_EQ(hp_sw_priority(standby), 2);
    // Another refusal: the port answered, so ghost, but it is no known standby: priority 0.
    const ScsiCompletion other = completion_with_sense(SenseKey::NotReady, 0x04, 0x03);
    EXPECT_EQ(hp_sw_path_state(other).state, PathState::Ghost);
    EXPECT_EQ(hp_sw_priority(other), 0);
    EXPECT_EQ(hp_sw_path_state(transport_failure()).state, PathState::Down);
    EXPECT_EQ(hp_sw_priority(transport_failure()), 0);
}

TEST(HpSw, ResetUnitAttentionIsRetried) {
    EXPECT_TRUE(hp_sw_retry(completion_with_sense(SenseKey::UnitAttention, 0x29, 0x00)));
    EXPECT_FALSE(hp_sw_retry(completion_with_sense(SenseKey::UnitAttention, 0x2a, 0x06)));
    EXPECT_FALSE(hp_sw_retry(good()));
}

Bytes hds_inquiry(const char* ldev, char controller) {
    Bytes data(96, ' ');
    data[0] = 0;
    const std::string vendor = "HITACHI DF600F-CM       ";
    std::copy(vendor.begin(), vendor.end(), data.begin() + 8);
    for (int i = 0; i < 4; ++i) {
        data[44 + i] = static_cast<std::uint8_t>(ldev[i]);
    }
    data[49] = static_cast<std::uint8_t>(controller);
    data[50] = 'B';
    return data;
}

TEST(Hds, SameParityOfControllerAndLdevGetsOne) {
    EXPECT_EQ(*hds_priority(hds_inquiry("00C6", '0')), 1);
    EXPECT_EQ(*hds_priority(hds_inquiry("00C6", '1')), 0);
    EXPECT_EQ(*hds_priority(hds_inquiry("00CB", '1')), 1);
    EXPECT_EQ(*hds_priority(hds_inquiry("00CB", '2')), 0);
    EXPECT_EQ(*hds_priority(hds_inquiry("00cf", '3')), 1);  // lower-case hex too
}

TEST(Hds, GarbageAndShortRepliesAreRefused) {
    auto r = hds_priority(hds_inquiry("00CG", '0'));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("LDEV"), std::string::npos);
    r = hds_priority(hds_inquiry("00C6", 'X'));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("controller"), std::string::npos);
    Bytes short_data = hds_inquiry("00C6", '0');
    short_data.resize(50);
    EXPECT_FALSE(hds_priority(short_data).ok());
}

Bytes ontap_gva(const std::string& initiator) {
    Bytes reply(64, 0);
    reply[3] = 40;  // total length
    reply[4] = 0x0a;
    reply[5] = 0x98;
    reply[6] = 0x0a;
    reply[7] = 0x01;
    reply[8] = 0x41;
    std::copy(initiator.begin(), initiator.end(), reply.begin() + 12);
    return reply;
}

Bytes ontap_proxy(bool proxy) {
    Bytes page(64, 0);
    page[1] = 0xc1;
    const Bytes signature{0x0a, 0x98, 0x0a, 0x00, 0xc1, 0x00};
    std::copy(signature.begin(), signature.end(), page.begin() + 8);
    page[19] = proxy ? 0x02 : 0x00;
    return page;
}

TEST(Ontap, IscsiInitiatorKindsAndFcpProxy) {
    EXPECT_EQ(*parse_ontap_gva(ontap_gva("ism_sw")), OntapInitiator::IscsiSoftware);
    EXPECT_EQ(*parse_ontap_gva(ontap_gva("iswt")), OntapInitiator::IscsiSoftware);
    EXPECT_EQ(*parse_ontap_gva(ontap_gva("ism_sn")), OntapInitiator::IscsiHardware);
    EXPECT_EQ(*parse_ontap_gva(ontap_gva("fcp")), OntapInitiator::Unknown);
    EXPECT_TRUE(*parse_ontap_proxy(ontap_proxy(true)));
    EXPECT_FALSE(*parse_ontap_proxy(ontap_proxy(false)));
    EXPECT_EQ(ontap_priority(OntapInitiator::IscsiHardware, std::nullopt), 3);
    EXPECT_EQ(ontap_priority(OntapInitiator::IscsiSoftware, std::nullopt), 2);
    EXPECT_EQ(ontap_priority(OntapInitiator::Unknown, true), 1);
    EXPECT_EQ(ontap_priority(OntapInitiator::Unknown, false), 4);
    EXPECT_EQ(ontap_priority(OntapInitiator::Unknown, std::nullopt), 4);  // proxy page unanswered
    EXPECT_EQ(ontap_priority(std::nullopt, std::nullopt), 0);             // GVA failed
}

TEST(Ontap, EmptyGvaPageIsUnknownAndGarbageIsRefused) {
    Bytes empty = ontap_gva("ism_sw");
    empty[3] = 8;
    EXPECT_EQ(*parse_ontap_gva(empty), OntapInitiator::Unknown);
    Bytes garbage = ontap_gva("ism_sw");
    garbage[5] = 0x99;
    EXPECT_FALSE(parse_ontap_gva(garbage).ok());
    EXPECT_FALSE(parse_ontap_gva(Bytes(7, 0)).ok());
    Bytes proxy = ontap_proxy(true);
    proxy[12] = 0xc2;
    EXPECT_FALSE(parse_ontap_proxy(proxy).ok());
    EXPECT_FALSE(parse_ontap_proxy(Bytes(19, 0)).ok());
}

}  // namespace
}  // namespace pathkeeper::core
