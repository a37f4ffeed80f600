"""The owner's view of one member: found by card code, e-mail or phone (the till's words),
their page with the history (balances, coupons, ledger, orders, consent decisions), and
erasure on the member's request — the same erasure as the member's own (``signup.gdpr``),
recorded as done by the owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from memberclub import clock, money
from memberclub.club import Club
from memberclub.errors import Invalid, NotFound
from memberclub.loyalty.services import MemberReader
from memberclub.loyalty.till import customer_named
from memberclub.members import Member
from memberclub.signup.gdpr import erase_member
from memberclub.signup.services import MemberRecords, SignupServices


class MemberDirectory(MemberReader, Protocol):
    """The till's way to a member (``member_id_for``), and their records for the page."""

    def records(self, member: Member) -> MemberRecords: ...


def find_member(directory: MemberDirectory, club: Club, query: str) -> Member | None:
    """The member a card code, e-mail or phone names (exactly, as the till finds them)."""
    if not query.strip():
        raise Invalid("Some fields are not valid.", fields={"q": "a card code, e-mail or phone"})
    member_id = directory.member_id_for(club.club_id, customer_named(club, query))
    member = directory.get(club.club_id, member_id) if member_id else None
    return member if member is not None and member.status != "erased" else None


def _money(minor: int | None) -> str | None:
    return money.to_decimal_string(minor) if minor is not None else None


def summary(member: Member) -> dict[str, Any]:
    return {"member_id": member.member_id, "status": member.status, "card_code": member.card_code,
            "email": member.email, "phone": member.phone, "stamps": member.stamps, "points": member.points,
            "tier": member.tier, "joined_at": member.confirmed_at or member.created_at,
            "last_active_at": member.last_active_at}


def member_history(directory: MemberDirectory, club: Club, member_id: str, now: datetime | None = None) -> dict[str, Any]:
    """Everything the owner may see of one member, newest first; 404 for none (or erased)."""
    member = directory.get(club.club_id, member_id, consistent=True)
    if member is None or member.status == "erased":
        raise NotFound("There is no such member in this club.", code="unknown_member")
    records, now = directory.records(member), now or clock.now()
    return summary(member) | {
        "birthday": member.birthday, "source": member.source, "consents": member.consent_flags(),
        "premium": {"active": member.premium_active(now), "until": member.premium_until},
        "lifetime_spend": _money(member.lifetime_spend), "visits": member.visits,
        "email_undeliverable": member.email_undeliverable,
        "coupons": [coupon.view(now) | {"cause": coupon.cause} for coupon in reversed(records.coupons)],
        "ledger": [{k: entry.get(k) for k in ("at", "kind", "cause", "stamps", "points", "stamps_balance",
                                             "points_balance", "coupon")} for entry in reversed(records.ledger)],
        "orders": [{"source": o.source, "order_id": o.order_id, "total": _money(o.total), "refunded": _money(o.refunded),
                    "paid_at": o.paid_at, "stamps": o.earned_stamps, "points": o.earned_points}
                   for o in reversed(records.orders)],
        "consent_history": [proof.to_data() for proof in reversed(records.consent_history)],
    }


def erase_on_request(services: SignupServices, club: Club, member_id: str) -> None:
    """The owner erases a member who asked them to (in the shop, by phone): 404 for none."""
    member = services.members.get(club.club_id, member_id, consistent=True)
    if member is None or member.status == "erased":
        raise NotFound("There is no such member in this club.", code="unknown_member")
    erase_member(services, club, member, by="owner")
