#include <gtest/gtest.h>

#include "core/path_policy.hpp"

namespace pathkeeper::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint t0{};

struct Checked {
    PathPolicy policy{t0};
    PathTiming timing;
    std::uint64_t id = 0;

    std::optional<PathTransition> check(PathState result, TimePoint now) {
        policy.begin_check(++id, now);
        return policy.on_check_result(id, result, now, timing);
    }
};

TEST(ANewPath, IsPendingInServiceAndDueForACheckAtOnce) {
    PathPolicy p(t0);
    EXPECT_EQ(p.state(), PathState::Pending);
    EXPECT_TRUE(p.in_service());
    EXPECT_TRUE(p.check_due(t0));
}

TEST(ACheckResult, WithAStaleIdIsIgnored) {
    Checked c;
    c.policy.begin_check(7, t0);
    EXPECT_FALSE(c.policy.on_check_result(6, PathState::Down, t0, c.timing).has_value());
    EXPECT_EQ(c.policy.state(), PathState::Pending);
}

TEST(ACheckInFlight, BlocksFurtherChecks) {
    Checked c;
    c.policy.begin_check(1, t0);
    EXPECT_FALSE(c.policy.check_due(t0 + seconds(100)));
    EXPECT_FALSE(c.policy.next_check_at().has_value());
}

TEST(ACheckInFlight, IsOverdueAfterTimeoutPlusOnePollingInterval) {
    Checked c;
    c.policy.begin_check(1, t0);
    c.policy.check_started(1, t0);
    EXPECT_FALSE(c.policy.check_overdue(t0 + seconds(34), c.timing));
    EXPECT_TRUE(c.policy.check_overdue(t0 + seconds(35), c.timing));
}

TEST(ACheckInFlight, IsNeverOverdueWhileItWaitsInTheQueue) {
    Checked c;
    c.policy.begin_check(1, t0);
    EXPECT_FALSE(c.policy.check_overdue(t0 + seconds(3600), c.timing));
}

TEST(ACheckInFlight, IsOverdueCountingFromItsStartNotItsSubmission) {
    Checked c;
    c.policy.begin_check(1, t0);
    c.policy.check_started(2, t0 + seconds(10));  // another check's start: ignored
    EXPECT_FALSE(c.policy.check_started());
    c.policy.check_started(1, t0 + seconds(100));
    EXPECT_FALSE(c.policy.check_overdue(t0 + seconds(134), c.timing));
    EXPECT_TRUE(c.policy.check_overdue(t0 + seconds(135), c.timing));
}

TEST(AHealthyPath, IsCheckedAtThePollingIntervalGrowingToTheMaximum) {
    Checked c;
    c.check(PathState::Up, t0);
    EXPECT_EQ(*c.policy.next_check_at(), t0 + seconds(5));
    c.check(PathState::Up, t0 + seconds(5));
    EXPECT_EQ(*c.policy.next_check_at(), t0 + seconds(15));
    c.check(PathState::Up, t0 + seconds(15));
    EXPECT_EQ(*c.policy.next_check_at(), t0 + seconds(35));
    c.check(PathState::Up, t0 + seconds(35));
    EXPECT_EQ(*c.policy.next_check_at(), t0 + seconds(55));  // capped at 20 s
}

TEST(AFailedPath, IsRecheckedOnAShortBackoffBoundedByThePollingInterval) {
    Checked c;
    c.check(PathState::Up, t0);
    TimePoint now = t0 + seconds(5);
    std::vector<milliseconds> gaps;
    for (int i = 0; i < 7; ++i) {
        c.check(PathState::Down, now);
        TimePoint next = *c.policy.next_check_at();
        gaps.push_back(std::chrono::duration_cast<milliseconds>(next - now));
        now = next;
    }
    EXPECT_EQ(gaps, (std::vector<milliseconds>{milliseconds(250), milliseconds(500), milliseconds(1000),
                                               milliseconds(2000), milliseconds(4000), milliseconds(5000),
                                               milliseconds(5000)}));
}

TEST(AFailedPath, ThatChecksUpIsInServiceAgainAndBackOnTheNormalInterval) {
    Checked c;
    c.check(PathState::Up, t0);
    c.check(PathState::Down, t0 + seconds(40));
    EXPECT_FALSE(c.policy.in_service());
    c.check(PathState::Up, t0 + seconds(41));
    EXPECT_TRUE(c.policy.in_service());
    EXPECT_EQ(*c.policy.next_check_at(), t0 + seconds(46));
}

TEST(AGhostPath, IsUsableAndInService) {
    Checked c;
    auto t = c.check(PathState::Ghost, t0);
    EXPECT_EQ(t->new_state, PathState::Ghost);
    EXPECT_TRUE(c.policy.in_service());
}

TEST(AnExternalFailure, TakesThePathOutOfServiceAndIgnoresTheCheckInFlight) {
    Checked c;
    c.check(PathState::Up, t0);
    c.policy.begin_check(99, t0 + seconds(5));
    auto t = c.policy.on_external_failure(t0 + seconds(50), c.timing);
    EXPECT_EQ(t.new_state, PathState::Down);
    EXPECT_FALSE(c.policy.in_service());
    EXPECT_FALSE(c.policy.on_check_result(99, PathState::Up, t0 + seconds(50), c.timing).has_value());
}

TEST(FlapDamping, DoesNotHoldOutAPathAfterOneShortService) {
    Checked c;
    c.check(PathState::Up, t0);
    c.check(PathState::Down, t0 + seconds(2));
    c.check(PathState::Up, t0 + seconds(3));
    EXPECT_EQ(c.policy.state(), PathState::Up);
    EXPECT_EQ(c.policy.flaps(), 1U);
}

TEST(FlapDamping, HoldsOutAPathThatFailsTwiceShortlyAfterReinstatement) {
    Checked c;
    c.check(PathState::Up, t0);
    c.check(PathState::Down, t0 + seconds(2));
    c.check(PathState::Up, t0 + seconds(3));
    c.check(PathState::Down, t0 + seconds(5));
    EXPECT_TRUE(c.policy.damped());
    c.check(PathState::Up, t0 + seconds(6));
    EXPECT_EQ(c.policy.state(), PathState::Shaky);
    EXPECT_FALSE(c.policy.in_service());
    EXPECT_EQ(*c.policy.hold_until(), t0 + seconds(16));
    c.check(PathState::Up, t0 + seconds(11));
    EXPECT_EQ(c.policy.state(), PathState::Shaky);
    c.check(PathState::Up, t0 + seconds(16));
    EXPECT_EQ(c.policy.state(), PathState::Up);
    EXPECT_TRUE(c.policy.in_service());
}

TEST(FlapDamping, DoublesTheHoldForEachFurtherFlapUpToTheMaximum) {
    Checked c;
    c.timing.flap_hold_max = seconds(25);
    c.check(PathState::Up, t0);
    TimePoint now = t0;
    std::vector<seconds> holds;
    for (int i = 0; i < 5; ++i) {
        now += seconds(1);
        c.check(PathState::Down, now);
        now += seconds(1);
        c.check(PathState::Up, now);
        if (c.policy.state() == PathState::Shaky) {
            holds.push_back(std::chrono::duration_cast<seconds>(*c.policy.hold_until() - now));
            now = *c.policy.hold_until();
            c.check(PathState::Up, now);
        }
    }
    EXPECT_EQ(holds, (std::vector<seconds>{seconds(10), seconds(20), seconds(25), seconds(25)}));
}

TEST(FlapDamping, ForgetsFlapsAfterALongServiceWithoutFailure) {
    Checked c;
    c.check(PathState::Up, t0);
    c.check(PathState::Down, t0 + seconds(2));
    c.check(PathState::Up, t0 + seconds(3));
    c.check(PathState::Down, t0 + seconds(100));
    EXPECT_EQ(c.policy.flaps(), 0U);
    EXPECT_FALSE(c.policy.damped());
}

TEST(FlapDamping, IsOffWithThresholdZero) {
    Checked c;
    c.timing.flap_threshold = 0;
    for (int i = 0; i < 5; ++i) {
        c.check(PathState::Up, t0 + seconds(2 * i));
        c.check(PathState::Down, t0 + seconds(2 * i + 1));
    }
    c.check(PathState::Up, t0 + seconds(20));
    EXPECT_EQ(c.policy.state(), PathState::Up);
}

TEST(FlapDamping, RestartsTheHoldWhenAShakyPathFailsAgain) {
    Checked c;
    c.check(PathState::Up, t0);
    c.check(PathState::Down, t0 + seconds(1));
    c.check(PathState::Up, t0 + seconds(2));
    c.check(PathState::Down, t0 + seconds(3));
    c.check(PathState::Up, t0 + seconds(4));
    ASSERT_EQ(c.policy.state(), PathState::Shaky);
    c.check(PathState::Down, t0 + seconds(8));
    EXPECT_EQ(c.policy.state(), PathState::Down);
    c.check(PathState::Up, t0 + seconds(9));
    EXPECT_EQ(c.policy.state(), PathState::Shaky);
    EXPECT_EQ(*c.policy.hold_until(), t0 + seconds(19));
}

TEST(AnAdminFailedPath, IsOutOfServiceWhateverTheCheckerSays) {
    Checked c;
    c.check(PathState::Up, t0);
    c.policy.set_admin_failed(true, t0);
    c.check(PathState::Up, t0 + seconds(5));
    EXPECT_FALSE(c.policy.in_service());
    c.policy.set_admin_failed(false, t0 + seconds(6));
    EXPECT_TRUE(c.policy.in_service());
}

TEST(ClearingDamping, LetsAShakyPathBackOnItsNextGoodCheck) {
    Checked c;
    c.check(PathState::Up, t0);
    c.check(PathState::Down, t0 + seconds(1));
    c.check(PathState::Up, t0 + seconds(2));
    c.check(PathState::Down, t0 + seconds(3));
    c.check(PathState::Up, t0 + seconds(4));
    c.policy.clear_damping();
    c.check(PathState::Up, t0 + seconds(5));
    EXPECT_EQ(c.policy.state(), PathState::Up);
}

TEST(APathWithoutAChecker, IsUpAndNeverDue) {
    PathPolicy p(t0);
    p.assume_up(t0);
    EXPECT_EQ(p.state(), PathState::Up);
    EXPECT_FALSE(p.check_due(t0 + seconds(1000000)));
}

TEST(RequestingACheck, MakesItDueNow) {
    Checked c;
    c.check(PathState::Up, t0);
    c.policy.request_check_now(t0 + seconds(1));
    EXPECT_TRUE(c.policy.check_due(t0 + seconds(1)));
}

}  // namespace
}  // namespace pathkeeper::core
