#include <gtest/gtest.h>

#include <string>

#include "config/config_file.hpp"
#include "core/membership.hpp"

namespace pathkeeper::core {
namespace {

constexpr const char* wwid = "36001405aaaa";

PathInfo disk(std::string devnode, std::string path_wwid = wwid) {
    PathInfo p;
    p.devnode = std::move(devnode);
    p.wwid = std::move(path_wwid);
    p.vendor = "LIO-ORG";
    p.product = "disk01";
    return p;
}

Config parsed(const std::string& yaml) {
    auto r = config::parse_config(yaml, "membership.yaml");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : Config{};
}

MembershipFacts never_asked() {
    MembershipFacts facts;
    facts.wwid_known = [] {
        ADD_FAILURE() << "wwid_known asked";
        return true;
    };
    facts.another_path_has_wwid = [] {
        ADD_FAILURE() << "another_path_has_wwid asked";
        return true;
    };
    return facts;
}

TEST(Membership, ADiskWithoutWwidNeverIs) {
    MembershipFacts facts = never_asked();
    facts.map_exists = true;
    auto d = decide_membership(Config{}, FindMultipaths::Greedy, disk("sdb", ""), facts);
    EXPECT_FALSE(d.member);
    EXPECT_EQ(d.reason, MemberReason::NoWwid);
}

TEST(Membership, ADiskWhoseWwidTheRuleRefusesNeverIsEvenWhenGreedyWithAMap) {
    MembershipFacts facts = never_asked();
    facts.map_exists = true;
    for (const char* bad : {"3600 a0b8", "3600/a0b8", "3600\nX=1"}) {
        auto d = decide_membership(Config{}, FindMultipaths::Greedy, disk("sdb", bad), facts);
        EXPECT_FALSE(d.member) << bad;
        EXPECT_EQ(d.reason, MemberReason::InvalidWwid) << bad;
        EXPECT_NE(d.blacklist_reason.find("WWID '"), std::string::npos) << d.blacklist_reason;
    }
}

TEST(Membership, ABlacklistedDiskNeverIsEvenWithAMultipathsEntry) {
    Config config = parsed(std::string("blacklist:\n  wwid: [\"^") + wwid +
                           "$\"]\nmultipaths:\n  - wwid: \"" + wwid + "\"\n");
    MembershipFacts facts = never_asked();
    facts.map_exists = true;
    auto d = decide_membership(config, FindMultipaths::Greedy, disk("sdb"), facts);
    EXPECT_FALSE(d.member);
    EXPECT_EQ(d.reason, MemberReason::Blacklisted);
    EXPECT_NE(d.blacklist_reason.find(wwid), std::string::npos) << d.blacklist_reason;
    EXPECT_EQ(decide_membership(Config{}, FindMultipaths::Greedy, disk("sr0"), facts).reason,
              MemberReason::Blacklisted);
}

TEST(Membership, AMultipathsEntryWinsInStrictModeWithoutAskingTheFacts) {
    Config config = parsed(std::string("multipaths:\n  - wwid: \"") + wwid + "\"\n");
    auto d = decide_membership(config, FindMultipaths::Strict, disk("sdb"), never_asked());
    EXPECT_TRUE(d.member);
    EXPECT_EQ(d.reason, MemberReason::MultipathsEntry);
}

TEST(Membership, AKnownWwidIsAMemberInStrictMode) {
    MembershipFacts facts;
    facts.wwid_known = [] { return true; };
    auto d = decide_membership(Config{}, FindMultipaths::Strict, disk("sdb"), facts);
    EXPECT_TRUE(d.member);
    EXPECT_EQ(d.reason, MemberReason::KnownWwid);
}

TEST(Membership, AWwidWithAMapIsAMemberInStrictMode) {
    MembershipFacts facts;
    facts.wwid_known = [] { return false; };
    facts.map_exists = true;
    auto d = decide_membership(Config{}, FindMultipaths::Strict, disk("sdb"), facts);
    EXPECT_TRUE(d.member);
    EXPECT_EQ(d.reason, MemberReason::ExistingMap);
}

TEST(Membership, GreedyTakesAnUnknownWwidWithoutAskingForAnotherPath) {
    MembershipFacts facts;
    facts.another_path_has_wwid = [] {
        ADD_FAILURE() << "another_path_has_wwid asked";
        return false;
    };
    auto d = decide_membership(Config{}, FindMultipaths::Greedy, disk("sdb"), facts);
    EXPECT_TRUE(d.member);
    EXPECT_EQ(d.reason, MemberReason::FindMultipathsGreedy);
}

TEST(Membership, OnTakesAnUnknownWwidOnlyWhenAnotherPathReportsIt) {
    MembershipFacts facts;
    facts.another_path_has_wwid = [] { return true; };
    auto d = decide_membership(Config{}, FindMultipaths::On, disk("sdb"), facts);
    EXPECT_TRUE(d.member);
    EXPECT_EQ(d.reason, MemberReason::AnotherPathHasWwid);

    facts.another_path_has_wwid = [] { return false; };
    d = decide_membership(Config{}, FindMultipaths::On, disk("sdb"), facts);
    EXPECT_FALSE(d.member);
    EXPECT_EQ(d.reason, MemberReason::NotKnown);
    EXPECT_FALSE(decide_membership(Config{}, FindMultipaths::On, disk("sdb"), MembershipFacts{}).member);
}

TEST(Membership, StrictRefusesAnUnknownWwidWithoutAskingForAnotherPath) {
    MembershipFacts facts;
    facts.wwid_known = [] { return false; };
    facts.another_path_has_wwid = [] {
        ADD_FAILURE() << "another_path_has_wwid asked";
        return true;
    };
    auto d = decide_membership(Config{}, FindMultipaths::Strict, disk("sdb"), facts);
    EXPECT_FALSE(d.member);
    EXPECT_EQ(d.reason, MemberReason::NotKnown);
}

TEST(Membership, TheWholeRuleIsItsTwoParts) {
    EXPECT_FALSE(excluded_disk(Config{}, disk("sdb")).has_value());
    auto excluded = excluded_disk(Config{}, disk("loop0"));
    ASSERT_TRUE(excluded.has_value());
    EXPECT_EQ(excluded->reason, MemberReason::Blacklisted);
    EXPECT_EQ(decide_wwid_membership(Config{}, FindMultipaths::Strict, wwid, MembershipFacts{}).reason,
              MemberReason::NotKnown);
}

}  // namespace
}  // namespace pathkeeper::core
