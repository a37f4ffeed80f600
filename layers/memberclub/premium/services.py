"""What the premium use cases work with: the club reader, the member's premium records and
Stripe (``Billing``), each a small Protocol so the use cases are tested with fakes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from memberclub.club import ClubReader
from memberclub.coupons import Coupon
from memberclub.events import EventDetail
from memberclub.members import Member
from memberclub.premium.price import PriceCatalog
from memberclub.premium.state import PremiumState


class Billing(PriceCatalog, Protocol):
    """Stripe, as the premium room needs it (``stripe_billing.StripeBilling``)."""

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event a genuine ``Stripe-Signature`` signs; ``BadRequest`` otherwise."""

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        """The subscription as Stripe has it now; ``Unavailable`` when Stripe cannot answer."""

    def checkout_url(self, params: dict[str, Any], idempotency_key: str) -> str:
        """The URL of a new Checkout Session (the same one again for the same key)."""

    def portal_url(self, customer_id: str, return_url: str) -> str:
        """The URL of a customer portal session."""

    def delete_customer(self, customer_id: str) -> None:
        """The Stripe customer deleted (their subscriptions end at once)."""


@dataclass(frozen=True)
class Effect:
    """An event the change causes, under the key that makes it happen once (an invoice id, a
    subscription and its period): the same change reported by two Stripe events acts once."""

    key: str
    event: EventDetail
    # The club's monthly figures it moves (storage.stats), counted with it, once.
    counters: Mapping[str, int] = field(default_factory=dict)
    # The coupons it gives (the club's premium welcome coupon, the yearly gift), given with it,
    # once, and their ``CouponIssued`` events.
    coupons: Sequence[Coupon] = ()
    coupon_events: Sequence[EventDetail] = ()
    # Causes it takes back (their outbox keys): a renewal paid after the expiry job counted
    # the premium as ended clears that end, so a later end counts again.
    clears: Sequence[str] = ()

    @property
    def events(self) -> list[EventDetail]:
        return [self.event, *self.coupon_events]


@dataclass(frozen=True)
class PremiumChange:
    """The member's premium state as read from Stripe at ``read_at``, and what it causes."""

    stripe_event_id: str
    club_id: str
    member_id: str
    state: PremiumState
    read_at: datetime
    effects: Sequence[Effect]
    at: datetime
    month: str  # the club's month of ``at`` (its figures)


class PremiumRecords(Protocol):
    def member(self, club_id: str, member_id: str) -> Member | None: ...

    def event_seen(self, stripe_event_id: str) -> bool: ...

    def record(self, change: PremiumChange) -> bool:
        """Store the state (unless a newer read is stored), the effects not yet caused (into
        the outbox) and the event id, in one transaction; False if the event id was recorded
        meanwhile (a duplicate delivery racing this one)."""


@dataclass(frozen=True)
class PremiumServices:
    clubs: ClubReader
    records: PremiumRecords
    billing: Billing
    token_key: Callable[[], bytes]
    public_url: str | None = None
