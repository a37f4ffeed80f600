"""The accrual use cases: apply an order or a refund to the member's card exactly once.

Each order event becomes one ``OrderChange`` (``loyalty.plan``, pure), written in one
transaction by the order store: the order record (the exactly-once marker), the member's
balances, the ledger, reward coupons, the month's figures and the events it causes (the
outbox: the relay puts them on the bus once the change stands). The store refuses a change
whose order or member moved since the read (``OrderChanged``, ``MemberChanged``); the use
case reads again and re-plans. Duplicate, late and out-of-order events (a refund before its
purchase) therefore come out right.
"""

from __future__ import annotations

import random
import time

from memberclub import clock
from memberclub.club import Club
from memberclub.errors import Invalid, Unavailable
from memberclub.events import EventDetail, PurchaseRecorded, PurchaseRefunded
from memberclub.loyalty.change import Accrual, MemberChanged, OrderChanged
from memberclub.loyalty.plan import plan_purchase, plan_refund
from memberclub.loyalty.services import LoyaltyServices
from memberclub.members import Member
from memberclub.records import RecordInvalid

ATTEMPTS = 8  # re-plans when a racing order changed the same member or order


def apply_to_card(services: LoyaltyServices, detail: EventDetail) -> Accrual | None:
    """A ``PurchaseRecorded`` or ``PurchaseRefunded`` from the bus, applied exactly once;
    None when its club does not exist. Any other event is refused (``Invalid``), raised so
    that the bus retries it and, in the end, parks it in the dead-letter queue."""
    club = club_of(services, detail)
    if club is None:
        return None
    if isinstance(detail, PurchaseRecorded):
        return accrue_purchase(services, club, detail)
    if isinstance(detail, PurchaseRefunded):
        return reverse_refund(services, club, detail)
    raise Invalid(f"stamps does not take {detail.DETAIL_TYPE}", code="unexpected_detail_type")


def club_of(services: LoyaltyServices, detail: EventDetail) -> Club | None:
    """The club the event carries (as the purchases function read it), else the stored one:
    an event from before the club travelled with it, or one whose rules no longer parse after
    an upgrade, is applied with the club as it is now."""
    snapshot = getattr(detail, "club", None)
    if snapshot and snapshot.get("club_id") == detail.club_id:
        try:
            return Club.parse(snapshot)
        except RecordInvalid:
            pass
    return services.clubs.get(detail.club_id)


def accrue_purchase(services: LoyaltyServices, club: Club, purchase: PurchaseRecorded,
                    member: Member | None = None) -> Accrual:
    """Apply a paid order exactly once, however often and in whatever order it arrives.
    ``member``, when the caller has just read it, saves reading it again."""
    order = None  # most orders are new: try that first, read the record only if it exists
    if member is None:
        member = active_member(services, club, purchase.member_id)
    for attempt in range(ATTEMPTS):
        change, result = plan_purchase(club, purchase, order, member, clock.now())
        if change is None:
            return result
        try:
            services.orders.commit(change)
        except OrderChanged:
            order = services.orders.get(club.club_id, purchase.source, purchase.order_id)
            continue
        except MemberChanged:
            _back_off(attempt)
            member = active_member(services, club, purchase.member_id)
            continue
        return result
    raise Unavailable("Too many changes to this member at once. Please try again.")


def reverse_refund(services: LoyaltyServices, club: Club, refund: PurchaseRefunded) -> Accrual:
    """Take back what a refund takes back, exactly once per refund."""
    for attempt in range(ATTEMPTS):
        order = services.orders.get(club.club_id, refund.source, refund.order_id)
        member_id = order.member_id if order and order.paid else refund.member_id
        member = active_member(services, club, member_id)
        change, result, _cause = plan_refund(club, refund, order, member, clock.now())
        if change is None:
            return result
        try:
            services.orders.commit(change)
        except (OrderChanged, MemberChanged):
            _back_off(attempt)
            continue
        return result
    raise Unavailable("Too many changes to this order at once. Please try again.")


def active_member(services: LoyaltyServices, club: Club, member_id: str | None) -> Member | None:
    """The member as they are now (a consistent read), or None for no member or an erased one."""
    member = services.members.get(club.club_id, member_id, consistent=True) if member_id else None
    return member if member is not None and member.status != "erased" else None


def _back_off(attempt: int) -> None:
    """Another order moved the same card a moment ago: let it finish before re-reading."""
    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
