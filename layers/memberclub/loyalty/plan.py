"""Planning an order's accrual, purely: what was read (the club, the event, the order record,
the member) in, what to change (an ``OrderChange``) out — no storage, no clock.

``plan_purchase`` and ``plan_refund`` decide the order record and the month's figures;
``move_card`` moves the member's card: stamps and points (never below zero), rewards with
carry-over (at 10 stamps one "1 free" coupon, the rest carried: ``rules.rewards_due``),
spend, visits and tier, and the ledger lines that explain the move. The use cases in
``loyalty.accrue`` apply a plan exactly once.
"""

from __future__ import annotations

from datetime import datetime

from memberclub import clock
from memberclub.club import Club
from memberclub.coupons import Coupon, issue_coupon
from memberclub.errors import Invalid
from memberclub.events import (
    CouponIssued,
    EventDetail,
    PurchaseRecorded,
    PurchaseRefunded,
    RewardEarned,
    StampsAccrued,
)
from memberclub.loyalty import rules
from memberclub.loyalty.activity import activity_moves, buyer_counters
from memberclub.loyalty.change import Accrual, LedgerEntry, OrderChange
from memberclub.loyalty.rules import Earnings
from memberclub.members import Member
from memberclub.orders.facts import OrderRecord


def plan_purchase(club: Club, purchase: PurchaseRecorded, order: OrderRecord | None, member: Member | None,
                  now: datetime) -> tuple[OrderChange | None, Accrual]:
    """What a paid order changes; None when it was applied already. A till receipt
    (``purchase.fingerprint``) used again for another member or another count is refused."""
    if order is not None and order.paid:
        if purchase.fingerprint and order.fingerprint and purchase.fingerprint != order.fingerprint:
            raise Invalid("This Idempotency-Key was used for another stamp (another member, count or amount).",
                          code="idempotency_key_reused", fields={"Idempotency-Key": "used before with another body"})
        return None, Accrual(member, duplicate=True)
    paid_at = clock.parse_iso(purchase.paid_at)
    same_currency = purchase.currency == club.currency
    if member is not None and member.status == "erased":
        member = None
    earned = (
        rules.earnings_for(club, purchase.points_basis_minor, premium=member.premium_active(paid_at),
                           till_stamps=purchase.stamps, same_currency=same_currency)
        if member else Earnings(0, 0)
    )
    base = order or OrderRecord(club_id=club.club_id, source=purchase.source, order_id=purchase.order_id,
                                created_at=clock.iso(now))
    refunds = _merge(base.refunds, purchase.refunds_minor)
    after = base.replace(
        member_id=member.member_id if member else None, currency=purchase.currency,
        total=purchase.total_minor, points_basis=purchase.points_basis_minor, paid=True,
        paid_at=purchase.paid_at, refunds=refunds, earned_stamps=earned.stamps,
        earned_points=earned.points, fingerprint=purchase.fingerprint, rev=base.rev + 1,
    )
    taken = rules.take_back(club, earned=earned, total=purchase.total_minor,
                            points_basis=purchase.points_basis_minor, refunded=after.refunded,
                            full=after.full_refund)
    after.taken_stamps, after.taken_points = taken.stamps, taken.points
    month = club.month_of(paid_at)
    stats = {"orders": 1}
    if same_currency:
        stats |= {"sales": purchase.total_minor, "refunds": after.refunded}
        # The average basket counts orders with an amount (a till stamp may carry none).
        stats |= {"basket_orders": 1} if purchase.total_minor > 0 else {}
    else:
        stats |= {"orders_other_currency": 1}
    change = OrderChange(order=after, order_is_new=order is None, at=now, stats_month=month, stats=stats)
    result = Accrual(member)
    if member is not None:
        stats |= buyer_counters(member, month)
        change.other_months = activity_moves(club, member.last_active_at or member.last_purchase_at, purchase.paid_at)
        if same_currency:
            stats |= {"member_refunds": after.refunded} | ({"member_basket_orders": 1} if purchase.total_minor > 0 else {})
        net = Earnings(earned.stamps - taken.stamps, earned.points - taken.points)
        spend = _net_spend(after) if same_currency else 0
        result = move_card(club, change, member, net, spend=spend, visit_at=purchase.paid_at, month=month, now=now,
                           cause=f"{purchase.source}:{purchase.order_id}",
                           kind="till" if purchase.source == "till" else "purchase")
        after.reward_codes = [coupon.code for coupon in result.rewards]
        stats |= {"member_orders": 1} | ({"member_sales": purchase.total_minor} if same_currency else {})
        stats |= {"stamps_issued": net.stamps, "points_issued": net.points, "rewards_issued": len(result.rewards)}
        stats |= {"coupons_issued": len(result.rewards), "coupons_issued_reward": len(result.rewards)}
        if member.inactive_since:
            stats |= {"became_active": 1}
    change.events = events_of(club, after, result, "paid", now)
    return change, result


def plan_refund(club: Club, refund: PurchaseRefunded, order: OrderRecord | None, member: Member | None,
                now: datetime) -> tuple[OrderChange | None, Accrual, str]:
    """What a refund changes; None when it was applied already. Also returns its cause."""
    base = order or OrderRecord(club_id=club.club_id, source=refund.source, order_id=refund.order_id,
                                member_id=refund.member_id, currency=refund.currency, total=refund.total_minor,
                                created_at=clock.iso(now))
    refunds = _merge(base.refunds, refund.refunds_minor)
    full = base.full_refund or refund.full
    if order is not None and refunds == order.refunds and full == order.full_refund:
        return None, Accrual(member, duplicate=True), _refund_cause(order)
    after = base.replace(refunds=refunds, full_refund=full, rev=base.rev + 1)
    if after.total is None and refund.total_minor is not None:
        after.total = refund.total_minor
    cause = _refund_cause(after)
    change = OrderChange(order=after, order_is_new=order is None, at=now)
    if not base.paid:
        return change, Accrual(member), cause  # the purchase, when it comes, earns what is left
    total, basis = after.total or 0, after.points_basis or 0
    taken = rules.take_back(club, earned=Earnings(after.earned_stamps, after.earned_points), total=total,
                            points_basis=basis, refunded=after.refunded, full=after.full_refund)
    delta = Earnings(taken.stamps - base.taken_stamps, taken.points - base.taken_points)
    after.taken_stamps, after.taken_points = taken.stamps, taken.points
    month = club.month_of(clock.parse_iso(after.paid_at or after.created_at))
    same_currency = after.currency == club.currency
    change.stats_month = month
    change.stats = {"refunds": after.refunded - base.refunded} if same_currency else {}
    result = Accrual(member)
    if member is not None and member.status != "erased" and after.member_id == member.member_id:
        spend_back = (_net_spend(base) - _net_spend(after)) if same_currency else 0
        result = move_card(club, change, member, Earnings(-delta.stamps, -delta.points), spend=-spend_back,
                           visit_at=None, month=month, now=now, cause=f"{after.source}:{after.order_id}", kind="refund")
        change.stats |= {"stamps_issued": result.stamps_delta, "points_issued": result.points_delta}
        if same_currency:
            change.stats |= {"member_refunds": after.refunded - base.refunded}
    change.events = events_of(club, after, result, cause, now)
    return change, result, cause


def _merge(current: dict[str, int], incoming: dict[str, int]) -> dict[str, int]:
    """Refund id → amount; a running total (one id) only grows, so a late smaller one is ignored."""
    merged = dict(current)
    for refund_id, amount in incoming.items():
        merged[refund_id] = max(merged.get(refund_id, 0), amount)
    return merged


def _refund_cause(order: OrderRecord) -> str:
    return f"refund#{order.refunded}#{int(order.full_refund)}"


def _net_spend(order: OrderRecord) -> int:
    """The points basis that stays after refunds: what counts toward tiers and lifetime spend."""
    basis, total = order.points_basis or 0, order.total or 0
    if not total:
        return basis
    return basis - (basis * order.refunded) // total


def move_card(club: Club, change: OrderChange, member: Member, net: Earnings, *, spend: int, visit_at: str | None,
              month: str, now: datetime, cause: str, kind: str) -> Accrual:
    """The card move: stamps/points (never below zero), rewards with carry-over (every
    ``reward_at`` stamps — 10 by default — one reward coupon, the rest carried), spend and
    tier, written into ``change`` with its ledger lines. ``visit_at`` is the purchase's time
    (None for a refund, which is no visit)."""
    visit = visit_at is not None
    settings = club.settings
    stamps = max(member.stamps + net.stamps, 0)
    rewards: list[Coupon] = []
    if net.stamps > 0 and settings.stamps.reward.enabled:
        due, stamps = rules.rewards_due(member.stamps, net.stamps, settings.stamps.reward_at)
        rewards = [
            issue_coupon(club, member.member_id, "reward", settings.stamps.reward, issued=now, cause=f"reward#{cause}#{i}")
            for i in range(due)
        ]
    points = max(member.points + net.points, 0)
    current = club.month_of(now)
    spend_by_month, visits_by_month = dict(member.spend_by_month), dict(member.visits_by_month)
    if month in rules.last_twelve_months(current):
        spend_by_month[month] = max(spend_by_month.get(month, 0) + spend, 0)
        visits_by_month[month] = visits_by_month.get(month, 0) + (1 if visit else 0)
    spend_by_month = rules.rolling(spend_by_month, current)
    visits_by_month = rules.rolling(visits_by_month, current)
    candidate = rules.tier_for(settings.tiers, sum(spend_by_month.values()), sum(visits_by_month.values()))
    after = member.replace(
        stamps=stamps, points=points, tier=rules.promoted(settings.tiers, member.tier, candidate),
        lifetime_spend=max(member.lifetime_spend + spend, 0), visits=member.visits + (1 if visit else 0),
        last_purchase_at=max(filter(None, (member.last_purchase_at, visit_at))) if visit else member.last_purchase_at,
        last_active_at=max(filter(None, (member.last_active_at, member.last_purchase_at, visit_at)), default=None),
        spend_by_month=spend_by_month, visits_by_month=visits_by_month, rev=member.rev + 1,
        # A purchase makes a lapsed member active again (the churn figures count it).
        inactive_since=None if visit else member.inactive_since,
    )
    if after.tier is not None and after.tier != member.tier:
        change.tier_review = rules.tier_review_month(spend_by_month, visits_by_month)
    reward_at = settings.stamps.reward_at
    moved = Earnings(points=points - member.points, stamps=stamps - member.stamps + reward_at * len(rewards))
    change.member = after
    change.coupons = rewards
    balance = member.stamps + moved.stamps
    change.ledger = [LedgerEntry(kind, cause, moved.stamps, moved.points, balance, points)]
    for coupon in rewards:
        balance -= reward_at
        change.ledger.append(LedgerEntry("reward", cause, -reward_at, 0, balance, points, coupon=coupon.code))
    return Accrual(after, stamps_delta=moved.stamps, points_delta=moved.points, rewards=rewards)


def events_of(club: Club, order: OrderRecord, result: Accrual, cause: str, now: datetime) -> list[EventDetail]:
    """The events a change causes: the card's move, each reward and its coupon."""
    if result.member is None:
        return []
    base = {"club_id": club.club_id, "occurred_at": clock.iso(now)}
    member_id = result.member.member_id
    events: list[EventDetail] = []
    if result.stamps_delta or result.points_delta:
        events.append(StampsAccrued(**base, idempotency_key=f"stamps#{order.source}#{order.order_id}#{cause}",
                                    member_id=member_id, source=order.source, order_id=order.order_id,
                                    stamps_delta=result.stamps_delta, points_delta=result.points_delta,
                                    stamps=result.member.stamps, points=result.member.points, tier=result.member.tier))
    for coupon in result.rewards:
        events.append(RewardEarned(**base, idempotency_key=f"reward#{coupon.code}", member_id=member_id,
                                   code=coupon.code, order_id=order.order_id))
        events.append(CouponIssued(**base, idempotency_key=f"coupon#{coupon.code}", member_id=member_id,
                                   code=coupon.code, kind=coupon.kind, expires_at=coupon.expires_at))
    return events
