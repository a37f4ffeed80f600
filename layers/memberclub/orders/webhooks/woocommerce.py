"""WooCommerce order webhooks → the club's order facts.

- Topics ``order.created`` and ``order.updated`` (WooCommerce also fires ``order.updated`` on
  a refund); every other topic is ignored.
- Status ``processing`` or ``completed``: a paid order. WooCommerce sends the order again
  on every change, so it arrives many times; the accrual side keeps one marker per order,
  so it accrues once.
- Status ``refunded``: the whole order is refunded. ``refunds[]`` (each an ``id`` and a
  negative ``total``) are the refunds so far, each applied once by its id — so an order
  still ``processing`` with a partial refund gives both a paid order and a refund.
- Any other status (``pending``, ``on-hold``, ``failed``, ``cancelled``, ``draft`` …) is ignored.

The points basis is ``total`` minus ``shipping_total``. What makes a delivery "the same"
comes only from the signed body: the order id is WooCommerce's ``id`` (one club's
WooCommerce secret belongs to one shop), and the delivery key names what changed —
``woocommerce#<order id>#<status>#<refunded total>``. The unsigned headers
(``X-WC-Webhook-Source``, the Delivery-ID, new on every delivery) are not read.

Saving a webhook in WooCommerce sends an unsigned, form-encoded ``webhook_id=<n>``:
``is_ping`` tells it, so the handler can answer 200 before asking for a signature.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from memberclub import clock, money
from memberclub.bodies import require_object
from memberclub.errors import BadRequest
from memberclub.orders.facts import OrderRefund, PaidOrder
from memberclub.orders.webhooks import Delivery, Fields, customer, header
from memberclub.orders.webhooks.signatures import signature_header

TOPICS = ("order.created", "order.updated")
PAID_STATUSES = ("processing", "completed")
REFUNDED = "refunded"
_PING = re.compile(rb"^webhook_id=\d{1,20}$")


def is_ping(headers: Mapping[str, str], body: bytes) -> bool:
    """WooCommerce's test delivery when an owner saves a webhook: no signature, and a body
    of exactly ``webhook_id=<n>``."""
    return signature_header("woocommerce", headers) is None and bool(_PING.match(body.strip()))


def parse_delivery(headers: Mapping[str, str], body: Any, *, country: str) -> Delivery:
    topic = header(headers, "x-wc-webhook-topic")
    if topic is None:
        raise BadRequest("The X-WC-Webhook-Topic header is missing.", code="missing_topic")
    if topic not in TOPICS:
        return Delivery.ignore(f"topic {topic} is not used")
    body = require_object(body)
    fields = Fields()
    order_id = fields.identifier(body, "id")
    status = body.get("status")
    if not isinstance(status, str) or not status.strip():
        fields.fail("status", "required")
    status = status.strip().lower() if isinstance(status, str) else ""
    wanted = status in PAID_STATUSES or status == REFUNDED
    if not wanted:
        fields.check()
        return Delivery.ignore(f"status {status} is not a payment or a refund")
    currency = fields.currency(body, "currency")
    total = fields.amount(body, "total")
    shipping = fields.amount(body, "shipping_total", required=False) or 0
    refunds = _refunds(body, fields)
    now = clock.now()
    paid_at = fields.time(body.get("date_paid_gmt") or body.get("date_created_gmt"), "date_paid_gmt", default=now)
    refunded_at = fields.time(body.get("date_modified_gmt"), "date_modified_gmt", default=now)
    fields.check()
    assert order_id is not None and total is not None

    billing = body.get("billing") if isinstance(body.get("billing"), dict) else {}
    ship_to = body.get("shipping") if isinstance(body.get("shipping"), dict) else {}
    buyer = customer(country, emails=(billing.get("email"),), phones=(billing.get("phone"), ship_to.get("phone")))
    facts: list[Any] = []
    if status in PAID_STATUSES:
        facts.append(fields.facts(lambda: PaidOrder(
            source="woocommerce", order_id=order_id, currency=currency, total=total,
            points_basis=max(total - shipping, 0), paid_at=paid_at, customer=buyer, refunds=refunds)))
    if status == REFUNDED or refunds:
        facts.append(fields.facts(lambda: OrderRefund(
            source="woocommerce", order_id=order_id, currency=currency, refunds=refunds, full=status == REFUNDED,
            total=total, refunded_at=refunded_at, customer=buyer)))
    fields.check()
    refunded_total = money.to_decimal_string(sum(refunds.values()))
    key = f"woocommerce#{order_id}#{status}#{refunded_total}"
    return Delivery(facts=tuple(facts), idempotency_key=key)


def _refunds(body: dict[str, Any], fields: Fields) -> dict[str, int]:
    """``refunds[]`` as refund id → amount in minor units (WooCommerce lists them negative)."""
    listed = body.get("refunds") or []
    if not isinstance(listed, list):
        fields.fail("refunds", "expected a list")
        return {}
    refunds: dict[str, int] = {}
    for index, refund in enumerate(listed):
        if not isinstance(refund, dict):
            fields.fail(f"refunds.{index}", "expected an object")
            continue
        refund_id = fields.identifier(refund, "id", label=f"refunds.{index}.id")
        amount = fields.amount(refund, "total", label=f"refunds.{index}.total", allow_negative=True)
        if refund_id is not None and amount is not None and amount != 0:
            refunds[refund_id] = abs(amount)
    return refunds
