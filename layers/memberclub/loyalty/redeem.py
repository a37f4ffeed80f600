"""Redemption at the counter (``POST /owner/{club}/redemptions``): a coupon is used once."""

from __future__ import annotations

import random
import time
from datetime import datetime
from typing import Any

from memberclub import clock, contacts
from memberclub.club import Club
from memberclub.coupons import Coupon
from memberclub.errors import Conflict, Gone, Invalid, NotFound, Unavailable
from memberclub.events import CouponRedeemed
from memberclub.loyalty.activity import MonthlyCounters, activity_moves, added
from memberclub.loyalty.change import MemberChanged
from memberclub.loyalty.services import LoyaltyServices
from memberclub.members import Member

ATTEMPTS = 8  # re-reads when an order moved the coupon's member at the same moment


def parse_redemption(body: Any) -> str:
    """``{"code"}``: the coupon's code as the till sent it."""
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise Invalid("Some fields are not valid.", fields={"code": "give the coupon's code"})
    return body["code"]


def redeem_coupon(services: LoyaltyServices, club: Club, code: str) -> Coupon:
    """Single use, even under concurrent requests: a conditional write decides. The clock
    decides expiry, not a job: a coupon past its ``expires_at`` is refused (410) whether or
    not the expiry job has run. The redemption and its event (the outbox) are one write."""
    code = contacts.normalize_code(code)
    if not code:
        raise Invalid("Some fields are not valid.", fields={"code": "give the coupon's code"})
    now = clock.now()
    coupon = _usable_coupon(services, club, code, now)
    event = CouponRedeemed(club_id=club.club_id, idempotency_key=f"redeemed#{code}", occurred_at=clock.iso(now),
                           member_id=coupon.member_id, code=code, kind=coupon.kind)
    for attempt in range(ATTEMPTS):
        active, activity = _member_active_now(services, club, coupon, now)
        try:
            redeemed = services.coupons.redeem(coupon, now, club.month_of(now), [event], active, activity)
        except MemberChanged:  # an order moved the member's card meanwhile: read them again
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
            continue
        if not redeemed:
            _usable_coupon(services, club, code, now)  # used or expired a moment ago: say which
            raise Conflict("This coupon was used already.", code="already_redeemed")
        return coupon.replace(status="redeemed", redeemed_at=clock.iso(now))
    raise Unavailable("Too many changes to this member at once. Please try again.")


def _member_active_now(services: LoyaltyServices, club: Club, coupon: Coupon,
                       now: datetime) -> tuple[Member | None, MonthlyCounters]:
    """A redemption is activity (docs/kpis.md): the member with it as their last activity and
    the counters it moves; (None, {}) for an erased member or one active more recently."""
    member = services.members.get(club.club_id, coupon.member_id, consistent=True)
    if member is None or member.status != "active":
        return None, {}
    previous = member.last_active_at or member.last_purchase_at
    at = clock.iso(now)
    if previous is not None and clock.parse_iso(previous) >= now:
        return None, {}
    activity = activity_moves(club, previous, at)
    if member.inactive_since:  # a lapsed member who comes back to use a coupon is active again
        activity = added(activity, {club.month_of(now): {"became_active": 1}})
    return member.replace(last_active_at=at, inactive_since=None, rev=member.rev + 1), activity


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
