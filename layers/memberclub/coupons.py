"""Coupons: what a member gets (welcome, reward, birthday, premium, campaign) and when it ends.

A coupon is valid to the end of its last day in the club's time zone: "valid 10 days" from
22 November means it can be used all of 2 December at the counter.
"""

from datetime import datetime, time, timedelta
from typing import Any, Literal

from memberclub import ids
from memberclub.clock import iso, parse_iso
from memberclub.club import Club
from memberclub.club_rules import CouponRule, CouponValue
from memberclub.records import Record

CouponKind = Literal["welcome", "reward", "birthday", "premium", "campaign"]
CouponStatus = Literal["issued", "redeemed", "expired"]


class Coupon(Record, kw_only=True):
    code: str
    club_id: str
    member_id: str
    kind: CouponKind
    value: CouponValue
    currency: str
    status: CouponStatus = "issued"
    issued_at: str
    expires_at: str
    redeemed_at: str | None = None
    cause: str  # why it exists, e.g. "welcome" or "reward#3": one coupon per cause

    def status_at(self, now: datetime) -> CouponStatus:
        if self.status == "issued" and parse_iso(self.expires_at) <= now:
            return "expired"
        return self.status

    def value_view(self) -> dict[str, Any]:
        """The coupon's value as the API shows it: ``{"type": "percent", "percent": 10}``."""
        view: dict[str, Any] = {"type": self.value.type}
        if self.value.type == "percent":
            view["percent"] = self.value.percent
        elif self.value.type == "amount":
            view |= {"amount": self.value.amount, "currency": self.currency}
        else:
            view["item"] = self.value.item
        return view

    def view(self, now: datetime) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind,
            "value": self.value_view(),
            "status": self.status_at(now),
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "redeemed_at": self.redeemed_at,
        }


def coupon_expiry(club: Club, issued: datetime, valid_days: int) -> datetime:
    """The last second of the ``valid_days``-th day after ``issued``, in the club's time zone."""
    last_day = issued.astimezone(club.zone).date() + timedelta(days=valid_days)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=club.zone) - timedelta(seconds=1)


def issue_coupon(club: Club, member_id: str, kind: CouponKind, rule: CouponRule, *, issued: datetime,
                 cause: str) -> Coupon:
    return Coupon(
        code=ids.new_coupon_code(),
        club_id=club.club_id,
        member_id=member_id,
        kind=kind,
        value=rule.value,
        currency=club.currency,
        issued_at=iso(issued),
        expires_at=iso(coupon_expiry(club, issued, rule.valid_days)),
        cause=cause,
    )
