"""The owner's side over HTTP, as an owner's browser and script see it: the login form, the
session cookie, the dashboard, the figures after real orders, settings, poster and CSV; and a
flash sale of 50 concurrent orders with the local store cancelling conflicting transactions
as DynamoDB does."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.support import Stack

pytestmark = pytest.mark.e2e


def send_order(stack: Stack, club: dict[str, Any], body: dict[str, Any], client: httpx.Client | None = None) -> httpx.Response:
    raw = json.dumps(body).encode()
    secret = club["webhook_secrets"]["orders"].encode()
    signature = "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()
    return (client or stack.http).post(f"/webhooks/{club['club_id']}/orders", content=raw, headers={
        "content-type": "application/json", "x-memberclub-signature": signature})


def order(total: str, email: str | None = None) -> dict[str, Any]:
    body = {"order_id": uuid.uuid4().hex[:12], "status": "paid", "total": total, "currency": "NOK",
            "occurred_at": "2026-11-20T12:00:00Z"}
    return body | ({"email": email} if email else {})


def bearer(club: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {club['owner_key']}"}


@pytest.fixture
def browser_client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=30.0, follow_redirects=False) as client:
        yield client


def test_login_cookie_dashboard_and_logout(stack: Stack, browser_client: httpx.Client) -> None:
    club = stack.new_club()
    base = f"/owner/{club['club_id']}"
    page = browser_client.get(base)
    assert page.status_code == 401 and 'name="key"' in page.text and page.headers["content-type"].startswith("text/html")
    wrong = browser_client.post(f"{base}/login", data={"key": "not-the-key"})
    assert wrong.status_code == 401 and 'name="key"' in wrong.text
    answer = browser_client.post(f"{base}/login", data={"key": club["owner_key"]})
    assert answer.status_code == 303 and answer.headers["location"] == base
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=" in cookie
    assert "secure" not in cookie.split(";")[1:], "on 127.0.0.1 the cookie goes without Secure"
    dashboard = browser_client.get(base)
    assert dashboard.status_code == 200 and "<svg" in dashboard.text and "Active share" in dashboard.text
    assert browser_client.get(f"{base}/kpis").status_code == 200
    token = dashboard.text.split('name="form_token" value="')[1].split('"')[0]
    assert browser_client.post(f"{base}/logout", data={"form_token": token}).status_code == 303
    assert browser_client.get(base).status_code == 401


def test_another_clubs_key_is_403_everywhere(stack: Stack) -> None:
    club, other = stack.new_club(), stack.new_club()
    for path in ("", "/kpis", "/settings", "/settings.html", "/poster.svg", "/members.csv"):
        response = stack.http.get(f"/owner/{club['club_id']}{path}", headers=bearer(other))
        assert response.status_code == 403, path
        assert stack.http.get(f"/owner/{club['club_id']}{path}", headers={"authorization": "Bearer x"}).status_code == 401
    assert stack.http.get("/owner/no-such-club/kpis", headers=bearer(club)).status_code == 404


def test_a_cross_site_settings_post_is_refused(stack: Stack, browser_client: httpx.Client) -> None:
    club = stack.new_club()
    base = f"/owner/{club['club_id']}"
    browser_client.post(f"{base}/login", data={"key": club["owner_key"]})
    attack = browser_client.post(f"{base}/settings.html", data={"stamps.reward_at": "1"},
                                 headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"})
    assert attack.status_code == 403
    assert stack.http.get(f"{base}/settings", headers=bearer(club)).json()["stamps"]["reward_at"] == 10


def test_figures_settings_poster_and_csv_after_real_orders(stack: Stack) -> None:
    club = stack.new_club()
    member = stack.new_member(club["club_id"])
    for total, email in (("300.00", member.contact), ("100.00", member.contact), ("50.00", None)):
        assert send_order(stack, club, order(total, email)).status_code == 200
    stack.wait_for_events_idle()
    base = f"/owner/{club['club_id']}"
    figures = stack.http.get(f"{base}/kpis", params={"month": "2026-11"}, headers=bearer(club)).json()
    assert (figures["average_basket_member"], figures["average_basket_non_member"]) == ("200.00", "50.00")
    assert figures["repeat_purchase_rate"] == 1.0 and figures["member_sales_share"] == 0.8889
    changed = stack.http.put(f"{base}/settings", json={"stamps": {"reward_at": 8}}, headers=bearer(club))
    assert changed.status_code == 200 and changed.json()["stamps"]["reward_at"] == 8
    bad = stack.http.put(f"{base}/settings", json={"stamps": {"reward_at": -1}}, headers=bearer(club))
    assert bad.status_code == 422 and "stamps.reward_at" in bad.json()["fields"]
    poster = stack.http.get(f"{base}/poster.svg", headers=bearer(club))
    assert poster.headers["content-type"].startswith("image/svg+xml") and "source=qr" in poster.text
    members = stack.http.get(f"{base}/members.csv", headers=bearer(club))
    assert members.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(members.text.lstrip("\ufeff"))))
    assert row["email"] == member.contact and row["consent_email"] == "yes"


def test_fifty_concurrent_orders_all_land_once_with_the_figures_right(stack: Stack) -> None:
    club = stack.new_club()
    members = [stack.new_member(club["club_id"]) for _ in range(2)]
    orders = [order("10.00", members[n % 2].contact) for n in range(20)] + [order("20.00") for _ in range(30)]
    switched = stack.http.post("/_local/faults", json={"service": "dynamodb", "mode": "transaction_conflict",
                                                       "failing": True})
    assert switched.status_code == 200
    answers: list[int] = []
    try:
        start = threading.Barrier(len(orders))

        def deliver(body: dict[str, Any]) -> None:
            with httpx.Client(base_url=stack.base_url, timeout=60.0) as client:
                start.wait()
                answers.append(send_order(stack, club, body, client).status_code)

        threads = [threading.Thread(target=deliver, args=(body,)) for body in orders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stack.wait_for_events_idle(timeout=60.0)
    finally:
        stack.http.post("/_local/faults", json={"service": "dynamodb", "mode": "transaction_conflict",
                                                "failing": False})
    assert answers == [200] * 50
    figures = stack.http.get(f"/owner/{club['club_id']}/kpis", params={"month": "2026-11"}, headers=bearer(club)).json()
    assert (figures["orders"], figures["sales"], figures["member_sales"]) == (50, "800.00", "200.00")
    assert figures["average_basket_non_member"] == "20.00" and figures["average_basket_member"] == "10.00"
    for member in members:
        me = stack.me(member)
        rewards = [c for c in me["coupons"] if c["kind"] == "reward"]
        assert (me["stamps"], me["points"], len(rewards)) == (0, 100, 1), "ten orders: ten stamps, one reward"
