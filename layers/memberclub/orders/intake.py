"""Purchases from webshops: verify a webhook delivery, read it, find the member, publish.

The purchases function does no accrual itself: it answers the shop fast (Shopify waits 5 s
at most) and puts ``PurchaseRecorded`` / ``PurchaseRefunded`` on the bus; the stamps
function applies them exactly once (one order marker per order, each refund id once), so a
repeated delivery — Shopify's retries, WooCommerce sending an order again on every change —
is harmless without an idempotency record of its own here. What makes an order "the same"
comes only from the signed body (``memberclub.orders.webhooks``), never from an unsigned header.

When the bus refuses, the events are kept in the outbox (``storage.outbox``) and the relay
publishes them once the bus is back: the shop gets its 200 either way. WooCommerce never
retries a failed delivery, so a 503 would lose the order; only when the table refuses too
does the shop get 503.

Checks run in the contract's order: the club (404), then the signature (401: nothing
published), then the body (400/422). The body limit (413) is the web layer's.
WooCommerce's unsigned ping when an owner saves a webhook gets 200 and does nothing.

A small club's orders come minutes apart, to an instance whose caches are cold. Then the club
is read in the same BatchGetItem as the member the body's contacts name (``tentative``):
the body is read for its contacts before the signature is checked, but nothing it says is
answered, trusted or published until the signature holds, and the lookup is used only if
the body, read again with the club's phone country, names the same contacts. So an order
costs one read here, one read and one transaction in the stamps function.

Webhook secrets come from SSM through Powertools' five-minute cache. An owner may replace a
secret (``memberclub club set-secret``), so a signature that does not match is checked once
more against a fresh read — at most once per 30 s per secret, so a flood of forged
deliveries never becomes a flood of SSM calls.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from memberclub import clock
from memberclub.bodies import read_json
from memberclub.club import CLUB_ID_PATTERN, Club, ClubReader
from memberclub.errors import DomainError, NotFound, Unauthorized, Unavailable
from memberclub.events import EventDetail, EventPublisher, PurchaseRecorded, PurchaseRefunded
from memberclub.observability import logger
from memberclub.orders.facts import Customer, DeliveryLookup, OrderFact, OrderRefund, PaidOrder
from memberclub.orders.webhooks import Delivery, generic, shopify, woocommerce
from memberclub.orders.webhooks.signatures import signature_header, signature_matches

Kind = Literal["shopify", "woocommerce", "orders"]
PARSERS: dict[str, Callable[..., Delivery]] = {
    "shopify": shopify.parse_delivery,
    "woocommerce": woocommerce.parse_delivery,
    "orders": generic.parse_delivery,
}


class WebhookSecrets:
    """A club's webhook secrets: cached reads, and a throttled fresh read after a mismatch."""

    REFRESH_SECONDS = 30.0

    def __init__(self, parameter_name: Callable[[str, str], str], read: Callable[..., str],
                 monotonic: Callable[[], float] = time.monotonic):
        """``read(name, fresh=False)`` is the SSM reader (``memberclub.parameters.read_secret``)."""
        self.parameter_name = parameter_name
        self._read = read
        self._monotonic = monotonic
        self._refreshed: dict[str, float] = {}
        self._lock = threading.Lock()

    def current(self, club_id: str, kind: str) -> str:
        return self._read(self.parameter_name(club_id, kind))

    def refreshed(self, club_id: str, kind: str) -> str | None:
        """The secret read past the cache, or None if it was read so within the last 30 s."""
        name = self.parameter_name(club_id, kind)
        with self._lock:
            now = self._monotonic()
            last = self._refreshed.get(name)
            if last is not None and now - last < self.REFRESH_SECONDS:
                return None
            self._refreshed[name] = now
        return self._read(name, fresh=True)


class OrderLookup(Protocol):
    def delivery_lookup(self, club_id: str, customer: Customer, orders: Sequence[tuple[str, str]] = (),
                        *, with_club: bool = False) -> DeliveryLookup:
        """The member the customer's contacts name, the member of each order on record and,
        with ``with_club``, the club: one read."""
        ...


class ClubCache(ClubReader, Protocol):
    def cached(self, club_id: str) -> Club | None:
        """The club as this instance read it lately; never a request."""
        ...


class Outbox(Protocol):
    def keep(self, club_id: str, ref: str, events: Sequence[EventDetail], now: datetime) -> None:
        """Keep events the bus refused, for the relay to publish later (once per ``ref``)."""
        ...


class SecretSource(Protocol):
    def current(self, club_id: str, kind: str) -> str: ...

    def refreshed(self, club_id: str, kind: str) -> str | None: ...


@dataclass(frozen=True)
class IntakeServices:
    clubs: ClubCache
    orders: OrderLookup
    outbox: Outbox
    bus: EventPublisher
    webhook_secrets: SecretSource


@dataclass(frozen=True)
class Outcome:
    """What the shop is told: recorded (and what was published) or ignored (and why)."""

    status: Literal["recorded", "ignored"]
    reason: str | None = None
    idempotency_key: str | None = None
    published: tuple[str, ...] = ()
    member: bool | None = None
    queued: bool = False  # the bus refused: the events wait in the outbox for the relay

    def view(self) -> dict[str, Any]:
        if self.status == "ignored":
            return {"status": "ignored", "reason": self.reason, "member": False}
        view = {"status": "recorded", "idempotency_key": self.idempotency_key, "published": list(self.published),
                "member": self.member}
        return view | ({"queued": True} if self.queued else {})


def receive_webhook(services: IntakeServices, club_id: str, kind: Kind, headers: Mapping[str, str],
                    body: bytes) -> Outcome:
    """One delivery to ``POST /webhooks/{club}/{kind}``, from the club to the bus."""
    can_be_a_club = re.fullmatch(CLUB_ID_PATTERN, club_id) is not None  # else not even looked up
    club = services.clubs.cached(club_id) if can_be_a_club else None
    early: DeliveryLookup | None = None
    guessed: LookupInputs | None = None
    if club is None and can_be_a_club:
        guessed = tentative(kind, headers, body)
        early = services.orders.delivery_lookup(club_id, *guessed, with_club=True)
        club = early.club
    if club is None:
        raise NotFound("There is no club with this id.", code="unknown_club")
    if kind == "woocommerce" and woocommerce.is_ping(headers, body):
        logger.info("woocommerce ping answered", extra={"club_id": club.club_id})
        return Outcome("ignored", reason="ping")
    verify_signature(services, club.club_id, kind, headers, body)
    delivery = PARSERS[kind](headers, read_json(body), country=club.phone_country)
    if delivery.ignored is not None or not delivery.facts:
        logger.info("webhook ignored", extra={"club_id": club.club_id, "kind": kind, "reason": delivery.ignored})
        return Outcome("ignored", reason=delivery.ignored or "nothing to record")
    known = early if early is not None and guessed == lookup_inputs(delivery) else None
    return record_delivery(services, club, delivery, known)


LookupInputs = tuple[Customer, tuple[tuple[str, str], ...]]


def lookup_inputs(delivery: Delivery) -> LookupInputs:
    """What finds a delivery's member: the customer's contacts and the orders it refunds."""
    customer = next((fact.customer for fact in delivery.facts if fact.customer), Customer())
    refunded = tuple(sorted({(fact.source, fact.order_id) for fact in delivery.facts if isinstance(fact, OrderRefund)}))
    return customer, refunded


def tentative(kind: Kind, headers: Mapping[str, str], body: bytes) -> LookupInputs:
    """The contacts an unverified body names, to look them up with the club in one read.
    Phones are read only in international form (the club's country is not known yet). A body
    that cannot be read names nothing: the checks after the signature will say why."""
    try:
        delivery = PARSERS[kind](headers, read_json(body), country="")
    except (DomainError, ValueError, TypeError, KeyError, AttributeError):
        return Customer(), ()
    return lookup_inputs(delivery) if delivery.ignored is None else (Customer(), ())


def verify_signature(services: IntakeServices, club_id: str, kind: Kind, headers: Mapping[str, str], body: bytes) -> None:
    """Unauthorized unless the delivery is signed with the club's secret for ``kind``."""
    signature = signature_header(kind, headers)
    if signature is None:
        raise Unauthorized("The webhook signature header is missing.", code="missing_signature")
    if signature_matches(kind, services.webhook_secrets.current(club_id, kind), body, signature):
        return
    fresh = services.webhook_secrets.refreshed(club_id, kind)
    if fresh is not None and signature_matches(kind, fresh, body, signature):
        return
    logger.warning("webhook signature mismatch", extra={"club_id": club_id, "kind": kind})
    raise Unauthorized("The webhook signature does not match this club's secret.", code="bad_signature")


def record_delivery(services: IntakeServices, club: Club, delivery: Delivery,
                    known: DeliveryLookup | None = None) -> Outcome:
    """Find the member the delivery names and publish one event per fact. The member of a
    paid order is found by its contacts (card code, each e-mail, each phone: one lookup, or
    ``known`` when it was made with the club's read); a refund belongs to the member of the
    order on record, if there is one. A customer who is no member gets ``member_id`` None:
    the order still counts in the owner's figures."""
    found = known or services.orders.delivery_lookup(club.club_id, *lookup_inputs(delivery))
    key = delivery.idempotency_key or ""
    several = len(delivery.facts) > 1
    events = []
    for fact in delivery.facts:
        member_id = found.member_id
        if isinstance(fact, OrderRefund) and (fact.source, fact.order_id) in found.members_of_orders:
            member_id = found.members_of_orders[(fact.source, fact.order_id)]
        events.append(event_for(club, fact, member_id, f"{key}#{fact.kind}" if several else key))
    queued = False
    try:
        services.bus.publish(events)
    except Unavailable:
        services.outbox.keep(club.club_id, f"delivery#{key}", events, clock.now())
        queued = True
        logger.warning("the bus refused a webhook's events: kept in the outbox for the relay",
                       extra={"club_id": club.club_id, "idempotency_key": key})
    member = any(getattr(event, "member_id", None) for event in events)
    logger.debug("purchase webhook recorded", extra={
        "club_id": club.club_id, "idempotency_key": key, "member": member, "queued": queued,
        "orders": sorted({fact.order_id for fact in delivery.facts}), "published": [e.DETAIL_TYPE for e in events]})
    return Outcome("recorded", idempotency_key=key, published=tuple(e.DETAIL_TYPE for e in events),
                   member=member, queued=queued)


def event_for(club: Club, fact: OrderFact, member_id: str | None, idempotency_key: str) -> EventDetail:
    snapshot = club.to_data()  # the stamps function applies these rules
    if isinstance(fact, PaidOrder):
        return PurchaseRecorded(
            club_id=club.club_id, idempotency_key=idempotency_key, occurred_at=fact.paid_at, source=fact.source,
            order_id=fact.order_id, member_id=member_id, currency=fact.currency, total_minor=fact.total,
            points_basis_minor=fact.points_basis, paid_at=fact.paid_at, refunds_minor=dict(fact.refunds),
            stamps=fact.stamps, club=snapshot)
    return PurchaseRefunded(
        club_id=club.club_id, idempotency_key=idempotency_key, occurred_at=fact.refunded_at, source=fact.source,
        order_id=fact.order_id, member_id=member_id, currency=fact.currency, refunds_minor=dict(fact.refunds),
        full=fact.full, total_minor=fact.total, refunded_at=fact.refunded_at, club=snapshot)
