"""What the loyalty use cases need from the outside, as small Protocols: the storage
adapters in ``memberclub.storage`` are the real ones, and the unit tests pass in-memory
fakes (tests/unit/test_accrual_use_cases.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from memberclub.club import ClubReader
from memberclub.coupons import Coupon
from memberclub.events import EventDetail
from memberclub.loyalty.change import OrderChange
from memberclub.members import Member
from memberclub.orders.facts import Customer, OrderRecord


class OrderBook(Protocol):
    """The club's order records and the one transaction that applies an order's change."""

    def get(self, club_id: str, source: str, order_id: str) -> OrderRecord | None: ...

    def commit(self, change: OrderChange) -> None:
        """Write the whole change or nothing; raise ``OrderChanged`` or ``MemberChanged``
        (``loyalty.change``) when the order or the member moved since they were read."""
        ...


class MemberReader(Protocol):
    def get(self, club_id: str, member_id: str, *, consistent: bool = False) -> Member | None: ...

    def member_id_for(self, club_id: str, customer: Customer) -> str | None: ...


class CouponBook(Protocol):
    def get(self, club_id: str, code: str) -> Coupon | None: ...

    def redeem(self, coupon: Coupon, now: datetime, month: str, events: Sequence[EventDetail],
               active: Member | None = None, activity: Mapping[str, Mapping[str, int]] | None = None) -> bool:
        """Mark the coupon redeemed if it is still issued and unexpired; False if not. With
        ``active``, the member's new last activity too (``MemberChanged`` if they moved)."""
        ...


@dataclass(frozen=True)
class LoyaltyServices:
    clubs: ClubReader
    members: MemberReader
    orders: OrderBook
    coupons: CouponBook
