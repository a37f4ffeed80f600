"""Buying premium from outside: the member's API, the local Stripe checkout page (whose form
sends signed events to POST /webhooks/stripe), /api/me, the portal page and the browser."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from memberclub_infra.local.stripe import sign
from tests.e2e.support import Stack, assert_error, path_of

pytestmark = pytest.mark.e2e


def test_checkout_local_page_webhook_and_api_me(stack: Stack) -> None:
    member = stack.new_member()
    assert stack.me(member)["premium"] == {"active": False, "until": None}
    assert_error(stack.http.get("/premium/portal", headers=member.auth), 409, "not_premium")
    checkout = stack.http.post("/premium/checkout", headers=member.auth)
    assert checkout.status_code == 200, checkout.text
    page_path = path_of(checkout.json()["url"])
    assert page_path.startswith("/_local/stripe/checkout/cs_test_")
    page = stack.http.get(page_path)
    assert page.status_code == 200 and "Local Stripe stand-in" in page.text and "199.00 NOK / year" in page.text
    paid = stack.http.post(page_path)  # the form: Stripe's signed events reach POST /webhooks/stripe
    # Back on the member's premium page, by a return token: Stripe never holds the card's own token.
    back = paid.headers["location"]
    assert paid.status_code == 303 and back.endswith("/premium?checkout=success") and member.token not in back
    returned = stack.http.get(path_of(back))
    assert returned.status_code == 200 and f"/card/{member.token}" in returned.text
    premium = stack.me(member)["premium"]
    assert premium["active"] is True and premium["until"].endswith("Z")
    # Already premium: the portal, not a second subscription; its page cancels at the period's end.
    portal = stack.http.post("/premium/checkout", headers=member.auth).json()["url"]
    assert "/_local/stripe/portal/" in portal
    assert stack.http.post(path_of(portal)).status_code == 303
    page = stack.http.get(f"/card/{member.token}/premium")
    assert page.status_code == 200 and "data-premium-ends" in page.text
    assert stack.me(member)["premium"]["active"] is True  # to the end of the paid period


def test_the_webhook_refuses_a_bad_signature_with_400(stack: Stack) -> None:
    body = json.dumps({"id": "evt_forged", "object": "event", "type": "customer.subscription.deleted",
                       "data": {"object": {"id": "sub_x"}}}).encode()
    for signature in (sign(body, "whsec_not_ours"), "", "t=1,v1=00"):
        answer = stack.http.post("/webhooks/stripe", content=body,
                                 headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
        assert_error(answer, 400)


def test_premium_routes_want_a_member_token(stack: Stack) -> None:
    assert_error(stack.http.post("/premium/checkout"), 401)
    assert_error(stack.http.get("/premium/portal", headers={"Authorization": "Bearer nope"}), 401)


@pytest.mark.chromium
def test_buying_premium_in_the_browser_shows_the_badge_on_the_card(page: Any, stack: Stack) -> None:
    member = stack.new_member()
    page.goto(member.card_path)
    assert page.locator("[data-premium]").inner_text() == "–"
    page.click("[data-premium-link]")
    assert "pris kr 199,00/år" in page.locator("[data-value-headline]").inner_text()
    page.click("[data-premium-action]")
    page.click("[data-pay]")
    page.wait_for_url("**/premium?checkout=success")
    deadline = time.monotonic() + 5
    while page.locator("[data-premium-until]").count() == 0 and time.monotonic() < deadline:
        page.reload()
    assert page.locator("[data-premium-until]").count() == 1
    page.goto(member.card_path)
    assert page.locator("[data-premium]").inner_text() == "✓"
