"""Each reproduction of the issue "No 500 for bad input, anywhere", through the real handlers:
every one answered 500 ``{"error": "internal"}`` and now gets a 4xx that says why (JSON
``{"error", "message"}`` on the API, a page on the page routes)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.integration.test_no_server_errors import route_event
from tests.integration.test_signup import confirmed_member
from tests.samples import http_event, response_json, response_text, sample_event, signed

pytestmark = pytest.mark.integration

NON_ASCII_TOKEN = "æ" * 30
HUGE_NUMBER = b"1" * 5000


def signup(harness, event):
    return harness.stack.functions.invoke("signup", event)


def assert_page(answer, status: int) -> None:
    assert answer["statusCode"] == status, response_text(answer)[:300]
    assert answer["headers"]["content-type"].startswith("text/html")
    assert response_text(answer).lstrip().lower().startswith("<!doctype html")


def assert_error(answer, status: int, code: str) -> dict:
    assert answer["statusCode"] == status, answer.get("body")
    body = response_json(answer)
    assert body["error"] == code and body["message"], body
    return body


# --- non-ASCII tokens ------------------------------------------------------------------------


@pytest.mark.parametrize(("route", "status"), [
    ("GET /card/{token}", 401), ("GET /card/{token}/export", 401), ("POST /card/{token}/erase", 401),
    ("POST /card/{token}/consents", 401), ("GET /confirm/{token}", 400),
    ("GET /unsubscribe/{token}", 400), ("POST /unsubscribe/{token}", 400),
])
@pytest.mark.parametrize("token", [NON_ASCII_TOKEN, "æææ", "ø" * 400])
def test_a_non_ascii_token_in_a_link_gets_a_page(harness, route, status, token):
    body = b"confirm=yes" if route.startswith("POST") else None
    assert_page(signup(harness, route_event(route, {"token": token}, body=body)), status)


@pytest.mark.parametrize("route", ["GET /api/me", "GET /api/me/export", "DELETE /api/me", "PUT /api/me/consents"])
@pytest.mark.parametrize("token", ["æææ", NON_ASCII_TOKEN])
def test_a_non_ascii_bearer_token_is_401(harness, route, token):
    body = b'{"email": true}' if route.startswith("PUT") else None
    answer = signup(harness, route_event(route, {}, headers={"authorization": f"Bearer {token}"}, body=body))
    assert_error(answer, 401, "invalid_token")


# --- huge numbers and deep nesting in JSON bodies ---------------------------------------------


def test_a_5000_digit_number_in_the_join_api_is_400(harness):
    raw = b'{"email": "kari@example.no", "consents": {"email": true}, "source": ' + HUGE_NUMBER + b"}"
    assert_error(signup(harness, http_event("signup/join-api", raw_body=raw)), 400, "number_too_long")


def test_a_5000_digit_number_in_the_member_api_is_400(harness):
    _, token = confirmed_member(harness, harness.new_club())
    answer = signup(harness, http_event("signup/me-consents", token=token, raw_body=b'{"email": ' + HUGE_NUMBER + b"}"))
    assert_error(answer, 400, "number_too_long")


@pytest.mark.parametrize(("sample", "raw", "code"), [
    ("till-stamp", b'{"member": "x", "count": ' + HUGE_NUMBER + b"}", "number_too_long"),
    ("redemption", b'{"code": ' + HUGE_NUMBER + b"}", "number_too_long"),
    ("till-stamp", b"[" * 32_000 + b"]" * 32_000, "too_deeply_nested"),  # 64,000 bytes: under 64 KiB
])
def test_owner_routes_refuse_unreadable_bodies_behind_a_valid_key(harness, sample, raw, code):
    event = http_event(f"owner/{sample}", owner_key=harness.stack.demo.owner_key, raw_body=raw)
    assert_error(harness.stack.functions.invoke("till", event), 400, code)


def webhook(harness, sample: str, raw: bytes, scheme: str, headers: dict[str, str] | None = None) -> dict:
    """A sample delivery to the demo club with ``raw`` as its body, signed with the club's secret."""
    event = http_event(f"purchases/{sample}", headers=headers)
    event["body"], event["isBase64Encoded"] = raw.decode(), False
    event["headers"]["content-length"] = str(len(raw))
    event = signed(event, harness.stack.demo.webhook_secrets[scheme], scheme)
    return harness.stack.functions.invoke("purchases", event)


@pytest.mark.parametrize(("sample", "scheme"), [("shopify-orders-paid", "shopify"),
                                                ("woocommerce-order-updated-processing", "woocommerce"),
                                                ("orders-paid-email", "orders")])
def test_signed_webhooks_refuse_huge_numbers_and_deep_nesting(harness, sample, scheme):
    assert_error(webhook(harness, sample, b'{"id": ' + HUGE_NUMBER + b"}", scheme), 400, "number_too_long")
    deep = b"[" * 500_000 + b"]" * 500_000  # 1,000,000 bytes: under the 1 MiB limit
    assert_error(webhook(harness, sample, deep, scheme), 400, "too_deeply_nested")


# --- webhook headers and times ---------------------------------------------------------------


def test_a_woocommerce_source_that_is_no_url_is_no_shop(harness):
    """``X-WC-Webhook-Source`` is unsigned and only names the shop: one that cannot be read is
    treated as absent (an error would make WooCommerce retry a valid order, then drop the hook)."""
    raw = sample_event("purchases/woocommerce-order-updated-processing")["body"].encode()
    answer = webhook(harness, "woocommerce-order-updated-processing", raw, "woocommerce",
                     headers={"x-wc-webhook-source": "http://[::1"})
    assert answer["statusCode"] == 200, answer["body"]
    assert response_json(answer)["status"] == "recorded"


@pytest.mark.parametrize("occurred_at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_an_order_time_out_of_range_is_a_field_error(harness, occurred_at):
    body = json.loads(sample_event("purchases/orders-paid-email")["body"]) | {"occurred_at": occurred_at}
    answer = webhook(harness, "orders-paid-email", json.dumps(body).encode(), "orders")
    assert assert_error(answer, 422, "invalid")["fields"] == {"occurred_at": "a time between 1970 and 2999"}


@pytest.mark.parametrize(("sample", "scheme", "field"), [
    ("shopify-orders-paid", "shopify", "processed_at"),
    ("woocommerce-order-updated-processing", "woocommerce", "date_paid_gmt"),
])
def test_shop_times_out_of_range_are_field_errors(harness, sample, scheme, field):
    body = json.loads(sample_event(f"purchases/{sample}")["body"]) | {field: "9999-12-31T23:59:59-23:59"}
    answer = webhook(harness, sample, json.dumps(body).encode(), scheme)
    assert field in assert_error(answer, 422, "invalid")["fields"]


# --- the join form (functions/signup/app.py) -------------------------------------------------


@pytest.mark.parametrize("field", ["email", "source", "birthday"])
def test_a_401_character_join_form_field_gets_the_form_again(harness, field):
    fields = {"email": "kari@example.no", "consent_email": "yes"} | {field: "a" * 401}
    answer = signup(harness, http_event("signup/join-form", raw_body=urlencode(fields).encode()))
    assert_page(answer, 422)
