"""Orders as the club sees them, whatever shop or till they come from.

A webshop's webhook (``memberclub.webhooks``) or the till turns into these facts: a paid
order or a refund, money in minor units, the customer's contact normalised. The points
basis is what earns points and counts toward the minimum: Shopify ``subtotal_price``
(after discounts, before shipping), WooCommerce ``total`` minus ``shipping_total``, the
generic format's ``total``; ``total`` is what the customer paid, and refunds are measured
against it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

OrderSource = Literal["shopify", "woocommerce", "orders", "till"]


class Customer(BaseModel):
    """How the order names its customer (any may be missing): normalised, or None."""

    email: str | None = None
    phone: str | None = None  # E.164
    card_code: str | None = None


class PaidOrder(BaseModel):
    kind: Literal["paid"] = "paid"
    source: OrderSource
    order_id: str = Field(min_length=1, max_length=200)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    total: int = Field(ge=0)  # minor units
    points_basis: int = Field(ge=0)  # minor units
    paid_at: str  # ISO 8601 UTC
    customer: Customer = Customer()
    # Refunds the same delivery already shows (a WooCommerce order updated after a refund).
    refunds: dict[str, int] = Field(default_factory=dict)
    # The till's count of stamps, when the owner gives them by hand.
    stamps: int | None = Field(None, ge=0, le=100)


class OrderRefund(BaseModel):
    kind: Literal["refund"] = "refund"
    source: OrderSource
    order_id: str = Field(min_length=1, max_length=200)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    # Refund id → amount in minor units. A refund id is applied once; a source that only
    # reports a running total (the generic format) uses one id whose amount only grows.
    refunds: dict[str, int] = Field(default_factory=dict)
    full: bool = False  # the whole order is refunded
    total: int | None = Field(None, ge=0)  # the order's total, when the refund tells it
    refunded_at: str
    customer: Customer = Customer()


OrderFact = PaidOrder | OrderRefund


class OrderRecord(BaseModel):
    """The club's record of one order: the exactly-once marker of its accrual and refunds.

    Kept for every order, a member's or not (the owner's figures count them all). A refund
    that arrives before its purchase creates the record unpaid; the purchase then earns
    what is left. ``outbox`` keeps the events each change published, by cause, so a
    redelivered cause publishes them again if the first publish failed.
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
    refunds: dict[str, int] = Field(default_factory=dict)
    full_refund: bool = False
    earned_stamps: int = 0
    earned_points: int = 0
    taken_stamps: int = 0
    taken_points: int = 0
    reward_codes: list[str] = Field(default_factory=list)
    outbox: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    created_at: str
    rev: int = 0

    @property
    def refunded(self) -> int:
        """Money refunded so far (minor units), never more than the order's total."""
        if self.total is None:
            return sum(self.refunds.values())
        return self.total if self.full_refund else min(self.total, sum(self.refunds.values()))
