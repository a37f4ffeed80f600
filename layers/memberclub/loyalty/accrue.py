"""The loyalty use cases: accrue a purchase, reverse a refund, stamp at the till, redeem a coupon.

Each order event becomes one ``Commit`` — the order record (the exactly-once marker), the
member's balances, the ledger, reward coupons and the month's figures — written in one
transaction. The planners here are pure: they take what was read and return what to write;
``OrderStore.commit`` refuses a plan whose order or member changed since the read (the
``rev`` conditions), and the use case reads again and re-plans. Duplicate, late and
out-of-order events (a refund before its purchase) therefore come out right.

Events a change causes are written to the outbox (``storage.outbox``) in the same
transaction, and the relay puts them on the bus: once a change stands, its events are
certain to follow, whatever the bus is doing at that moment — so the till gets its 200 and
never counts a stamp twice by retrying after a 503.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from memberclub import clock, contacts, money
from memberclub.bodies import require_object
from memberclub.club import Club
from memberclub.coupons import Coupon, issue_coupon
from memberclub.errors import Conflict, Gone, Invalid, NotFound, Unavailable, field_errors
from memberclub.events import (
    CouponIssued,
    CouponRedeemed,
    EventDetail,
    PurchaseRecorded,
    PurchaseRefunded,
    RewardEarned,
    StampsAccrued,
)
from memberclub.loyalty import rules as accrual
from memberclub.loyalty.rules import Earnings
from memberclub.members import Member
from memberclub.orders.facts import Customer, OrderRecord
from memberclub.storage.clubs import ClubStore
from memberclub.storage.members import MemberStore
from memberclub.storage.orders import Commit, MemberChanged, OrderChanged, OrderStore, ledger_entry

ATTEMPTS = 8  # re-plans when a racing order changed the same member or order


@dataclass
class LoyaltyServices:
    clubs: ClubStore
    members: MemberStore
    orders: OrderStore
    coupons: Any  # storage.coupons.CouponStore


@dataclass
class Accrual:
    """What an order (or refund) did to a member's card."""

    member: Member | None
    stamps_delta: int = 0
    points_delta: int = 0
    rewards: list[Coupon] = field(default_factory=list)
    duplicate: bool = False


# --- planning (pure) ------------------------------------------------------------------------


def plan_purchase(club: Club, purchase: PurchaseRecorded, order: OrderRecord | None, member: Member | None,
                  now: datetime) -> tuple[Commit | None, Accrual]:
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
        accrual.earnings_for(club, purchase.points_basis_minor, premium=member.premium_active(paid_at),
                             till_stamps=purchase.stamps, same_currency=same_currency)
        if member else Earnings(0, 0)
    )
    base = order or OrderRecord(club_id=club.club_id, source=purchase.source, order_id=purchase.order_id,
                                created_at=clock.iso(now))
    refunds = _merge(base.refunds, purchase.refunds_minor)
    after = base.model_copy(update={
        "member_id": member.member_id if member else None, "currency": purchase.currency,
        "total": purchase.total_minor, "points_basis": purchase.points_basis_minor, "paid": True,
        "paid_at": purchase.paid_at, "refunds": refunds, "earned_stamps": earned.stamps,
        "earned_points": earned.points, "fingerprint": purchase.fingerprint, "rev": base.rev + 1,
    })
    taken = accrual.take_back(club, earned=earned, total=purchase.total_minor,
                              points_basis=purchase.points_basis_minor, refunded=after.refunded,
                              full=after.full_refund)
    after.taken_stamps, after.taken_points = taken.stamps, taken.points
    month = accrual.month_of(club, paid_at)
    stats = {"orders": 1}
    if same_currency:
        stats |= {"sales": purchase.total_minor, "refunds": after.refunded}
    else:
        stats |= {"orders_other_currency": 1}
    commit = Commit(order=after, order_is_new=order is None, at=now, stats_month=month, stats=stats)
    result = Accrual(member)
    if member is not None:
        net = Earnings(earned.stamps - taken.stamps, earned.points - taken.points)
        spend = _net_spend(after) if same_currency else 0
        result = _move_card(club, commit, member, net, spend=spend, visit_at=purchase.paid_at, month=month, now=now,
                            cause=f"{purchase.source}:{purchase.order_id}", kind="till" if purchase.source == "till" else "purchase")
        after.reward_codes = [coupon.code for coupon in result.rewards]
        stats |= {"member_orders": 1} | ({"member_sales": purchase.total_minor} if same_currency else {})
        stats |= {"stamps_issued": net.stamps, "points_issued": net.points, "rewards_issued": len(result.rewards)}
    commit.events = _events(club, after, result, "paid", now)
    return commit, result


def plan_refund(club: Club, refund: PurchaseRefunded, order: OrderRecord | None, member: Member | None,
                now: datetime) -> tuple[Commit | None, Accrual, str]:
    """What a refund changes; None when it was applied already. Also returns its cause."""
    base = order or OrderRecord(club_id=club.club_id, source=refund.source, order_id=refund.order_id,
                                member_id=refund.member_id, currency=refund.currency, total=refund.total_minor,
                                created_at=clock.iso(now))
    refunds = _merge(base.refunds, refund.refunds_minor)
    full = base.full_refund or refund.full
    if order is not None and refunds == order.refunds and full == order.full_refund:
        return None, Accrual(member, duplicate=True), _refund_cause(order)
    after = base.model_copy(update={"refunds": refunds, "full_refund": full, "rev": base.rev + 1})
    if after.total is None and refund.total_minor is not None:
        after.total = refund.total_minor
    cause = _refund_cause(after)
    commit = Commit(order=after, order_is_new=order is None, at=now)
    if not base.paid:
        return commit, Accrual(member), cause  # the purchase, when it comes, earns what is left
    total, basis = after.total or 0, after.points_basis or 0
    taken = accrual.take_back(club, earned=Earnings(after.earned_stamps, after.earned_points), total=total,
                              points_basis=basis, refunded=after.refunded, full=after.full_refund)
    delta = Earnings(taken.stamps - base.taken_stamps, taken.points - base.taken_points)
    after.taken_stamps, after.taken_points = taken.stamps, taken.points
    month = accrual.month_of(club, clock.parse_iso(after.paid_at or after.created_at))
    same_currency = after.currency == club.currency
    commit.stats_month = month
    commit.stats = {"refunds": after.refunded - base.refunded} if same_currency else {}
    result = Accrual(member)
    if member is not None and member.status != "erased" and after.member_id == member.member_id:
        spend_back = (_net_spend(base) - _net_spend(after)) if same_currency else 0
        result = _move_card(club, commit, member, Earnings(-delta.stamps, -delta.points), spend=-spend_back,
                            visit_at=None, month=month, now=now, cause=f"{after.source}:{after.order_id}", kind="refund")
        commit.stats |= {"stamps_issued": result.stamps_delta, "points_issued": result.points_delta}
    commit.events = _events(club, after, result, cause, now)
    return commit, result, cause


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


def _move_card(club: Club, commit: Commit, member: Member, net: Earnings, *, spend: int, visit_at: str | None,
               month: str, now: datetime, cause: str, kind: str) -> Accrual:
    """Apply stamps/points (never below zero), rewards with carry-over, spend and tier;
    ``visit_at`` is the purchase's time (None for a refund, which is no visit)."""
    visit = visit_at is not None
    rules = club.settings
    at = clock.iso(now)
    stamps = max(member.stamps + net.stamps, 0)
    rewards: list[Coupon] = []
    if net.stamps > 0 and rules.stamps.reward.enabled:
        due, stamps = accrual.rewards_due(member.stamps, net.stamps, rules.stamps.reward_at)
        rewards = [
            issue_coupon(club, member.member_id, "reward", rules.stamps.reward, issued=now, cause=f"reward#{cause}#{i}")
            for i in range(due)
        ]
    points = max(member.points + net.points, 0)
    current = accrual.month_of(club, now)
    spend_by_month, visits_by_month = dict(member.spend_by_month), dict(member.visits_by_month)
    if month in accrual.last_twelve_months(current):
        spend_by_month[month] = max(spend_by_month.get(month, 0) + spend, 0)
        visits_by_month[month] = visits_by_month.get(month, 0) + (1 if visit else 0)
    spend_by_month = accrual.rolling(spend_by_month, current)
    visits_by_month = accrual.rolling(visits_by_month, current)
    candidate = accrual.tier_for(rules.tiers, sum(spend_by_month.values()), sum(visits_by_month.values()))
    after = member.model_copy(update={
        "stamps": stamps, "points": points, "tier": accrual.promoted(rules.tiers, member.tier, candidate),
        "lifetime_spend": max(member.lifetime_spend + spend, 0), "visits": member.visits + (1 if visit else 0),
        "last_purchase_at": max(filter(None, (member.last_purchase_at, visit_at))) if visit else member.last_purchase_at,
        "spend_by_month": spend_by_month, "visits_by_month": visits_by_month, "rev": member.rev + 1,
    })
    moved = Earnings(points=points - member.points, stamps=stamps - member.stamps + rules.stamps.reward_at * len(rewards))
    commit.member = after
    commit.coupons = rewards
    balance = member.stamps + moved.stamps
    commit.ledger = [ledger_entry(member, at, 0, {
        "kind": kind, "cause": cause, "stamps": moved.stamps, "points": moved.points,
        "stamps_balance": balance, "points_balance": points,
    })]
    for i, coupon in enumerate(rewards, start=1):
        balance -= rules.stamps.reward_at
        commit.ledger.append(ledger_entry(member, at, i, {
            "kind": "reward", "cause": cause, "stamps": -rules.stamps.reward_at, "points": 0,
            "stamps_balance": balance, "points_balance": points, "coupon": coupon.code,
        }))
    return Accrual(after, stamps_delta=moved.stamps, points_delta=moved.points, rewards=rewards)


def _events(club: Club, order: OrderRecord, result: Accrual, cause: str, now: datetime) -> list[EventDetail]:
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


# --- applying (the use cases) -----------------------------------------------------------------


def accrue_purchase(services: LoyaltyServices, club: Club, purchase: PurchaseRecorded,
                    member: Member | None = None) -> Accrual:
    """Apply a paid order exactly once, however often and in whatever order it arrives.
    ``member``, when the caller has just read it, saves reading it again."""
    order = None  # most orders are new: try that first, read the record only if it exists
    if member is None:
        member = _member(services, club, purchase.member_id)
    for attempt in range(ATTEMPTS):
        commit, result = plan_purchase(club, purchase, order, member, clock.now())
        if commit is None:
            return result
        try:
            services.orders.commit(commit)
        except OrderChanged:
            order = services.orders.get(club.club_id, purchase.source, purchase.order_id)
            continue
        except MemberChanged:
            _back_off(attempt)
            member = _member(services, club, purchase.member_id)
            continue
        return result
    raise Unavailable("Too many changes to this member at once. Please try again.")


def reverse_refund(services: LoyaltyServices, club: Club, refund: PurchaseRefunded) -> Accrual:
    """Take back what a refund takes back, exactly once per refund."""
    for _attempt in range(ATTEMPTS):
        order = services.orders.get(club.club_id, refund.source, refund.order_id)
        member_id = order.member_id if order and order.paid else refund.member_id
        member = _member(services, club, member_id)
        commit, result, _cause = plan_refund(club, refund, order, member, clock.now())
        if commit is None:
            return result
        try:
            services.orders.commit(commit)
        except (OrderChanged, MemberChanged):
            _back_off(_attempt)
            continue
        return result
    raise Unavailable("Too many changes to this order at once. Please try again.")


def _back_off(attempt: int) -> None:
    """Another order moved the same card a moment ago: let it finish before re-reading."""
    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))


def _member(services: LoyaltyServices, club: Club, member_id: str | None) -> Member | None:
    member = services.members.get(club.club_id, member_id, consistent=True) if member_id else None
    return member if member is not None and member.status != "erased" else None


# --- the till -------------------------------------------------------------------------------


class TillStamp(BaseModel):
    """``POST /owner/{club}/stamps``: the member by card code, e-mail or phone."""

    model_config = ConfigDict(extra="forbid")
    member: str = Field(min_length=1, max_length=254)
    count: StrictInt | None = Field(None, ge=1, le=100)  # `true` is no count
    amount: str | None = None


def parse_till_stamp(body: Any) -> TillStamp:
    try:
        request = TillStamp.model_validate(require_object(body))
    except ValidationError as error:
        raise Invalid("Some fields are not valid.", fields=field_errors(error)) from None
    if request.amount is not None:
        try:
            if money.to_minor(request.amount) < 0:
                raise ValueError
        except ValueError:
            raise Invalid("Some fields are not valid.", fields={"amount": 'an amount like "120.00"'}) from None
    return request


def customer_named(club: Club, text: str) -> Customer:
    """What the till typed or scanned: an e-mail, a phone number or the card's code."""
    text = text.strip()
    try:
        if "@" in text:
            return Customer(email=contacts.normalize_email(text))
        if text.startswith(("+", "00")) or text.replace(" ", "").replace("-", "").isdigit():
            return Customer(phone=contacts.normalize_phone(text, club.phone_country))
    except ValueError as error:
        raise Invalid("Some fields are not valid.", fields={"member": str(error)}) from None
    return Customer(card_code=contacts.normalize_code(text))


def stamp_at_till(services: LoyaltyServices, club: Club, request: TillStamp, receipt: str | None) -> Accrual:
    """The owner stamps a member's card at the counter. ``receipt`` (the Idempotency-Key
    header) makes a retried request count once."""
    member_id = services.members.member_id_for(club.club_id, customer_named(club, request.member))
    member = _member(services, club, member_id)
    if member is None:
        raise NotFound("No member with this card code, e-mail or phone.", code="unknown_member")
    amount = money.to_minor(request.amount) if request.amount is not None else 0
    stamps = request.count if request.count is not None else (
        club.settings.stamps.per_order if request.amount is None else None)
    now = clock.now()
    receipt = receipt or uuid.uuid4().hex
    purchase = PurchaseRecorded(
        club_id=club.club_id, idempotency_key=f"till#{receipt}", occurred_at=clock.iso(now),
        source="till", order_id=receipt, member_id=member.member_id, currency=club.currency,
        total_minor=amount, points_basis_minor=amount, paid_at=clock.iso(now), stamps=stamps,
        fingerprint=till_fingerprint(member.member_id, request),
    )
    return accrue_purchase(services, club, purchase, member)


def till_fingerprint(member_id: str, request: TillStamp) -> str:
    """What makes two till requests "the same stamp": the member, the count and the amount
    (however the member was named). An Idempotency-Key sent again with another fingerprint
    is refused rather than answered as a duplicate."""
    amount = money.to_minor(request.amount) if request.amount is not None else None
    return hashlib.sha256(f"{member_id}|{request.count}|{amount}".encode()).hexdigest()[:32]


def till_answer(result: Accrual, now: datetime) -> dict[str, Any]:
    member = result.member
    assert member is not None
    return {
        "member_id": member.member_id, "card_code": member.card_code, "stamps": member.stamps,
        "points": member.points, "tier": member.tier, "stamps_added": result.stamps_delta,
        "points_added": result.points_delta, "rewards": [coupon.view(now) for coupon in result.rewards],
        "duplicate": result.duplicate,
    }


# --- redemption -----------------------------------------------------------------------------


def redeem_coupon(services: LoyaltyServices, club: Club, code: str) -> Coupon:
    """Single use, even under concurrent requests: a conditional write decides. The clock
    decides expiry, not a job: a coupon past its ``expires_at`` is refused (410) whether or
    not the expiry job has run."""
    code = contacts.normalize_code(code)
    if not code:
        raise Invalid("Some fields are not valid.", fields={"code": "give the coupon's code"})
    now = clock.now()
    coupon = _usable_coupon(services, club, code, now)
    event = CouponRedeemed(club_id=club.club_id, idempotency_key=f"redeemed#{code}", occurred_at=clock.iso(now),
                           member_id=coupon.member_id, code=code, kind=coupon.kind)
    if not services.coupons.redeem(coupon, now, accrual.month_of(club, now), [event]):
        _usable_coupon(services, club, code, now)  # used or expired a moment ago: say which
        raise Conflict("This coupon was used already.", code="already_redeemed")
    return coupon.model_copy(update={"status": "redeemed", "redeemed_at": clock.iso(now)})


def _usable_coupon(services: LoyaltyServices, club: Club, code: str, now: datetime) -> Coupon:
    coupon = services.coupons.get(club.club_id, code)
    if coupon is None:
        raise NotFound("No coupon with this code.", code="unknown_coupon")
    status = coupon.status_at(now)
    if status == "redeemed":
        raise Conflict(f"This coupon was used already ({coupon.redeemed_at}).", code="already_redeemed")
    if status == "expired":
        raise Gone(f"This coupon expired ({coupon.expires_at}).", code="expired")
    return coupon
