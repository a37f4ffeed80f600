"""The loyalty rules and planners, without storage."""

from datetime import UTC, datetime, timedelta

import pytest

from memberclub.club import Club
from memberclub.club_rules import ClubSettings, merge_settings
from memberclub.events import PurchaseRecorded, PurchaseRefunded
from memberclub.loyalty import rules
from memberclub.loyalty.plan import plan_purchase, plan_refund
from memberclub.loyalty.rules import Earnings
from memberclub.loyalty.till import customer_named
from memberclub.members import Member

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
CLUB = Club(club_id="demo", name="Demo")


def club_with(**changes) -> Club:
    return CLUB.replace(settings=merge_settings(ClubSettings(), changes))


def test_an_order_earns_a_stamp_and_a_point_per_whole_krone():
    assert rules.earnings_for(CLUB, 24990, premium=False) == Earnings(1, 249)
    assert rules.earnings_for(CLUB, 99, premium=False) == Earnings(1, 0)
    assert rules.earnings_for(CLUB, 24990, premium=True) == Earnings(2, 249)  # points ×1
    assert rules.earnings_for(CLUB, 24990, premium=False, same_currency=False) == Earnings(0, 0)
    assert rules.earnings_for(CLUB, 0, premium=True, till_stamps=3) == Earnings(6, 0)


def test_the_minimum_decides_the_stamp_not_the_points():
    club = club_with(stamps={"min_order_amount": "100.00"}, points={"per_currency_unit": 2})
    assert rules.earnings_for(club, 9999, premium=False) == Earnings(0, 198)
    assert rules.earnings_for(club, 10000, premium=False) == Earnings(1, 200)


@pytest.mark.parametrize(("before", "added", "due"), [(9, 1, (1, 0)), (9, 2, (1, 1)), (0, 25, (2, 5)), (3, 0, (0, 3))])
def test_rewards_with_carry_over(before, added, due):
    assert rules.rewards_due(before, added, 10) == due


@pytest.mark.parametrize(("refunded", "full", "back"), [
    (24900, False, Earnings(1, 249)),  # everything back
    (0, True, Earnings(1, 249)),  # marked full
    (10000, False, Earnings(0, 100)),  # 249 × 100/249
    (30000, False, Earnings(1, 249)),  # more than the total: never more than earned
    (50, False, Earnings(0, 1)),  # 249 × 50/24900 = 0.5 points: to the nearest, half up
    (49, False, Earnings(0, 0)),
])
def test_take_back_in_proportion(refunded, full, back):
    assert rules.take_back(CLUB, earned=Earnings(1, 249), total=24900, points_basis=24900, refunded=refunded,
                             full=full) == back


def test_take_back_takes_the_stamp_when_the_net_falls_under_the_minimum():
    club = club_with(stamps={"min_order_amount": "200.00"})
    earned = Earnings(1, 249)
    # 249.00 − 50.00 = 199.00 is under 200.00: the stamp goes; − 49.00 leaves 200.00: it stays.
    assert rules.take_back(club, earned=earned, total=24900, points_basis=24900, refunded=5000, full=False).stamps == 1
    assert rules.take_back(club, earned=earned, total=24900, points_basis=24900, refunded=4900, full=False).stamps == 0


def test_twelve_months_and_tiers():
    assert rules.last_twelve_months("2026-02")[:3] == ["2026-02", "2026-01", "2025-12"]
    assert rules.last_twelve_months("2026-02")[-1] == "2025-03"
    assert rules.rolling({"2025-02": 1, "2025-03": 2, "2026-02": 3}, "2026-02") == {"2025-03": 2, "2026-02": 3}
    tiers = CLUB.settings.tiers
    assert rules.tier_for(tiers, 199_999, 0) is None
    assert rules.tier_for(tiers, 200_000, 0) == "silver" and rules.tier_for(tiers, 500_000, 0) == "gold"
    assert rules.promoted(tiers, "gold", "silver") == "gold"  # demotion is the daily job's
    assert rules.promoted(tiers, "silver", "gold") == "gold" and rules.promoted(tiers, None, None) is None
    visits = club_with(tiers={"basis": "visits_12m", "levels": [{"id": "regular", "name": "Regular", "min_visits": 5}]})
    assert rules.tier_for(visits.settings.tiers, 0, 5) == "regular"


def member(**fields) -> Member:
    return Member(club_id="demo", member_id="m1", status="active", created_at="2026-01-01T00:00:00Z", **fields)


def paid(total: int = 24900, **fields) -> PurchaseRecorded:
    return PurchaseRecorded(club_id="demo", idempotency_key="k", occurred_at="2026-11-22T12:00:00Z", source="orders",
                            order_id="o1", member_id="m1", currency="NOK", total_minor=total,
                            points_basis_minor=total, paid_at="2026-11-22T12:00:00Z", **fields)


def refund(amount: int, full: bool = False) -> PurchaseRefunded:
    return PurchaseRefunded(club_id="demo", idempotency_key="r", occurred_at="2026-11-22T12:00:00Z", source="orders",
                            order_id="o1", member_id="m1", currency="NOK", refunds_minor={"total": amount}, full=full,
                            total_minor=24900, refunded_at="2026-11-22T12:00:00Z")


@pytest.mark.parametrize("amount", [0, 4900, 10000, 24900])
def test_refund_then_purchase_ends_like_purchase_then_refund(amount):
    start = member(stamps=3, points=10)
    first, _ = plan_purchase(CLUB, paid(), None, start, NOW)
    after_purchase = first.member
    second, _, _ = plan_refund(CLUB, refund(amount), first.order, after_purchase, NOW)
    in_order = second.member if second.member else after_purchase
    early, _, _ = plan_refund(CLUB, refund(amount), None, start, NOW)
    late, _ = plan_purchase(CLUB, paid(), early.order, start, NOW)
    assert (late.member.stamps, late.member.points) == (in_order.stamps, in_order.points)
    assert late.member.spend_by_month == in_order.spend_by_month


def test_a_repeated_purchase_or_refund_plans_nothing():
    commit, _ = plan_purchase(CLUB, paid(), None, member(), NOW)
    assert plan_purchase(CLUB, paid(), commit.order, member(), NOW)[0] is None
    refunded, _, _ = plan_refund(CLUB, refund(100), commit.order, commit.member, NOW)
    assert plan_refund(CLUB, refund(100), refunded.order, commit.member, NOW)[0] is None
    assert plan_refund(CLUB, refund(50), refunded.order, commit.member, NOW)[0] is None  # a running total only grows


def test_spend_outside_twelve_months_does_not_count_toward_the_tier():
    old = paid(300_000).replace(paid_at=(NOW - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    commit, _ = plan_purchase(CLUB, old, None, member(), NOW)
    assert commit.member.tier is None and commit.member.lifetime_spend == 300_000


def test_the_till_reads_e_mail_phone_or_card_code():
    assert customer_named(CLUB, " Kari@Example.no ").email == "kari@example.no"
    assert customer_named(CLUB, "912 34 567").phone == "+4791234567"
    assert customer_named(CLUB, "+45 12 34 56 78").phone == "+4512345678"
    assert customer_named(CLUB, "abcd-efgh23").card_code == "ABCDEFGH23"
