"""Webhook signatures and the Shopify, WooCommerce and generic parsers, with the samples in
events/purchases; the purchases use case with fake adapters. No network."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from memberclub.bodies import read_json
from memberclub.club import Club
from memberclub.errors import BadRequest, Invalid, NotFound, Unauthorized, Unavailable
from memberclub.events import PurchaseRecorded, PurchaseRefunded
from memberclub.orders import intake
from memberclub.orders.facts import Customer, DeliveryLookup, OrderRefund, PaidOrder
from memberclub.orders.webhooks import Delivery, generic, shopify, woocommerce
from memberclub.orders.webhooks.signatures import sign, signature_header, signature_matches
from memberclub.storage.clubs import ClubStore
from tests.samples import sample_event, signed

SECRET = "hush-8d1f2c"


def sample(name: str) -> tuple[dict[str, str], bytes]:
    event = sample_event(f"purchases/{name}")
    raw = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    return event["headers"], raw


def parse(name: str, *, body: Any = None, headers: dict[str, str] | None = None, country: str = "NO") -> Delivery:
    sample_headers, raw = sample(name)
    parser = generic if name.startswith("orders") else shopify if name.startswith("shopify") else woocommerce
    return parser.parse_delivery(sample_headers | (headers or {}), read_json(raw) if body is None else body,
                                 country=country)


def body_of(name: str) -> dict[str, Any]:
    return json.loads(sample(name)[1])


# --- signatures ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["shopify", "woocommerce", "orders"])
def test_a_right_signature_matches_and_anything_else_does_not(scheme):
    body = b'{"id": 1, "total": "249.00"}'
    good = sign(scheme, SECRET, body)
    assert signature_matches(scheme, SECRET, body, good)
    assert signature_matches(scheme, SECRET, body, f"  {good}\t")  # the header value is trimmed
    assert not signature_matches(scheme, "another-secret", body, good)
    assert not signature_matches(scheme, SECRET, body.replace(b"249", b"2490"), good)  # tampered
    assert not signature_matches(scheme, SECRET, body + b"\n", good)  # the exact bytes count
    assert not signature_matches(scheme, SECRET, body, None)
    assert not signature_matches(scheme, SECRET, body, "")
    assert not signature_matches(scheme, "", body, sign(scheme, "", body))  # no secret, no match
    assert not signature_matches(scheme, SECRET, body, good[:-2])


def test_shopify_and_woocommerce_sign_in_base64_and_the_generic_format_in_prefixed_hex():
    body = b"{}"
    shopify_signature = sign("shopify", SECRET, body)
    assert base64.b64decode(shopify_signature) and len(base64.b64decode(shopify_signature)) == 32
    assert sign("woocommerce", SECRET, body) == shopify_signature
    generic_signature = sign("orders", SECRET, body)
    assert generic_signature.startswith("sha256=") and len(generic_signature) == 7 + 64
    assert base64.b64decode(shopify_signature).hex() == generic_signature[7:]


def test_the_generic_signature_takes_either_case_but_needs_its_prefix():
    body = b'{"order_id": "1"}'
    hex_digest = sign("orders", SECRET, body)[7:]
    assert signature_matches("orders", SECRET, body, f"SHA256={hex_digest.upper()}")
    assert not signature_matches("orders", SECRET, body, hex_digest)
    assert not signature_matches("orders", SECRET, body, f"sha1={hex_digest}")
    assert not signature_matches("orders", SECRET, body, "sha256=zz" + "é" * 62)


def test_the_signature_header_is_found_in_any_case_and_a_blank_one_is_missing():
    assert signature_header("shopify", {"X-Shopify-Hmac-Sha256": " abc= "}) == "abc="
    assert signature_header("woocommerce", {"x-wc-webhook-signature": "  "}) is None
    assert signature_header("orders", {"content-type": "application/json"}) is None


def test_the_samples_helper_signs_as_the_platform_does():
    event = signed(sample_event("purchases/shopify-orders-paid"), SECRET, "shopify")
    assert signature_matches("shopify", SECRET, event["body"].encode(), event["headers"]["x-shopify-hmac-sha256"])
    ping = signed(sample_event("purchases/woocommerce-ping"), SECRET, "woocommerce")
    assert signature_matches("woocommerce", SECRET, b"webhook_id=3", ping["headers"]["x-wc-webhook-signature"])


# --- Shopify -----------------------------------------------------------------------------


def test_shopify_orders_paid_sample():
    delivery = parse("shopify-orders-paid")
    [order] = delivery.facts
    assert isinstance(order, PaidOrder)
    assert order.source == "shopify" and order.order_id == "6012345678901"
    assert order.currency == "NOK"
    assert order.total == 29800 and order.points_basis == 24900  # subtotal: after the discount, before shipping
    assert order.paid_at == "2026-11-22T19:29:40Z"  # processed_at, in UTC
    assert order.customer == Customer(emails=("kari.nordmann@example.no",), phones=("+4791234567",))
    assert delivery.idempotency_key == "shopify#6012345678901#paid"


def test_shopify_non_member_sample_names_its_customer():
    [order] = parse("shopify-orders-paid-non-member").facts
    assert order.customer.email == "per.olsen@example.no" and order.order_id == "6012345679944"


def test_shopify_takes_the_contact_wherever_the_order_has_it():
    body = body_of("shopify-orders-paid") | {"email": "", "contact_email": None, "phone": None}
    body["customer"] = {"email": " Kari.Nordmann@Example.NO ", "phone": "912 34 567"}
    [order] = parse("shopify-orders-paid", body=body).facts
    assert order.customer == Customer(emails=("kari.nordmann@example.no",), phones=("+4791234567",))
    body["customer"] = None
    body["billing_address"] = {"phone": "0045 12 34 56 78"}
    [order] = parse("shopify-orders-paid", body=body).facts
    assert order.customer == Customer(phones=("+4512345678",))


def test_an_unreadable_contact_is_absent_not_an_error():
    body = body_of("shopify-orders-paid") | {"email": "kari at example", "contact_email": "ikke@", "phone": "12"}
    body["customer"] = {"email": "æøå@example.no", "phone": "abc"}
    body["billing_address"] = {}
    [order] = parse("shopify-orders-paid", body=body).facts
    assert order.customer == Customer()


def test_shopify_without_a_subtotal_earns_on_the_total():
    body = body_of("shopify-orders-paid")
    del body["subtotal_price"]
    [order] = parse("shopify-orders-paid", body=body).facts
    assert order.points_basis == order.total == 29800


@pytest.mark.parametrize("headers", [
    {"x-shopify-event-id": ""}, {"x-shopify-event-id": "another-event"}, {"x-shopify-shop-domain": ""},
    {"x-shopify-shop-domain": "someone-else.myshopify.com"}, {"x-shopify-webhook-id": "w-2"},
])
def test_unsigned_shopify_headers_never_make_an_order_new(headers):
    """Reproduction: the same signed body under another event id or shop counted again."""
    paid, refund = parse("shopify-orders-paid"), parse("shopify-refunds-create-partial")
    again, refund_again = parse("shopify-orders-paid", headers=headers), parse("shopify-refunds-create-partial",
                                                                               headers=headers)
    assert again.facts[0].order_id == paid.facts[0].order_id == "6012345678901"
    assert again.idempotency_key == paid.idempotency_key == "shopify#6012345678901#paid"
    assert refund_again.idempotency_key == refund.idempotency_key == "shopify#6012345678901#refund#1012345678901"


def test_shopify_refund_samples():
    partial = parse("shopify-refunds-create-partial")
    [refund] = partial.facts
    assert isinstance(refund, OrderRefund)
    assert refund.order_id == "6012345678901"
    assert refund.refunds == {"1012345678901": 8479} and refund.full is False and refund.total is None
    assert refund.currency == "NOK" and refund.refunded_at == "2026-11-23T09:12:03Z"
    assert partial.idempotency_key == "shopify#6012345678901#refund#1012345678901"
    [full] = parse("shopify-refunds-create-full").facts
    assert full.refunds == {"1012345678902": 29800}


def test_a_shopify_refund_counts_only_successful_refund_transactions():
    body = body_of("shopify-refunds-create-partial")
    good = body["transactions"][0]
    body["transactions"] = [
        good,
        good | {"id": 2, "status": "failure", "amount": "500.00"},
        good | {"id": 3, "kind": "sale", "amount": "500.00"},
        good | {"id": 4, "amount": "10.00", "amount_set": {"shop_money": {"amount": "10.21", "currency_code": "NOK"},
                                                            "presentment_money": {"amount": "0.90", "currency_code": "EUR"}}},
    ]
    [refund] = parse("shopify-refunds-create-partial", body=body).facts
    assert refund.refunds == {"1012345678901": 8479 + 1021}


def test_a_shopify_refund_without_money_is_ignored():
    body = body_of("shopify-refunds-create-partial") | {"transactions": []}
    assert parse("shopify-refunds-create-partial", body=body).ignored == "the refund returns no money"


def test_shopify_test_orders_and_refunds_count_like_real_ones():
    """An owner connecting the shop pays a test order and wants to see the card move."""
    body = body_of("shopify-orders-paid") | {"test": True}
    assert [fact.kind for fact in parse("shopify-orders-paid", body=body).facts] == ["paid"]
    body = body_of("shopify-refunds-create-partial")
    body["transactions"][0]["test"] = True
    assert [fact.kind for fact in parse("shopify-refunds-create-partial", body=body).facts] == ["refund"]


@pytest.mark.parametrize("topic", ["orders/create", "orders/updated", "orders/cancelled", "checkouts/create"])
def test_shopify_topics_we_do_not_use_are_ignored_before_the_body_is_read(topic):
    delivery = parse("shopify-orders-create", body="not even an object", headers={"x-shopify-topic": topic})
    assert delivery.facts == () and delivery.ignored == f"topic {topic} is not used"


def test_shopify_bad_shapes():
    with pytest.raises(BadRequest):
        parse("shopify-orders-paid", headers={"x-shopify-topic": " "})
    with pytest.raises(Invalid) as not_object:
        parse("shopify-orders-paid", body=[1, 2])
    assert not_object.value.fields == {"body": "expected an object"}
    body = body_of("shopify-orders-paid") | {"id": True, "currency": "kroner", "subtotal_price": "249,00",
                                             "total_price": None, "processed_at": "i går"}
    with pytest.raises(Invalid) as invalid:
        parse("shopify-orders-paid", body=body)
    assert set(invalid.value.fields) == {"id", "currency", "subtotal_price", "total_price", "processed_at"}
    refund = body_of("shopify-refunds-create-partial") | {"order_id": None}
    refund["transactions"][0]["amount"] = "lots"
    with pytest.raises(Invalid) as invalid_refund:
        parse("shopify-refunds-create-partial", body=refund)
    assert set(invalid_refund.value.fields) == {"order_id", "transactions.0.amount"}


def test_shopify_ids_beyond_double_precision_survive():
    body = body_of("shopify-orders-paid") | {"id": 2**62 + 1}
    [order] = parse("shopify-orders-paid", body=body).facts
    assert order.order_id == str(2**62 + 1)


def test_a_shopify_order_missing_its_times_is_dated_now():
    body = body_of("shopify-orders-paid")
    del body["processed_at"], body["created_at"]
    [order] = parse("shopify-orders-paid", body=body).facts
    assert order.paid_at.endswith("Z")


# --- WooCommerce --------------------------------------------------------------------------


def test_woocommerce_processing_sample():
    delivery = parse("woocommerce-order-updated-processing")
    [order] = delivery.facts
    assert isinstance(order, PaidOrder)
    assert order.source == "woocommerce" and order.order_id == "1234"
    assert order.total == 29800 and order.points_basis == 24900  # total − shipping_total
    assert order.paid_at == "2026-11-22T19:31:09Z"  # date_paid_gmt is UTC without a zone
    assert order.customer == Customer(emails=("kari.nordmann@example.no",), phones=("+4791234567",))
    assert order.refunds == {}
    assert delivery.idempotency_key == "woocommerce#1234#processing#0.00"


def test_woocommerce_partial_refund_sample_is_a_paid_order_and_a_refund():
    delivery = parse("woocommerce-order-updated-partial-refund")
    paid, refund = delivery.facts
    assert isinstance(paid, PaidOrder) and isinstance(refund, OrderRefund)
    assert paid.refunds == refund.refunds == {"1240": 4000}
    assert refund.full is False and refund.total == 29800 and refund.refunded_at == "2026-11-23T09:14:22Z"
    assert delivery.idempotency_key == "woocommerce#1234#completed#40.00"


def test_woocommerce_refunded_sample_is_a_full_refund():
    delivery = parse("woocommerce-order-updated-refunded")
    [refund] = delivery.facts
    assert isinstance(refund, OrderRefund) and refund.full is True
    assert refund.refunds == {"1241": 25800, "1240": 4000}
    assert delivery.idempotency_key == "woocommerce#1234#refunded#298.00"
    without_list = body_of("woocommerce-order-updated-refunded") | {"refunds": []}
    [refund] = parse("woocommerce-order-updated-refunded", body=without_list).facts
    assert refund.full is True and refund.refunds == {}


def test_woocommerce_keys_change_with_what_changed_and_not_with_the_delivery_id():
    first = parse("woocommerce-order-updated-processing")
    again = parse("woocommerce-order-updated-processing", headers={"x-wc-webhook-delivery-id": "another"})
    completed = parse("woocommerce-order-updated-processing",
                      body=body_of("woocommerce-order-updated-processing") | {"status": "completed"})
    assert first.idempotency_key == again.idempotency_key != completed.idempotency_key
    created = parse("woocommerce-order-updated-processing", headers={"x-wc-webhook-topic": "order.created"})
    assert created.facts == first.facts


@pytest.mark.parametrize("status", ["pending", "on-hold", "failed", "cancelled", "trash", "checkout-draft"])
def test_woocommerce_statuses_that_are_not_paid_are_ignored(status):
    body = body_of("woocommerce-order-updated-processing") | {"status": status}
    delivery = parse("woocommerce-order-updated-processing", body=body)
    assert delivery.facts == () and delivery.ignored == f"status {status} is not a payment or a refund"


@pytest.mark.parametrize("topic", ["order.deleted", "order.restored", "product.updated", "action.woocommerce_x"])
def test_woocommerce_topics_we_do_not_use_are_ignored(topic):
    delivery = parse("woocommerce-order-updated-processing", body={"id": 1},
                     headers={"x-wc-webhook-topic": topic})
    assert delivery.ignored == f"topic {topic} is not used"


@pytest.mark.parametrize("headers", [
    {"x-wc-webhook-source": ""}, {"x-wc-webhook-source": "https://another-shop.example/"},
    {"x-wc-webhook-source": "http://[::1"}, {"x-wc-webhook-delivery-id": "99999"}, {"x-wc-webhook-id": "7"},
])
def test_unsigned_woocommerce_headers_never_make_an_order_new(headers):
    """Reproduction: the same signed body under another X-WC-Webhook-Source counted again."""
    delivery = parse("woocommerce-order-updated-processing")
    again = parse("woocommerce-order-updated-processing", headers=headers)
    assert again.facts[0].order_id == delivery.facts[0].order_id == "1234"
    assert again.idempotency_key == delivery.idempotency_key == "woocommerce#1234#processing#0.00"


def test_woocommerce_basis_never_goes_below_zero():
    body = body_of("woocommerce-order-updated-processing") | {"total": "0.00", "shipping_total": "49.00"}
    [order] = parse("woocommerce-order-updated-processing", body=body).facts
    assert order.points_basis == 0 and order.total == 0


def test_woocommerce_bad_shapes():
    with pytest.raises(BadRequest):
        parse("woocommerce-order-updated-processing", headers={"x-wc-webhook-topic": ""})
    body = body_of("woocommerce-order-updated-processing") | {"total": "mye", "currency": None,
                                                               "refunds": [{"id": 1, "total": "x"}, "no"]}
    with pytest.raises(Invalid) as invalid:
        parse("woocommerce-order-updated-processing", body=body)
    assert set(invalid.value.fields) == {"total", "currency", "refunds.0.total", "refunds.1"}
    with pytest.raises(Invalid) as no_id:
        parse("woocommerce-order-updated-processing", body={"status": "pending"})
    assert set(no_id.value.fields) == {"id"}


def test_the_woocommerce_ping_is_told_apart():
    headers, raw = sample("woocommerce-ping")
    assert raw == b"webhook_id=3" and woocommerce.is_ping(headers, raw)
    assert not woocommerce.is_ping(headers | {"x-wc-webhook-signature": "abc="}, raw)
    assert not woocommerce.is_ping(headers, b"webhook_id=3&x=1")
    assert not woocommerce.is_ping(headers, b'{"webhook_id": 3}')


# --- the generic format -----------------------------------------------------------------------


def test_generic_paid_by_email_sample():
    delivery = parse("orders-paid-email")
    [order] = delivery.facts
    assert isinstance(order, PaidOrder) and order.source == "orders" and order.order_id == "KASSE1-2026-000732"
    assert order.total == order.points_basis == 24900 and order.paid_at == "2026-11-22T19:52:13Z"
    assert order.customer == Customer(emails=("kari.nordmann@example.no",))
    assert delivery.idempotency_key == "orders#KASSE1-2026-000732#paid#0.00"


def test_generic_card_code_is_trimmed_and_upper_cased():
    body = body_of("orders-paid-card-code") | {"card_code": "  abcd2345ef "}
    [order] = parse("orders-paid-card-code", body=body).facts
    assert order.customer == Customer(card_code="ABCD2345EF")
    [placeholder] = parse("orders-paid-card-code").facts  # REPLACE_WITH_CARD_CODE is no card code
    assert placeholder.customer == Customer()


def test_generic_refunds_use_one_growing_refund_id():
    partial = parse("orders-partial-refund")
    [refund] = partial.facts
    assert isinstance(refund, OrderRefund)
    assert refund.refunds == {"total": 5000} and refund.full is False and refund.total == 24900
    assert partial.idempotency_key == "orders#KASSE1-2026-000732#refunded#50.00"
    full = parse("orders-full-refund")
    [refund] = full.facts
    assert refund.refunds == {"total": 24900} and refund.full is True
    assert full.idempotency_key == "orders#KASSE1-2026-000732#refunded#249.00"
    everything = body_of("orders-partial-refund") | {"refunded_total": "249.00"}
    [refund] = parse("orders-partial-refund", body=everything).facts
    assert refund.full is True


def test_a_generic_paid_order_with_a_refund_gives_both():
    body = body_of("orders-paid-email") | {"refunded_total": "20.00"}
    delivery = parse("orders-paid-email", body=body)
    paid, refund = delivery.facts
    assert paid.refunds == refund.refunds == {"total": 2000} and refund.full is False
    assert delivery.idempotency_key == "orders#KASSE1-2026-000732#paid#20.00"


def test_generic_numeric_order_ids_and_offsets():
    body = body_of("orders-paid-email") | {"order_id": 731, "occurred_at": "2026-11-22T20:52:13+01:00"}
    [order] = parse("orders-paid-email", body=body).facts
    assert order.order_id == "731" and order.paid_at == "2026-11-22T19:52:13Z"


@pytest.mark.parametrize(("change", "fields"), [
    ({"status": "shipped"}, {"status"}),
    ({"total": 249.0}, {"total"}),
    ({"total": "-1.00"}, {"total"}),
    ({"total": "249.999"}, {"total"}),
    ({"currency": "kr"}, {"currency"}),
    ({"occurred_at": "2026-11-22T19:52:13"}, {"occurred_at"}),  # a time needs its zone
    ({"occurred_at": None}, {"occurred_at"}),
    ({"order_id": ""}, {"order_id"}),
    ({"order_id": "x" * 121}, {"order_id"}),
    ({"refunded_total": "300.00"}, {"refunded_total"}),
    ({"status": "refunded", "refunded_total": "0.00"}, {"refunded_total"}),
    ({"email": 42}, {"email"}),
])
def test_generic_bad_shapes_name_their_fields(change, fields):
    with pytest.raises(Invalid) as invalid:
        parse("orders-paid-email", body=body_of("orders-paid-email") | change)
    assert set(invalid.value.fields) == fields


def test_generic_extra_fields_are_ignored():
    body = body_of("orders-paid-email") | {"till": "Kasse 1", "lines": [{"sku": "BROD", "qty": 1}]}
    assert len(parse("orders-paid-email", body=body).facts) == 1


def test_unreadable_bodies():
    with pytest.raises(BadRequest) as empty:
        read_json(b"  ")
    assert empty.value.code == "empty_body"
    with pytest.raises(BadRequest) as malformed:
        read_json(b"{nope")
    assert malformed.value.code == "malformed_json"
    with pytest.raises(BadRequest):
        read_json(b"\xff\xfe")


# --- the use case, with fakes ------------------------------------------------------------------


class FakeClubs(ClubStore):
    """The club store's rules (``require``) over clubs in memory."""

    def __init__(self, *clubs: Club, warm: bool = True):
        self.clubs = {club.club_id: club for club in clubs}
        self.warm = warm  # an instance that read the club lately

    def get(self, club_id: str) -> Club | None:
        return self.clubs.get(club_id)

    def cached(self, club_id: str) -> Club | None:
        return self.clubs.get(club_id) if self.warm else None


class FakeOrders:
    """Members by contact and orders on record, as ``OrderStore.delivery_lookup`` finds them."""

    def __init__(self, known: dict[str, str], on_record: dict[tuple[str, str], str | None] | None = None,
                 clubs: FakeClubs | None = None):
        self.known = known
        self.on_record = on_record or {}
        self.clubs = clubs or FakeClubs()
        self.lookups: list[Customer] = []
        self.with_club: list[bool] = []

    def delivery_lookup(self, club_id: str, customer: Customer, orders: Any = (), *,
                        with_club: bool = False) -> DeliveryLookup:
        self.lookups.append(customer)
        self.with_club.append(with_club)
        member_id = next((self.known[value] for value in (customer.card_code, *customer.emails, *customer.phones)
                          if value in self.known), None)
        return DeliveryLookup(member_id, {order: self.on_record[order] for order in orders if order in self.on_record},
                              self.clubs.get(club_id) if with_club else None)


class FakeOutbox:
    def __init__(self) -> None:
        self.kept: list[tuple[str, list[Any]]] = []

    def keep(self, club_id: str, ref: str, events: Any, now: Any) -> None:
        self.kept.append((ref, list(events)))


class FakeBus:
    def __init__(self, failing: bool = False):
        self.published: list[Any] = []
        self.failing = failing

    def publish(self, events: Any) -> None:
        if self.failing:
            raise Unavailable("down")
        self.published += list(events)


class FakeSecrets:
    def __init__(self, values: list[str]):
        self.values = values  # what SSM holds over time: cached first, then the fresh read
        self.reads: list[tuple[str, bool]] = []

    def __call__(self, name: str, *, fresh: bool = False) -> str:
        self.reads.append((name, fresh))
        return self.values[-1] if fresh else self.values[0]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def services(*, secret: str = SECRET, fresh: str | None = None, known: dict[str, str] | None = None,
             bus: FakeBus | None = None, clock: Clock | None = None, warm: bool = True,
             on_record: dict[tuple[str, str], str | None] | None = None) -> tuple[intake.IntakeServices, FakeSecrets]:
    reader = FakeSecrets([secret, fresh or secret])
    secrets = intake.WebhookSecrets(lambda club, kind: f"/p/{club}/{kind}", read=reader,
                                       monotonic=clock or Clock())
    clubs = FakeClubs(Club(club_id="demo", name="Demo Bakeri"), warm=warm)
    built = intake.IntakeServices(clubs=clubs,  # type: ignore[arg-type]
                               orders=FakeOrders(known or {}, on_record, clubs),  # type: ignore[arg-type]
                               outbox=FakeOutbox(), bus=bus or FakeBus(),  # type: ignore[arg-type]
                               webhook_secrets=secrets)
    return built, reader


def receive(built: intake.IntakeServices, name: str, *, secret: str = SECRET, club: str = "demo",
            body: bytes | None = None) -> intake.Outcome:
    headers, raw = sample(name)
    raw = raw if body is None else body
    kind = "orders" if name.startswith("orders") else name.split("-")[0]
    header = {"shopify": "x-shopify-hmac-sha256", "woocommerce": "x-wc-webhook-signature",
              "orders": "x-memberclub-signature"}[kind]
    headers = {name: value for name, value in headers.items() if name != header}
    if secret:
        headers[header] = sign(kind, secret, raw)  # type: ignore[arg-type]
    return intake.receive_webhook(built, club, kind, headers, raw)  # type: ignore[arg-type]


def test_a_verified_delivery_is_published_with_the_member_found_once():
    built, _ = services(known={"kari.nordmann@example.no": "m1"})
    outcome = receive(built, "woocommerce-order-updated-partial-refund")
    assert outcome.view() == {"status": "recorded", "published": ["PurchaseRecorded", "PurchaseRefunded"],
                              "member": True,
                              "idempotency_key": "woocommerce#1234#completed#40.00"}
    assert len(built.orders.lookups) == 1  # type: ignore[attr-defined]
    recorded, refunded = built.bus.published  # type: ignore[attr-defined]
    assert isinstance(recorded, PurchaseRecorded) and isinstance(refunded, PurchaseRefunded)
    assert recorded.member_id == refunded.member_id == "m1"
    assert recorded.total_minor == 29800 and recorded.points_basis_minor == 24900
    assert recorded.refunds_minor == {"1240": 4000} and recorded.occurred_at == recorded.paid_at
    assert recorded.idempotency_key.endswith("#paid") and refunded.idempotency_key.endswith("#refund")
    assert refunded.refunds_minor == {"1240": 4000} and refunded.total_minor == 29800 and not refunded.full


def test_a_delivery_naming_nobody_needs_no_lookup_call_to_be_a_non_member():
    built, _ = services()
    outcome = receive(built, "shopify-refunds-create-partial")
    assert outcome.member is False
    [refunded] = built.bus.published  # type: ignore[attr-defined]
    assert refunded.member_id is None and refunded.idempotency_key == "shopify#6012345678901#refund#1012345678901"


def test_a_refund_belongs_to_the_member_of_the_order_on_record():
    """Reproduction: a refund's answer said "member": false for a member's order."""
    built, _ = services(on_record={("shopify", "6012345678901"): "m7"})
    outcome = receive(built, "shopify-refunds-create-partial")
    assert outcome.member is True
    [refunded] = built.bus.published  # type: ignore[attr-defined]
    assert refunded.member_id == "m7"


def test_the_order_of_checks_and_nothing_published_before_the_signature():
    built, reader = services()
    with pytest.raises(NotFound):
        receive(built, "orders-paid-email", club="nobody")
    with pytest.raises(NotFound):
        receive(built, "orders-paid-email", club="Not A Club!")
    assert reader.reads == []  # no secret is read for a club that does not exist
    with pytest.raises(Unauthorized) as missing:
        receive(built, "orders-paid-email", secret="", body=b"{broken")
    assert missing.value.code == "missing_signature" and reader.reads == []
    with pytest.raises(Unauthorized) as wrong:
        receive(built, "orders-paid-email", secret="wrong", body=b"{broken")
    assert wrong.value.code == "bad_signature"
    with pytest.raises(BadRequest):
        receive(built, "orders-paid-email", body=b"{broken")
    assert built.bus.published == []  # type: ignore[attr-defined]


def test_a_cold_instance_reads_the_club_with_the_member_in_one_lookup():
    """Orders minutes apart find every cache cold: the club comes in the same read as the
    member the body's contacts name, and travels on in the event for the stamps function."""
    built, _ = services(known={"kari.nordmann@example.no": "m1"}, warm=False)
    outcome = receive(built, "shopify-orders-paid")
    assert outcome.member is True
    assert built.orders.with_club == [True]  # type: ignore[attr-defined]
    [recorded] = built.bus.published  # type: ignore[attr-defined]
    assert recorded.member_id == "m1" and recorded.club["club_id"] == "demo"


def test_a_cold_instance_still_answers_in_the_contracts_order():
    built, reader = services(warm=False)
    with pytest.raises(NotFound):
        receive(built, "orders-paid-email", club="nobody")
    assert built.orders.with_club == [True] and reader.reads == []  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        receive(built, "orders-paid-email", club="Not A Club!")  # not even looked up
    assert built.orders.with_club == [True]  # type: ignore[attr-defined]
    with pytest.raises(Unauthorized):
        receive(built, "orders-paid-email", secret="wrong", body=b"{broken")
    assert built.bus.published == []  # type: ignore[attr-defined]


def test_a_national_phone_is_looked_up_again_with_the_clubs_country():
    """Before the club is known, only international numbers can be read: a body that names a
    national number is looked up once more, with the club's country, after the signature."""
    built, _ = services(known={"+4791234567": "m3"}, warm=False)
    body = json.dumps({"order_id": "n-1", "status": "paid", "total": "100.00", "currency": "NOK",
                       "phone": "912 34 567", "occurred_at": "2026-11-30T10:00:00Z"}).encode()
    outcome = receive(built, "orders-paid-email", body=body)
    assert outcome.member is True
    assert built.orders.with_club == [True, False]  # type: ignore[attr-defined]
    assert built.orders.lookups[-1].phones == ("+4791234567",)  # type: ignore[attr-defined]


def test_the_ping_needs_no_secret_and_publishes_nothing():
    built, reader = services()
    outcome = receive(built, "woocommerce-ping", secret="")
    assert outcome.view() == {"status": "ignored", "reason": "ping", "member": False}
    assert reader.reads == [] and built.bus.published == []  # type: ignore[attr-defined]


def test_a_replaced_secret_is_read_afresh_once_per_30_seconds():
    clock = Clock()
    built, reader = services(secret="old", fresh="new", clock=clock)
    assert receive(built, "orders-paid-email", secret="new").status == "recorded"
    assert reader.reads == [("/p/demo/orders", False), ("/p/demo/orders", True)]
    for _ in range(20):  # a flood of forged signatures
        with pytest.raises(Unauthorized):
            receive(built, "orders-paid-email", secret="forged")
    assert [fresh for _, fresh in reader.reads].count(True) == 1
    clock.now += 31
    with pytest.raises(Unauthorized):
        receive(built, "orders-paid-email", secret="forged")
    assert [fresh for _, fresh in reader.reads].count(True) == 2
    assert receive(built, "orders-paid-email", secret="old").status == "recorded"  # the cached one still works


def test_ignored_deliveries_publish_nothing():
    built, _ = services()
    headers, raw = sample("shopify-orders-create")
    headers = headers | {"x-shopify-hmac-sha256": sign("shopify", SECRET, raw)}
    outcome = intake.receive_webhook(built, "demo", "shopify", headers, raw)
    assert outcome.view() == {"status": "ignored", "reason": "topic orders/create is not used", "member": False}
    assert built.bus.published == []  # type: ignore[attr-defined]


def test_a_bus_that_is_down_keeps_the_events_in_the_outbox_and_the_shop_gets_its_answer():
    """WooCommerce never retries: a 503 would lose the order. The relay publishes them later."""
    built, _ = services(bus=FakeBus(failing=True), known={"kari.nordmann@example.no": "m1"})
    outcome = receive(built, "woocommerce-order-updated-partial-refund")
    assert outcome.status == "recorded" and outcome.view()["queued"] is True and outcome.member is True
    [(ref, events)] = built.outbox.kept  # type: ignore[attr-defined]
    assert ref == "delivery#woocommerce#1234#completed#40.00"
    assert [event.DETAIL_TYPE for event in events] == ["PurchaseRecorded", "PurchaseRefunded"]


# --- the published JSON Schema agrees with the parser ---------------------------------------


def test_the_generic_samples_follow_the_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    from tests.samples import REPO

    schema = json.loads((REPO / "docs" / "orders.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for name in ("orders-paid-card-code", "orders-paid-email", "orders-partial-refund", "orders-full-refund"):
        validator.validate(body_of(name))
    for example in schema["examples"]:
        validator.validate(example)
        assert generic.parse_delivery({}, example, country="NO").facts
    for change in ({"status": "shipped"}, {"total": 249.0}, {"total": "249.999"}, {"currency": "kr"},
                   {"occurred_at": "2026-11-22T19:52:13"}, {"order_id": ""}):
        assert not validator.is_valid(body_of("orders-paid-email") | change), change
