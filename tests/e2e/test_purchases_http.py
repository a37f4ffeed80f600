"""Purchases over HTTP, as a webshop and a till would see them: signed webhooks move the
card once, refunds move it back, the till stamps and redeems, twenty tills race for one
coupon."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.support import Member, Stack

pytestmark = pytest.mark.e2e
SAMPLES = Path(__file__).resolve().parents[2] / "events" / "purchases"


def sample_body(name: str) -> dict[str, Any]:
    return json.loads(json.loads((SAMPLES / f"{name}.json").read_text())["body"])


class Shop:
    """A Shopify shop connected to a club: signs as Shopify signs (base64 HMAC-SHA256)."""

    def __init__(self, stack: Stack, club: dict[str, Any]):
        self.stack, self.club = stack, club
        self.secret = club["webhook_secrets"]["shopify"]

    def send(self, topic: str, body: dict[str, Any], *, event_id: str | None = None,
             secret: str | None = None) -> httpx.Response:
        raw = json.dumps(body).encode()
        signature = base64.b64encode(hmac.new((secret or self.secret).encode(), raw, hashlib.sha256).digest())
        return self.stack.http.post(f"/webhooks/{self.club['club_id']}/shopify", content=raw, headers={
            "Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": signature.decode(),
            "X-Shopify-Event-Id": event_id or str(uuid.uuid4()), "X-Shopify-Shop-Domain": "e2e.myshopify.com",
            "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-API-Version": "2026-10",
        })

    def order(self, email: str, *, order_id: int, subtotal: str = "249.00", total: str = "298.00") -> dict[str, Any]:
        body = sample_body("shopify-orders-paid")
        body |= {"id": order_id, "email": email, "contact_email": email, "subtotal_price": subtotal,
                 "total_price": total, "currency": "NOK", "test": False}
        if isinstance(body.get("customer"), dict):
            body["customer"]["email"] = email
        return body

    def refund(self, order_id: int, amount: str) -> dict[str, Any]:
        body = sample_body("shopify-refunds-create-partial")
        body |= {"id": int(uuid.uuid4().int % 10**12), "order_id": order_id}
        body["transactions"] = [{"id": 1, "order_id": order_id, "kind": "refund", "status": "success",
                                 "amount": amount, "currency": "NOK"}]
        return body


@pytest.fixture
def connected(stack: Stack) -> tuple[Shop, Member, dict[str, Any]]:
    club = stack.new_club()
    return Shop(stack, club), stack.new_member(club["club_id"]), club


def test_a_paid_shopify_order_moves_the_card_once_and_a_refund_moves_it_back(stack, connected):
    shop, member, _ = connected
    order = shop.order(member.contact, order_id=1001)
    event_id = str(uuid.uuid4())
    first = shop.send("orders/paid", order, event_id=event_id)
    assert first.status_code == 200, first.text
    assert shop.send("orders/paid", order, event_id=event_id).status_code == 200  # Shopify's duplicate
    assert shop.send("orders/paid", order).status_code == 200  # a retry with a new event id
    stack.wait_for_events_idle()
    me = stack.me(member)
    assert (me["stamps"], me["points"]) == (1, 249)  # subtotal, not shipping
    assert shop.send("refunds/create", shop.refund(1001, "298.00")).status_code == 200
    stack.wait_for_events_idle()
    me = stack.me(member)
    assert (me["stamps"], me["points"]) == (0, 0)


def test_a_tampered_webhook_gets_401_and_moves_nothing(stack, connected):
    shop, member, _ = connected
    answer = shop.send("orders/paid", shop.order(member.contact, order_id=2002), secret="not-the-secret")
    assert answer.status_code == 401 and answer.json()["error"]
    stack.wait_for_events_idle()
    assert stack.me(member)["stamps"] == 0


def test_ten_orders_earn_a_reward_coupon_and_the_reward_message(stack, connected):
    shop, member, _ = connected
    for n in range(10):
        assert shop.send("orders/paid", shop.order(member.contact, order_id=3000 + n, subtotal="45.00",
                                                   total="45.00")).status_code == 200
    stack.wait_for_events_idle()
    me = stack.me(member)
    assert me["stamps"] == 0 and me["points"] == 450
    [reward] = [c for c in me["coupons"] if c["kind"] == "reward"]
    assert reward["value"]["type"] == "free_item" and reward["status"] == "issued"
    assert reward["code"] in stack.wait_for_message(member.contact, "reward")["text"]


def test_the_till_stamps_and_redeems_with_the_owner_key(stack, connected):
    _, member, club = connected
    owner = {"Authorization": f"Bearer {club['owner_key']}"}
    path = f"/owner/{club['club_id']}"
    card_code = stack.me(member)["card_code"]
    answer = stack.http.post(f"{path}/stamps", json={"member": card_code, "amount": "120.00"},
                             headers=owner | {"Idempotency-Key": "receipt-1"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["stamps"], answer.json()["points"]) == (1, 120)
    again = stack.http.post(f"{path}/stamps", json={"member": card_code, "amount": "120.00"},
                            headers=owner | {"Idempotency-Key": "receipt-1"})
    assert again.json()["stamps"] == 1
    assert stack.http.post(f"{path}/stamps", json={"member": card_code}).status_code == 401
    other = stack.new_club()
    forbidden = stack.http.post(f"{path}/stamps", json={"member": card_code},
                                headers={"Authorization": f"Bearer {other['owner_key']}"})
    assert forbidden.status_code == 403
    code = next(c["code"] for c in stack.me(member)["coupons"] if c["kind"] == "welcome")
    assert stack.http.post(f"{path}/redemptions", json={"code": code}, headers=owner).status_code == 200
    assert stack.http.post(f"{path}/redemptions", json={"code": code}, headers=owner).status_code == 409
    assert stack.http.post(f"{path}/redemptions", json={"code": "NOPE123456"}, headers=owner).status_code == 404


def test_twenty_tills_redeeming_one_coupon_at_once_get_one_200(stack, connected):
    _, member, club = connected
    code = next(c["code"] for c in stack.me(member)["coupons"] if c["kind"] == "welcome")
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def redeem() -> None:
        with httpx.Client(base_url=stack.base_url, timeout=30) as till:
            barrier.wait()
            answer = till.post(f"/owner/{club['club_id']}/redemptions", json={"code": code},
                               headers={"Authorization": f"Bearer {club['owner_key']}"})
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=redeem) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 19
