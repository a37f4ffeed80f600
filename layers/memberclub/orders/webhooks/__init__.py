"""Webshop webhooks, turned into the club's order facts.

Each platform has a module (``shopify``, ``woocommerce``, ``generic``) with one function,
``parse_delivery``, that takes a delivery whose signature is already verified (headers and
parsed JSON) and returns a ``Delivery``: the facts it reports (``PaidOrder`` /
``OrderRefund`` from ``memberclub.orders.facts``, money in minor units, contacts normalised) and a
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
from datetime import UTC, datetime
from typing import Any

from memberclub import clock, contacts, money
from memberclub.errors import Invalid
from memberclub.orders.facts import Customer, OrderFact
from memberclub.records import RecordInvalid

# A card code as the till prints it (ids.new_card_code), dashes and spaces taken out, with
# some room for other systems.
CARD_CODE = re.compile(r"[A-Z0-9]{4,40}")
# The times an order may carry: any real order is well inside, and every later step (the
# club's time zone, a coupon's validity, a year's window) stays within what datetime holds.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(3000, 1, 1, tzinfo=UTC)


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
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        # Compared before converting: 9999-12-31T23:59:59-23:59 is past the last UTC datetime.
        if not EARLIEST_TIME <= moment < LATEST_TIME:
            self.fail(field, f"a time between {EARLIEST_TIME.year} and {LATEST_TIME.year - 1}")
            return None
        return clock.iso(moment)

    def facts(self, build: Any) -> Any:
        """Build a fact and check it; a value it refuses becomes a field error, not a 500."""
        try:
            return build().checked()
        except RecordInvalid as error:
            for field, problem in error.fields.items():
                self.fail(field, problem)
            return None


def emails_of(*candidates: Any) -> tuple[str, ...]:
    """Every candidate that is a readable e-mail address, normalised, in order, once each."""
    found: list[str] = []
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            try:
                email = contacts.normalize_email(candidate)
            except ValueError:
                continue
            if email not in found:
                found.append(email)
    return tuple(found)


def phones_of(country: str, *candidates: Any) -> tuple[str, ...]:
    """Every candidate that is a readable phone number, in E.164 (the club's country for a
    number without a country code), in order, once each."""
    found: list[str] = []
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            try:
                phone = contacts.normalize_phone(candidate, country)
            except ValueError:
                continue
            if phone not in found:
                found.append(phone)
    return tuple(found)


def card_code_or_none(value: Any) -> str | None:
    """A card code as printed or typed: ``abc-def-2345`` is ``ABCDEF2345``."""
    if not isinstance(value, str):
        return None
    code = contacts.normalize_code(value)
    return code if CARD_CODE.fullmatch(code) else None


def customer(country: str, *, emails: tuple[Any, ...] = (), phones: tuple[Any, ...] = (),
             card_code: Any = None) -> Customer:
    """Every contact the order carries, normalised, in the order given: any of them finds the
    member (a contact that cannot be read is left out, never an error)."""
    return Customer(emails=emails_of(*emails), phones=phones_of(country, *phones),
                    card_code=card_code_or_none(card_code))
