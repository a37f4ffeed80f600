"""What one order event changes, as the planner says it (``loyalty.plan``) and the order
store writes it (``storage.orders``), all or nothing: the order record (the exactly-once
marker), the member's card, the ledger, reward coupons, the month's figures and the events
the change causes. Plain models: no keys, no item shapes, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from memberclub.coupons import Coupon
from memberclub.events import EventDetail
from memberclub.members import Member
from memberclub.orders.facts import OrderRecord


@dataclass(frozen=True)
class LedgerEntry:
    """One movement on the member's card, with the balances after it. ``kind`` is
    ``purchase``, ``till``, ``refund`` or ``reward`` (stamps traded for ``coupon``)."""

    kind: str
    cause: str
    stamps: int
    points: int
    stamps_balance: int
    points_balance: int
    coupon: str | None = None


@dataclass
class OrderChange:
    """Everything one order or refund changes on the club's books."""

    order: OrderRecord  # the record after the change (its rev already bumped)
    order_is_new: bool
    at: datetime  # when the change is made
    member: Member | None = None  # the member after the change (rev bumped), if their card moves
    ledger: list[LedgerEntry] = field(default_factory=list)  # in the order they happened
    coupons: list[Coupon] = field(default_factory=list)  # rewards issued by the change
    stats_month: str | None = None
    stats: dict[str, int] = field(default_factory=dict)  # the month's figures to add to
    # Figures of other months the change moves too (a member's active spell: loyalty.activity).
    other_months: dict[str, dict[str, int]] = field(default_factory=dict)
    events: list[EventDetail] = field(default_factory=list)  # what the change causes (the outbox)
    # A promotion lists the member for the expiry job's tier review in this month (yyyy-mm).
    tier_review: str | None = None


@dataclass
class Accrual:
    """What an order (or refund) did to a member's card."""

    member: Member | None
    stamps_delta: int = 0
    points_delta: int = 0
    rewards: list[Coupon] = field(default_factory=list)
    duplicate: bool = False


class OrderChanged(Exception):
    """The order record changed since it was read: read again and re-plan."""


class MemberChanged(Exception):
    """The member's balances changed since they were read: read again and re-plan."""
