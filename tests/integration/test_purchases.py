"""The purchases function's handler against the local stack: signed webshop deliveries in,
``PurchaseRecorded`` / ``PurchaseRefunded`` out — in the contract's order of checks, with
nothing published for anything that is not a verified delivery."""

from __future__ import annotations

import json
import uuid

import pytest

from memberclub import contacts
from memberclub.storage import keys
from tests.integration.test_signup import confirmed_member, join, unique_email
from tests.samples import http_event, response_json, sample_event, signed

pytestmark = pytest.mark.integration

SCHEME = {"shopify": "shopify", "woocommerce": "woocommerce", "orders": "orders"}


def new_club(harness, **fields) -> tuple[str, dict[str, str]]:
    """A fresh club and its webhook secrets (as ``club create`` prints them)."""
    club_id = f"t{uuid.uuid4().hex[:10]}"
    created = harness.stack.create_club({"club_id": club_id, "name": "Test Bakeri"} | fields)
    return club_id, created.webhook_secrets


def webhook(name: str, club: str, *, body=None, raw_body: bytes | None = None, headers=None) -> dict:
    """A sample from events/purchases for ``club``, its body replaced if given (JSON as
    the platforms send it: compact, plain text)."""
    event = http_event(f"purchases/{name}", club=club, headers=headers)
    if body is not None or raw_body is not None:
        raw = raw_body if raw_body is not None else json.dumps(body).encode()
        event["body"], event["isBase64Encoded"] = raw.decode(), False
        event["headers"]["content-length"] = str(len(raw))
    return event


def body_of(name: str) -> dict:
    return json.loads(sample_event(f"purchases/{name}")["body"])


def kind_of(name: str) -> str:
    return "orders" if name.startswith("orders") else name.split("-")[0]


def deliver(harness, name: str, club: str, secret: str, **changes) -> dict:
    return harness.stack.functions.invoke("purchases", signed(webhook(name, club, **changes), secret,
                                                              SCHEME[kind_of(name)]))


def details(published) -> list[tuple[str, dict]]:
    return [(d.detail_type, d.event["detail"]) for d in published]


def member_id_of(table, club: str, email: str) -> str:
    return table.get(keys.contact_index(club, "EMAIL", contacts.contact_hash(email)))["member_id"]


def card_code_of(table, club: str, email: str) -> str:
    return table.get(keys.member(club, member_id_of(table, club, email)))["card_code"]


# --- Shopify ------------------------------------------------------------------------------


def test_a_shopify_paid_order_of_a_member_is_published_with_the_member(harness, table):
    club, secrets = new_club(harness)
    email, _ = confirmed_member(harness, club, email=unique_email())
    order = body_of("shopify-orders-paid") | {"email": email.upper(), "contact_email": email}
    order["customer"]["email"] = email
    answer = deliver(harness, "shopify-orders-paid", club, secrets["shopify"], body=order)
    assert answer["statusCode"] == 200, answer
    assert response_json(answer) == {"status": "recorded", "published": ["PurchaseRecorded"], "member": True,
                                     "idempotency_key": "shopify#6012345678901#paid"}
    [(detail_type, detail)] = details(harness.published())
    assert detail_type == "PurchaseRecorded"
    carried = detail.pop("club")  # the club's rules travel to the stamps function
    assert carried["club_id"] == club and carried["currency"] == "NOK" and "settings" in carried
    assert detail == {
        "version": 1, "club_id": club, "idempotency_key": "shopify#6012345678901#paid",
        "occurred_at": "2026-11-22T19:29:40Z", "source": "shopify",
        "order_id": "6012345678901", "member_id": member_id_of(table, club, email),
        "currency": "NOK", "total_minor": 29800, "points_basis_minor": 24900, "paid_at": "2026-11-22T19:29:40Z",
        "refunds_minor": {}, "stamps": None, "fingerprint": None,
    }


def test_a_non_members_order_is_published_without_a_member_and_enrols_nobody(harness, table):
    club, secrets = new_club(harness)
    answer = deliver(harness, "shopify-orders-paid-non-member", club, secrets["shopify"])
    assert answer["statusCode"] == 200
    assert response_json(answer)["member"] is False
    [(detail_type, detail)] = details(harness.published())
    assert detail_type == "PurchaseRecorded" and detail["member_id"] is None
    assert detail["points_basis_minor"] == 24900 and detail["total_minor"] == 29800
    assert table.get(keys.contact_index(club, "EMAIL", contacts.contact_hash("per.olsen@example.no"))) is None


def test_the_member_is_found_by_phone_when_the_order_has_no_known_email(harness, table):
    club, secrets = new_club(harness)
    assert join(harness, club, phone="900 00 001")["statusCode"] == 202
    harness.published()
    order = body_of("shopify-orders-paid") | {"email": "someone.else@example.no", "contact_email": None, "phone": None}
    order["customer"] |= {"email": None, "phone": "+4790000001"}
    deliver(harness, "shopify-orders-paid", club, secrets["shopify"], body=order)
    [(_, detail)] = details(harness.published())
    index = table.get(keys.contact_index(club, "PHONE", contacts.contact_hash("+4790000001")))
    assert detail["member_id"] == index["member_id"]  # a pending member too: the accrual side decides


def test_duplicate_shopify_deliveries_publish_the_same_idempotency_key(harness):
    club, secrets = new_club(harness)
    first = deliver(harness, "shopify-orders-paid", club, secrets["shopify"])
    again = deliver(harness, "shopify-orders-paid", club, secrets["shopify"])
    assert first["statusCode"] == again["statusCode"] == 200
    published = details(harness.published())
    assert len(published) == 2
    assert published[0][1]["idempotency_key"] == published[1][1]["idempotency_key"]
    assert published[0][1]["order_id"] == published[1][1]["order_id"]


def test_shopify_refunds_are_published_as_purchase_refunded(harness):
    club, secrets = new_club(harness)
    assert deliver(harness, "shopify-refunds-create-partial", club, secrets["shopify"])["statusCode"] == 200
    assert deliver(harness, "shopify-refunds-create-full", club, secrets["shopify"])["statusCode"] == 200
    (partial_type, partial), (full_type, full) = details(harness.published())
    assert partial_type == full_type == "PurchaseRefunded"
    assert partial["order_id"] == full["order_id"] == "6012345678901"
    assert partial["refunds_minor"] == {"1012345678901": 8479} and partial["full"] is False
    assert full["refunds_minor"] == {"1012345678902": 29800}
    assert partial["currency"] == "NOK" and partial["refunded_at"] == "2026-11-23T09:12:03Z"
    assert partial["member_id"] is None  # a Shopify refund names no customer: the order marker knows


@pytest.mark.parametrize("topic", ["orders/create", "orders/updated", "customers/create", "app/uninstalled"])
def test_unused_shopify_topics_get_200_and_publish_nothing(harness, topic):
    club, secrets = new_club(harness)
    answer = deliver(harness, "shopify-orders-create", club, secrets["shopify"], headers={"x-shopify-topic": topic})
    assert answer["statusCode"] == 200
    assert response_json(answer) == {"status": "ignored", "reason": f"topic {topic} is not used", "member": False}
    assert harness.published() == []


def test_a_replaced_shopify_secret_works_at_once(harness):
    """``memberclub club set-secret`` replaces the secret in SSM; the function's cache still
    holds the old one, so a mismatch reads it afresh before answering 401."""
    club, secrets = new_club(harness)
    assert deliver(harness, "shopify-orders-paid", club, secrets["shopify"])["statusCode"] == 200  # cached now
    harness.stack.set_secret(club, "shopify", "new")
    assert deliver(harness, "shopify-orders-paid", club, "new")["statusCode"] == 200
    assert deliver(harness, "shopify-orders-paid", club, secrets["shopify"])["statusCode"] == 401  # the old one is gone
    assert len(harness.published()) == 2


# --- WooCommerce --------------------------------------------------------------------------


def test_a_woocommerce_processing_order_is_a_purchase(harness, table):
    club, secrets = new_club(harness)
    email, _ = confirmed_member(harness, club)
    order = body_of("woocommerce-order-updated-processing")
    order["billing"]["email"] = email.title()
    answer = deliver(harness, "woocommerce-order-updated-processing", club, secrets["woocommerce"], body=order)
    assert answer["statusCode"] == 200
    [(detail_type, detail)] = details(harness.published())
    assert detail_type == "PurchaseRecorded"
    assert detail["order_id"] == "1234" and detail["source"] == "woocommerce"
    assert detail["total_minor"] == 29800 and detail["points_basis_minor"] == 24900  # 298.00 − 49.00 shipping
    assert detail["paid_at"] == "2026-11-22T19:31:09Z"
    assert detail["member_id"] == member_id_of(table, club, email)
    assert detail["idempotency_key"] == "woocommerce#1234#processing#0.00"


def test_a_woocommerce_partial_refund_carries_the_order_and_the_refund(harness):
    club, secrets = new_club(harness)
    answer = deliver(harness, "woocommerce-order-updated-partial-refund", club, secrets["woocommerce"])
    assert answer["statusCode"] == 200
    assert response_json(answer)["published"] == ["PurchaseRecorded", "PurchaseRefunded"]
    (_, paid), (_, refund) = details(harness.published())
    assert paid["refunds_minor"] == refund["refunds_minor"] == {"1240": 4000}
    assert refund["full"] is False and refund["total_minor"] == 29800
    assert paid["idempotency_key"] != refund["idempotency_key"]
    assert paid["idempotency_key"].startswith("woocommerce#1234#completed#40.00")


def test_a_refunded_woocommerce_order_is_a_full_refund(harness):
    club, secrets = new_club(harness)
    assert deliver(harness, "woocommerce-order-updated-refunded", club, secrets["woocommerce"])["statusCode"] == 200
    [(detail_type, detail)] = details(harness.published())
    assert detail_type == "PurchaseRefunded" and detail["full"] is True
    assert detail["refunds_minor"] == {"1241": 25800, "1240": 4000}


@pytest.mark.parametrize("status", ["pending", "on-hold", "failed", "cancelled", "checkout-draft"])
def test_woocommerce_orders_that_are_not_paid_are_ignored(harness, status):
    club, secrets = new_club(harness)
    order = body_of("woocommerce-order-updated-processing") | {"status": status}
    answer = deliver(harness, "woocommerce-order-updated-processing", club, secrets["woocommerce"], body=order)
    assert answer["statusCode"] == 200 and response_json(answer)["status"] == "ignored"
    assert harness.published() == []


def test_the_woocommerce_ping_gets_exactly_200_and_writes_nothing(harness):
    club, _ = new_club(harness)
    answer = harness.stack.functions.invoke("purchases", http_event("purchases/woocommerce-ping", club=club))
    assert answer["statusCode"] == 200
    assert response_json(answer) == {"status": "ignored", "reason": "ping", "member": False}
    assert harness.published() == []
    # A ping to a club that does not exist tells the owner the URL is wrong.
    wrong = harness.stack.functions.invoke("purchases", http_event("purchases/woocommerce-ping", club="no-such-club"))
    assert wrong["statusCode"] == 404


def test_a_woocommerce_order_signed_with_another_secret_is_refused(harness):
    club, secrets = new_club(harness)
    answer = deliver(harness, "woocommerce-order-updated-processing", club, secrets["shopify"])
    assert answer["statusCode"] == 401
    assert harness.published() == []


# --- the generic format ---------------------------------------------------------------------


def test_a_till_order_finds_the_member_by_card_code(harness, table):
    club, secrets = new_club(harness)
    email, _ = confirmed_member(harness, club)
    code = card_code_of(table, club, email)
    order = body_of("orders-paid-card-code") | {"card_code": f"  {code.lower()} "}
    answer = deliver(harness, "orders-paid-card-code", club, secrets["orders"], body=order)
    assert answer["statusCode"] == 200
    [(detail_type, detail)] = details(harness.published())
    assert detail_type == "PurchaseRecorded" and detail["source"] == "orders"
    assert detail["member_id"] == member_id_of(table, club, email)
    assert detail["order_id"] == "KASSE1-2026-000731" and detail["total_minor"] == detail["points_basis_minor"] == 14900
    assert detail["idempotency_key"] == "orders#KASSE1-2026-000731#paid#0.00"


def test_generic_samples_paid_partial_and_full_refund(harness, table):
    club, secrets = new_club(harness)
    email, _ = confirmed_member(harness, club, email="kari.nordmann@example.no")
    for name in ("orders-paid-email", "orders-partial-refund", "orders-full-refund"):
        assert deliver(harness, name, club, secrets["orders"])["statusCode"] == 200, name
    (paid_type, paid), (partial_type, partial), (full_type, full) = details(harness.published())
    member_id = member_id_of(table, club, email)
    assert (paid_type, partial_type, full_type) == ("PurchaseRecorded", "PurchaseRefunded", "PurchaseRefunded")
    assert paid["member_id"] == partial["member_id"] == full["member_id"] == member_id
    assert partial["refunds_minor"] == {"total": 5000} and partial["full"] is False
    assert full["refunds_minor"] == {"total": 24900} and full["full"] is True
    assert partial["idempotency_key"] == "orders#KASSE1-2026-000732#refunded#50.00"


def test_an_order_in_another_currency_is_still_published(harness):
    club, secrets = new_club(harness)
    order = body_of("orders-paid-email") | {"currency": "EUR"}
    assert deliver(harness, "orders-paid-email", club, secrets["orders"], body=order)["statusCode"] == 200
    [(_, detail)] = details(harness.published())
    assert detail["currency"] == "EUR"


def test_an_unreadable_contact_is_treated_as_absent(harness):
    club, secrets = new_club(harness)
    order = body_of("orders-paid-email") | {"email": "not an address", "phone": "12"}
    answer = deliver(harness, "orders-paid-email", club, secrets["orders"], body=order)
    assert answer["statusCode"] == 200
    assert details(harness.published())[0][1]["member_id"] is None


# --- signatures, the order of checks, failures ---------------------------------------------


@pytest.mark.parametrize("name", ["shopify-orders-paid", "woocommerce-order-updated-processing", "orders-paid-email"])
def test_bad_signatures_get_401_and_publish_nothing(harness, name):
    club, secrets = new_club(harness)
    kind = kind_of(name)
    good = signed(webhook(name, club), secrets[kind], kind)
    tampered = dict(good, body=good["body"].replace("NOK", "SEK", 1))
    padded = dict(good, body=good["body"] + "\n")
    wrong_secret = signed(webhook(name, club), "not-the-secret", kind)
    missing = webhook(name, club)
    header = {"shopify": "x-shopify-hmac-sha256", "woocommerce": "x-wc-webhook-signature",
              "orders": "x-memberclub-signature"}[kind]
    del missing["headers"][header]
    for event in (tampered, padded, wrong_secret, missing):
        answer = harness.stack.functions.invoke("purchases", event)
        assert answer["statusCode"] == 401
        assert response_json(answer)["error"] in ("bad_signature", "missing_signature")
    assert harness.published() == []
    assert harness.stack.functions.invoke("purchases", good)["statusCode"] == 200


def test_checks_run_in_contract_order(harness):
    club, secrets = new_club(harness)
    too_large = b'{"order_id": "' + b"x" * (1024 * 1024) + b'"}'
    # 413 before 404: an oversized body to a club that does not exist.
    assert harness.stack.functions.invoke(
        "purchases", webhook("orders-paid-email", "no-such-club", raw_body=too_large))["statusCode"] == 413
    # 404 before 401: a bad signature to a club that does not exist.
    assert harness.stack.functions.invoke(
        "purchases", webhook("orders-paid-email", "no-such-club"))["statusCode"] == 404
    # 401 before 400: an unreadable body without a good signature.
    assert harness.stack.functions.invoke(
        "purchases", webhook("orders-paid-email", club, raw_body=b"{not json"))["statusCode"] == 401
    # A good signature over a bad body: 400 or 422 with the fields.
    unreadable = deliver(harness, "orders-paid-email", club, secrets["orders"], raw_body=b"{not json")
    assert unreadable["statusCode"] == 400 and response_json(unreadable)["error"] == "malformed_json"
    bad = deliver(harness, "orders-paid-email", club, secrets["orders"],
                  body={"order_id": "1", "status": "shipped", "total": 249, "currency": "kroner"})
    assert bad["statusCode"] == 422
    assert set(response_json(bad)["fields"]) == {"status", "total", "currency", "occurred_at"}
    shopify_bad = deliver(harness, "shopify-orders-paid", club, secrets["shopify"], body={"id": 1})
    assert shopify_bad["statusCode"] == 422 and "currency" in response_json(shopify_bad)["fields"]
    assert harness.published() == []


def test_a_bus_that_is_down_keeps_the_order_in_the_outbox_and_the_shop_gets_200(harness):
    club, secrets = new_club(harness)
    harness.fail("eventbridge")
    answer = deliver(harness, "shopify-orders-paid", club, secrets["shopify"])
    assert answer["statusCode"] == 200 and response_json(answer)["queued"] is True
    again = deliver(harness, "shopify-orders-paid", club, secrets["shopify"])  # Shopify's retry meanwhile
    assert again["statusCode"] == 200
    assert harness.published() == []
    harness.fail("eventbridge", False)
    assert [d.detail_type for d in harness.published()] == ["PurchaseRecorded"], "kept once, published once"


def test_only_a_table_that_refuses_too_gets_503(harness):
    club, secrets = new_club(harness)
    harness.fail("eventbridge")
    harness.fail("dynamodb")
    answer = deliver(harness, "shopify-orders-paid", club, secrets["shopify"])
    assert answer["statusCode"] == 503 and response_json(answer)["error"] == "unavailable"


def test_the_samples_as_they_stand_are_refused_for_their_placeholder_signature(harness):
    answer = harness.stack.functions.invoke("purchases", http_event("purchases/shopify-orders-paid"))
    assert answer["statusCode"] == 401


def test_the_demo_club_takes_the_samples_signed_with_its_secret(harness):
    demo_secrets = harness.stack.demo.webhook_secrets
    answer = harness.stack.functions.invoke(
        "purchases", signed(http_event("purchases/shopify-orders-paid"), demo_secrets["shopify"], "shopify"))
    assert answer["statusCode"] == 200
    assert [d.detail_type for d in harness.published()] == ["PurchaseRecorded"]


@pytest.mark.parametrize(("sample", "delivered", "index"), [
    ("stamps/purchase-recorded", "woocommerce-order-updated-processing", 0),
    ("stamps/purchase-refunded", "woocommerce-order-updated-partial-refund", 1),
])
def test_the_stamps_samples_are_what_the_purchases_function_publishes(harness, table, sample, delivered, index):
    club, secrets = new_club(harness)
    email, _ = confirmed_member(harness, club, email="kari.nordmann@example.no")
    assert deliver(harness, delivered, club, secrets["woocommerce"])["statusCode"] == 200
    published = harness.published()[index]
    expected = sample_event(sample)
    assert published.detail_type == expected["detail-type"]
    detail = dict(published.event["detail"])
    carried = detail.pop("club")  # this club's rules; the sample carries the demo club's
    assert carried["club_id"] == club and set(carried) == set(expected["detail"]["club"])
    assert detail == {key: value for key, value in expected["detail"].items() if key != "club"} | {
        "club_id": club, "member_id": member_id_of(table, club, email)}
