"""The generic signed order format, for any shop or till (``POST /webhooks/{club}/orders``).

    {"order_id": "K-1042", "status": "paid" | "refunded", "total": "249.00", "currency": "NOK",
     "email"?: "...", "phone"?: "...", "card_code"?: "...", "refunded_total"?: "50.00",
     "occurred_at": "2026-11-22T19:30:00Z"}

``docs/orders.schema.json`` is its JSON Schema. ``total`` is the points basis as well as what
was paid. ``refunded_total`` is cumulative (all refunded so far), so it travels as one refund
(id ``total``) whose amount only grows: the accrual side takes back the difference.

- ``paid``: a paid order, and a refund too when ``refunded_total`` is above zero.
- ``refunded``: a refund; the whole order when ``refunded_total`` is absent or at least ``total``.

The delivery key is ``orders#<order_id>#<status>#<refunded_total>``: a sender's retry of the
same news has the same key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memberclub.bodies import require_object
from memberclub.money import to_decimal_string
from memberclub.orders.facts import OrderRefund, PaidOrder
from memberclub.orders.webhooks import Delivery, Fields, customer

STATUSES = ("paid", "refunded")
REFUND_ID = "total"


def parse_delivery(headers: Mapping[str, str], body: Any, *, country: str) -> Delivery:
    body = require_object(body)
    fields = Fields()
    order_id = fields.identifier(body, "order_id")
    status = body.get("status")
    if status not in STATUSES:
        fields.fail("status", "one of: paid, refunded")
    total = _money(fields, body, "total", required=True)
    refunded = _money(fields, body, "refunded_total", required=False)
    currency = fields.currency(body, "currency")
    occurred_at = fields.time(body.get("occurred_at"), "occurred_at", naive_is_utc=False)
    for name in ("email", "phone", "card_code"):
        if body.get(name) is not None and not isinstance(body[name], str):
            fields.fail(name, "expected a string")
    if total is not None and refunded is not None and refunded > total:
        fields.fail("refunded_total", "must not be more than total")
    if status == "refunded" and refunded == 0:
        fields.fail("refunded_total", "must be above zero for a refund (or left out for a full refund)")
    fields.check()
    assert order_id is not None and total is not None and occurred_at is not None

    buyer = customer(country, emails=(body.get("email"),), phones=(body.get("phone"),),
                     card_code=body.get("card_code"))
    facts: list[Any] = []
    if status == "paid":
        refunds = {REFUND_ID: refunded} if refunded else {}
        facts.append(fields.facts(lambda: PaidOrder(
            source="orders", order_id=order_id, currency=currency, total=total, points_basis=total,
            paid_at=occurred_at, customer=buyer, refunds=refunds)))
    amount = refunded if refunded is not None else total if status == "refunded" else 0
    if amount:
        facts.append(fields.facts(lambda: OrderRefund(
            source="orders", order_id=order_id, currency=currency, refunds={REFUND_ID: amount},
            full=amount >= total, total=total, refunded_at=occurred_at, customer=buyer)))
    fields.check()
    if not facts:
        return Delivery.ignore("a refund of nothing")
    key = f"orders#{order_id}#{status}#{to_decimal_string(amount)}"
    return Delivery(facts=tuple(facts), idempotency_key=key)


def _money(fields: Fields, body: dict[str, Any], name: str, *, required: bool) -> int | None:
    """Our own format takes money as a decimal string only (a JSON number invites rounding)."""
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        fields.fail(name, "a decimal string like \"249.00\"")
        return None
    return fields.amount(body, name, required=required)

