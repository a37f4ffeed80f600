"""Orders as the club sees them, whatever shop or till they come from.

A webshop's webhook (``memberclub.orders.webhooks``) or the till turns into these facts: a paid
order or a refund, money in minor units, the customer's contact normalised. The points
basis is what earns points and counts toward the minimum: Shopify ``subtotal_price``
(after discounts, before shipping), WooCommerce ``total`` minus ``shipping_total``, the
generic format's ``total``; ``total`` is what the customer paid, and refunds are measured
against it.
"""

from dataclasses import dataclass
from typing import Annotated, Literal

from memberclub.club import Club
from memberclub.records import Meta, Record, field

OrderSource = Literal["shopify", "woocommerce", "orders", "till"]


class Customer(Record, kw_only=True, frozen=True):
    """Every way the order names its customer, normalised, in the order they are tried: the
    card code, then each e-mail, then each phone (E.164). A Shopify order may carry the
    order's e-mail and a different customer e-mail; any of them finds the member."""

    card_code: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @property
    def email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None

    def __bool__(self) -> bool:
        return bool(self.card_code or self.emails or self.phones)


OrderId = Annotated[str, Meta(min_length=1, max_length=200)]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]
Minor = Annotated[int, Meta(ge=0)]  # money in minor units


class PaidOrder(Record, kw_only=True):
    kind: Literal["paid"] = "paid"
    source: OrderSource
    order_id: OrderId
    currency: Currency
    total: Minor
    points_basis: Minor
    paid_at: str  # ISO 8601 UTC
    customer: Customer = field(default_factory=Customer)
    # Refunds the same delivery already shows (a WooCommerce order updated after a refund).
    refunds: dict[str, int] = {}
    # The till's count of stamps, when the owner gives them by hand.
    stamps: Annotated[int, Meta(ge=0, le=100)] | None = None


class OrderRefund(Record, kw_only=True):
    kind: Literal["refund"] = "refund"
    source: OrderSource
    order_id: OrderId
    currency: Currency | None = None
    # Refund id → amount in minor units. A refund id is applied once; a source that only
    # reports a running total (the generic format) uses one id whose amount only grows.
    refunds: dict[str, int] = {}
    full: bool = False  # the whole order is refunded
    total: Minor | None = None  # the order's total, when the refund tells it
    refunded_at: str
    customer: Customer = field(default_factory=Customer)


OrderFact = PaidOrder | OrderRefund


@dataclass(frozen=True)
class DeliveryLookup:
    """What a webhook delivery needs to know before it publishes: the member its contacts
    name, and the member of each order it refunds that is on record already (the order's
    own member decides a refund, whatever contact the refund carries)."""

    member_id: str | None
    members_of_orders: dict[tuple[str, str], str | None]
    club: Club | None = None  # when the club was read with them (a cold instance)


class OrderRecord(Record, kw_only=True):
    """The club's record of one order: the exactly-once marker of its accrual and refunds.

    Kept for every order, a member's or not (the owner's figures count them all). A refund
    that arrives before its purchase creates the record unpaid; the purchase then earns
    what is left. The events each change causes go to the outbox in the same transaction
    (``storage.outbox``), not into this record.
    """

    club_id: str
    source: str
    order_id: str
    member_id: str | None = None
    currency: str | None = None
    total: int | None = None
    points_basis: int | None = None
    paid: bool = False
    paid_at: str | None = None
    refunds: dict[str, int] = {}
    full_refund: bool = False
    earned_stamps: int = 0
    earned_points: int = 0
    taken_stamps: int = 0
    taken_points: int = 0
    reward_codes: list[str] = []
    fingerprint: str | None = None  # a till receipt's request (loyalty.till.till_fingerprint)
    # When the record was made; stored only while the order is unpaid (a refund that came
    # first): once paid, ``paid_at`` dates it and the record is kept for years.
    created_at: str | None = None
    rev: int = 0

    @property
    def refunded(self) -> int:
        """Money refunded so far (minor units), never more than the order's total."""
        if self.total is None:
            return sum(self.refunds.values())
        return self.total if self.full_refund else min(self.total, sum(self.refunds.values()))
