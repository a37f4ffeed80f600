"""The till: the owner stamps a member's card at the counter (``POST /owner/{club}/stamps``).

A till stamp is an order of the till's own (source ``till``, the ``Idempotency-Key`` as its
order id), accrued like any other (``loyalty.accrue``), so a retried request counts once and
the answer carries the new balance.
"""

import hashlib
import uuid
from datetime import datetime
from typing import Annotated, Any

from memberclub import clock, contacts, money
from memberclub.bodies import require_object
from memberclub.club import Club
from memberclub.errors import Invalid, NotFound
from memberclub.events import PurchaseRecorded
from memberclub.loyalty.accrue import accrue_purchase, active_member
from memberclub.loyalty.change import Accrual
from memberclub.loyalty.services import LoyaltyServices
from memberclub.orders.facts import Customer
from memberclub.records import Meta, Record, RecordInvalid


class TillStamp(Record, kw_only=True, forbid_unknown_fields=True):
    """``POST /owner/{club}/stamps``: the member by card code, e-mail or phone. A record, not
    a pydantic model: the till function starts without pydantic (``functions/till``)."""

    member: Annotated[str, Meta(min_length=1, max_length=254)]
    count: Annotated[int, Meta(ge=1, le=100)] | None = None
    amount: str | None = None


def parse_till_stamp(body: Any) -> TillStamp:
    data = require_object(body)
    problems: dict[str, str] = {}
    try:
        request = TillStamp.parse(data)
    except RecordInvalid as error:
        problems = dict(error.fields)
    # JSON's integers only: `true`, "5" and 5.0 are no count (a record reads text as a form sends it).
    count = data.get("count")
    if count is not None and type(count) is not int:
        problems["count"] = "must be a whole number from 1 to 100"
    if problems:
        raise Invalid("Some fields are not valid.", fields=problems)
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
            return Customer(emails=(contacts.normalize_email(text),))
        if text.startswith(("+", "00")) or text.replace(" ", "").replace("-", "").isdigit():
            return Customer(phones=(contacts.normalize_phone(text, club.phone_country),))
    except ValueError as error:
        raise Invalid("Some fields are not valid.", fields={"member": str(error)}) from None
    return Customer(card_code=contacts.normalize_code(text))


def stamp_at_till(services: LoyaltyServices, club: Club, request: TillStamp, receipt: str | None) -> Accrual:
    """The owner stamps a member's card at the counter. ``receipt`` (the Idempotency-Key
    header, 1 to 100 characters) makes a retried request count once."""
    if receipt is not None and not 1 <= len(receipt) <= 100:
        raise Invalid("The Idempotency-Key header is 1 to 100 characters.", fields={"Idempotency-Key": "length"})
    member_id = services.members.member_id_for(club.club_id, customer_named(club, request.member))
    member = active_member(services, club, member_id)
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
