"""Over HTTP, what an attacker, a till and a webshop found: one signed body counts once
whatever its unsigned headers; once the till's stamp or redemption is recorded it answers
200, and what the bus could not take arrives when it is back; the clock decides expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest

from memberclub.clock import parse_iso
from tests.e2e.support import Stack
from tests.e2e.test_purchases_http import Shop, sample_body

pytestmark = pytest.mark.e2e


def owner(club: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {club['owner_key']}"}


def stays_absent(check: Any, seconds: float = 1.5) -> bool:
    """True if ``check()`` stays false for ``seconds`` (the bus is down: nothing may arrive)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return False
        time.sleep(0.1)
    return True


def test_one_signed_shopify_body_counts_once_under_any_event_id_or_shop(stack: Stack) -> None:
    """Reproduction: another X-Shopify-Event-Id or X-Shopify-Shop-Domain counted it again."""
    club = stack.new_club()
    member = stack.new_member(club["club_id"])
    shop = Shop(stack, club)
    raw = json.dumps(shop.order(member.contact, order_id=777001, subtotal="60.00", total="60.00")).encode()
    signature = base64.b64encode(hmac.new(shop.secret.encode(), raw, hashlib.sha256).digest()).decode()
    for shop_domain in ("e2e.myshopify.com", "another.myshopify.com", "third.myshopify.com", ""):
        answer = stack.http.post(f"/webhooks/{club['club_id']}/shopify", content=raw, headers={
            "Content-Type": "application/json", "X-Shopify-Topic": "orders/paid", "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Event-Id": str(uuid.uuid4()), "X-Shopify-Shop-Domain": shop_domain,
            "X-Shopify-Webhook-Id": str(uuid.uuid4())})
        assert answer.status_code == 200, answer.text
    stack.wait_for_events_idle()
    me = stack.me(member)
    assert (me["stamps"], me["points"]) == (1, 60), "60 points once, not 240"


def test_one_signed_woocommerce_body_counts_once_under_any_source(stack: Stack) -> None:
    club = stack.new_club()
    member = stack.new_member(club["club_id"])
    body = sample_body("woocommerce-order-updated-processing") | {"id": 880001}
    body["billing"] = dict(body["billing"], email=member.contact)
    raw = json.dumps(body).encode()
    secret = club["webhook_secrets"]["woocommerce"]
    signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    for source in ("https://bakeri.example.no/", "https://other.example/", "http://[::1"):
        answer = stack.http.post(f"/webhooks/{club['club_id']}/woocommerce", content=raw, headers={
            "Content-Type": "application/json", "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Signature": signature, "X-WC-Webhook-Source": source,
            "X-WC-Webhook-Delivery-ID": str(uuid.uuid4().int % 10**6)})
        assert answer.status_code == 200, answer.text
    stack.wait_for_events_idle()
    assert stack.me(member)["stamps"] == 1, "one stamp, not three"


def test_a_till_stamp_while_the_bus_is_down_is_200_once_and_its_reward_mail_follows(stack: Stack, faults) -> None:
    """Reproduction: 503 "please try again" for a stamp already recorded; the retry made two."""
    club = stack.new_club()
    member = stack.new_member(club["club_id"])
    path = f"/owner/{club['club_id']}/stamps"
    assert stack.http.post(path, json={"member": member.contact, "count": 9}, headers=owner(club)).status_code == 200
    stack.wait_for_events_idle()
    faults("eventbridge")
    answer = stack.http.post(path, json={"member": member.contact}, headers=owner(club))  # no Idempotency-Key
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["stamps"] == 0 and len(body["rewards"]) == 1
    assert stays_absent(lambda: stack.messages(member.contact, "reward")), "nothing gets through the bus yet"
    faults("eventbridge", False)
    reward = stack.wait_for_message(member.contact, "reward", timeout=15)
    assert body["rewards"][0]["code"] in reward["text"]
    assert stack.me(member)["stamps"] == 0 and len(stack.messages(member.contact, "reward")) == 1


def test_a_redemption_while_the_bus_is_down_is_200_and_its_event_follows(stack: Stack, faults) -> None:
    club = stack.new_club()
    member = stack.new_member(club["club_id"])
    code = stack.me(member)["coupons"][0]["code"]
    faults("eventbridge")
    answer = stack.http.post(f"/owner/{club['club_id']}/redemptions", json={"code": code}, headers=owner(club))
    assert answer.status_code == 200 and answer.json()["status"] == "redeemed"
    faults("eventbridge", False)
    deadline = time.monotonic() + 15
    while not [e for e in stack.events() if e["detail_type"] == "CouponRedeemed"
               and e["state"] == "delivered" and e.get("rule") is None]:
        assert time.monotonic() < deadline, "CouponRedeemed never reached the bus"
        time.sleep(0.1)


def test_a_woocommerce_order_while_the_bus_is_down_is_kept_and_counts_later(stack: Stack, faults) -> None:
    """WooCommerce never retries a failed delivery: a 503 lost the order."""
    club = stack.new_club()
    member = stack.new_member(club["club_id"])
    body = sample_body("woocommerce-order-updated-processing") | {"id": 880002}
    body["billing"] = dict(body["billing"], email=member.contact)
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(club["webhook_secrets"]["woocommerce"].encode(), raw,
                                          hashlib.sha256).digest()).decode()
    faults("eventbridge")
    answer = stack.http.post(f"/webhooks/{club['club_id']}/woocommerce", content=raw, headers={
        "Content-Type": "application/json", "X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Signature": signature})
    assert answer.status_code == 200 and answer.json()["queued"] is True
    faults("eventbridge", False)
    deadline = time.monotonic() + 15
    while stack.me(member)["stamps"] != 1:
        assert time.monotonic() < deadline, "the kept order never counted"
        time.sleep(0.1)


def test_an_idempotency_key_reused_for_another_member_is_422(stack: Stack) -> None:
    club = stack.new_club()
    first, second = stack.new_member(club["club_id"]), stack.new_member(club["club_id"])
    path, key = f"/owner/{club['club_id']}/stamps", {"Idempotency-Key": f"kvittering-{uuid.uuid4().hex[:6]}"}
    assert stack.http.post(path, json={"member": first.contact}, headers=owner(club) | key).status_code == 200
    reused = stack.http.post(path, json={"member": second.contact}, headers=owner(club) | key)
    assert reused.status_code == 422 and reused.json()["error"] == "idempotency_key_reused"
    refused = stack.http.post(path, json={"member": first.contact, "count": True}, headers=owner(club))
    assert refused.status_code == 422 and "count" in refused.json()["fields"]
    assert (stack.me(first)["stamps"], stack.me(second)["stamps"]) == (1, 0)


def test_a_coupon_past_its_expiry_is_410_at_the_till_at_once(stack: Stack, clock) -> None:
    """Reproduction: with the clock past expires_at, the till still redeemed it with 200."""
    club = stack.new_club()
    member = stack.new_member(club["club_id"])
    welcome = stack.me(member)["coupons"][0]
    clock(parse_iso(welcome["expires_at"]) + timedelta(minutes=1))
    answer = stack.http.post(f"/owner/{club['club_id']}/redemptions", json={"code": welcome["code"]},
                             headers=owner(club))
    assert answer.status_code == 410 and answer.json()["error"] == "expired"
    assert stack.me(member)["coupons"][0]["status"] == "expired"
