"""Shopify order webhooks → the club's order facts.

- ``orders/paid`` accrues (never ``orders/create``: it fires before payment, and even when
  the payment fails). The points basis is ``subtotal_price`` (after discounts, before
  shipping), ``total_price`` if there is none; ``total_price`` is what the customer paid.
- ``refunds/create`` reverses: the money back is the sum of the refund's successful
  ``refund`` transactions. Shopify's refund does not tell the order's total, so the refund
  is never marked full here; the accrual side compares the money back with the order.
- Every other topic is ignored (an error would make Shopify retry, then drop the webhook).
- A test order (``"test": true``: a test gateway, the admin's "Send test notification")
  counts like any other: an owner connecting the shop sees the card move, and the
  example customer of a test notification is no member, so it earns nothing.

What makes a delivery "the same" comes only from the signed body: the order id is Shopify's
``id`` (unique across Shopify), and the delivery key is ``shopify#<order id>#paid`` or
``shopify#<order id>#refund#<refund id>``. The unsigned headers (``X-Shopify-Event-Id``,
``X-Shopify-Shop-Domain``) are not read: anyone who saw one signed body could otherwise
send it again under a new event id or shop and have it counted again. One club's Shopify
secret belongs to one shop, so the order id alone names the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memberclub import clock
from memberclub.bodies import require_object
from memberclub.errors import BadRequest
from memberclub.orders.facts import OrderRefund, PaidOrder
from memberclub.orders.webhooks import Delivery, Fields, customer, header

PAID = "orders/paid"
REFUND = "refunds/create"


def parse_delivery(headers: Mapping[str, str], body: Any, *, country: str) -> Delivery:
    topic = header(headers, "x-shopify-topic")
    if topic is None:
        raise BadRequest("The X-Shopify-Topic header is missing.", code="missing_topic")
    if topic not in (PAID, REFUND):
        return Delivery.ignore(f"topic {topic} is not used")
    body = require_object(body)
    if topic == PAID:
        return _paid(body, country)
    return _refund(body, country)


def _customer(body: dict[str, Any], country: str) -> Any:
    """Every contact the order carries, in the order they are tried (docs/webshops.md)."""
    person = body.get("customer") if isinstance(body.get("customer"), dict) else {}
    billing = body.get("billing_address") if isinstance(body.get("billing_address"), dict) else {}
    shipping = body.get("shipping_address") if isinstance(body.get("shipping_address"), dict) else {}
    return customer(country, emails=(body.get("email"), body.get("contact_email"), person.get("email")),
                    phones=(body.get("phone"), person.get("phone"), billing.get("phone"), shipping.get("phone")))


def _paid(body: dict[str, Any], country: str) -> Delivery:
    fields = Fields()
    order_id = fields.identifier(body, "id")
    currency = fields.currency(body, "currency")
    subtotal = fields.amount(body, "subtotal_price", required=False)
    total = fields.amount(body, "total_price", required=subtotal is None)
    paid_at = fields.time(body.get("processed_at") or body.get("created_at"), "processed_at", default=clock.now())
    fields.check()
    assert order_id is not None and currency is not None and paid_at is not None
    total = total if total is not None else subtotal
    basis = subtotal if subtotal is not None else total
    fact = fields.facts(lambda: PaidOrder(
        source="shopify", order_id=order_id, currency=currency, total=total,
        points_basis=basis, paid_at=paid_at, customer=_customer(body, country)))
    fields.check()
    return Delivery(facts=(fact,), idempotency_key=f"shopify#{order_id}#paid")


def _refund(body: dict[str, Any], country: str) -> Delivery:
    fields = Fields()
    refund_id = fields.identifier(body, "id")
    order_id = fields.identifier(body, "order_id")
    refunded_at = fields.time(body.get("created_at") or body.get("processed_at"), "created_at",
                              default=clock.now())
    transactions = body.get("transactions", [])
    if not isinstance(transactions, list):
        fields.fail("transactions", "expected a list")
        transactions = []
    amount, currencies = 0, set()
    for index, transaction in enumerate(transactions):
        if not isinstance(transaction, dict):
            fields.fail(f"transactions.{index}", "expected an object")
            continue
        if transaction.get("kind") != "refund" or transaction.get("status") != "success":
            continue  # a failed or pending attempt gives no money back
        shop_money = _shop_money(transaction)
        minor = fields.amount(shop_money, "amount", label=f"transactions.{index}.amount")
        amount += minor or 0
        currency = fields.currency(shop_money, "currency", required=False)
        if currency:
            currencies.add(currency)
    fields.check()
    assert refund_id is not None and order_id is not None and refunded_at is not None
    if amount <= 0:
        return Delivery.ignore("the refund returns no money")
    fact = fields.facts(lambda: OrderRefund(
        source="shopify", order_id=order_id,
        currency=currencies.pop() if len(currencies) == 1 else None, refunds={refund_id: amount},
        refunded_at=refunded_at, customer=_customer(body, country)))
    fields.check()
    return Delivery(facts=(fact,), idempotency_key=f"shopify#{order_id}#refund#{refund_id}")


def _shop_money(transaction: dict[str, Any]) -> dict[str, Any]:
    """The amount in the shop's currency: ``amount_set.shop_money`` where Shopify gives it
    (an order paid in another presentment currency), else ``amount`` and ``currency``."""
    amount_set = transaction.get("amount_set")
    if isinstance(amount_set, dict) and isinstance(amount_set.get("shop_money"), dict):
        shop_money = amount_set["shop_money"]
        return {"amount": shop_money.get("amount"), "currency": shop_money.get("currency_code")}
    return transaction
