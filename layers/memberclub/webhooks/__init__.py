"""Webshop webhooks, turned into the club's order facts.

Each platform has a module (``shopify``, ``woocommerce``, ``generic``) with one function,
``parse_delivery``, that takes a delivery whose signature is already verified (headers and
parsed JSON) and returns a ``Delivery``: the facts it reports (``PaidOrder`` /
``OrderRefund`` from ``memberclub.orders``, money in minor units, contacts normalised) and a
key that is the same for every copy of the same delivery — or, for a topic or status the
club does not use, no facts and the reason. A body that is not the platform's documented
shape raises ``Invalid`` (422, with the fields) or ``BadRequest`` (400).

The helpers below are what the three share: reading money, times, ids and contacts the
way a shop writes them. A contact the club cannot read (a malformed e-mail or phone) is
treated as absent, never as an error: the shop's order is valid whatever its customer typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from memberclub import clock, contacts, money
from memberclub.errors import Invalid
from memberclub.orders import Customer, OrderFact

# A card code as the till prints it (ids.new_card_code), with some room for other systems.
CARD_CODE = re.compile(r"^[A-Z0-9-]{4,40}$")


@dataclass(frozen=True)
class Delivery:
    """What one verified webhook delivery reports."""

    facts: tuple[OrderFact, ...] = ()
    idempotency_key: str | None = None  # the same for every copy of this delivery
    ignored: str | None = None  # why nothing is recorded (a topic or status we do not use)

    @classmethod
    def ignore(cls, reason: str) -> Delivery:
        return cls(ignored=reason)


def header(headers: Any, name: str) -> str | None:
    """A header's trimmed value, case-insensitively; None when missing or blank."""
    value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


class Fields:
    """Collects field errors while a parser reads a body, so one 422 names them all."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def check(self, message: str = "Some fields of the order are not valid.") -> None:
        if self.errors:
            raise Invalid(message, fields=dict(self.errors))

    def amount(self, body: dict[str, Any], field: str, *, required: bool = True, label: str | None = None,
               allow_negative: bool = False) -> int | None:
        """A decimal amount (``"249.00"``; a JSON number is taken too) in minor units."""
        label = label or field
        value = body.get(field)
        if value is None or value == "":
            if required:
                self.fail(label, "required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(label, "an amount like \"249.00\"")
            return None
        try:
            minor = money.to_minor(value)
        except ValueError:
            self.fail(label, "an amount like \"249.00\"")
            return None
        if minor < 0 and not allow_negative:
            self.fail(label, "must not be negative")
            return None
        return minor

    def identifier(self, body: dict[str, Any], field: str, *, label: str | None = None) -> str | None:
        """An id as shops send it: a JSON integer (Shopify's exceed 2^53) or a non-blank string."""
        label = label or field
        value = body.get(field)
        if isinstance(value, bool) or value is None:
            self.fail(label, "required")
            return None
        if isinstance(value, int):
            if value < 0:
                self.fail(label, "must not be negative")
                return None
            return str(value)
        if isinstance(value, str) and value.strip() and len(value.strip()) <= 120 and value.strip().isprintable():
            return value.strip()
        self.fail(label, "an id: a number or a short string")
        return None

    def currency(self, body: dict[str, Any], field: str, *, required: bool = True) -> str | None:
        value = body.get(field)
        if value is None or value == "":
            if required:
                self.fail(field, "required")
            return None
        if isinstance(value, str) and re.fullmatch(r"[A-Za-z]{3}", value.strip()):
            return value.strip().upper()
        self.fail(field, "a three-letter currency code such as NOK")
        return None

    def time(self, value: Any, field: str, *, default: datetime | None = None,
             naive_is_utc: bool = True) -> str | None:
        """An ISO 8601 time as ``2026-11-22T19:30:00Z``. A missing one is ``default``
        (when given); a naive one is UTC where the platform says so (WooCommerce ``*_gmt``)."""
        if value is None or value == "":
            if default is None:
                self.fail(field, "required")
                return None
            return clock.iso(default)
        if not isinstance(value, str):
            self.fail(field, "an ISO 8601 time such as 2026-11-22T19:30:00Z")
            return None
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            self.fail(field, "an ISO 8601 time such as 2026-11-22T19:30:00Z")
            return None
        if moment.tzinfo is None and not naive_is_utc:
            self.fail(field, "give the time zone, e.g. 2026-11-22T19:30:00Z")
            return None
        return clock.iso(clock.parse_iso(moment.isoformat()))

    def facts(self, build: Any) -> Any:
        """Build a fact model; a value it refuses becomes a field error, not a 500."""
        try:
            return build()
        except ValidationError as error:
            for problem in error.errors():
                self.fail(".".join(str(part) for part in problem["loc"]) or "body", problem["msg"])
            return None


def email_or_none(*candidates: Any) -> str | None:
    """The first candidate that is a readable e-mail address, normalised."""
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            try:
                return contacts.normalize_email(candidate)
            except ValueError:
                continue
    return None


def phone_or_none(country: str, *candidates: Any) -> str | None:
    """The first candidate that is a readable phone number, in E.164 (the club's country
    for a number without a country code)."""
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            try:
                return contacts.normalize_phone(candidate, country)
            except ValueError:
                continue
    return None


def card_code_or_none(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if CARD_CODE.match(code) else None


def customer(country: str, *, emails: tuple[Any, ...] = (), phones: tuple[Any, ...] = (),
             card_code: Any = None) -> Customer:
    return Customer(email=email_or_none(*emails), phone=phone_or_none(country, *phones),
                    card_code=card_code_or_none(card_code))


def shop_order_id(shop: str | None, order_id: str) -> str:
    """``<shop>/<id>`` when the shop is known, so two shops of one club cannot collide."""
    return f"{shop}/{order_id}" if shop else order_id


def shop_from_url(url: str | None) -> str | None:
    """``https://Bakeri.example.no/`` → ``bakeri.example.no`` (a sub-directory stays:
    ``example.no/butikk``)."""
    if not url:
        return None
    parts = urlsplit(url if "//" in url else f"//{url}")
    host = (parts.hostname or "").lower()
    if not host or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    path = re.sub(r"[^A-Za-z0-9._~/-]", "", parts.path).strip("/")
    return f"{host}/{path}" if path else host


def shop_domain(value: str | None) -> str | None:
    """A shop's domain as a header gives it (``bakeri.myshopify.com``), lower-cased, or None."""
    if not value:
        return None
    domain = value.strip().lower()
    return domain if re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,250}", domain) else None
