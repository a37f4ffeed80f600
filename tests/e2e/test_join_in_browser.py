"""Joining in a real browser: headless Chromium driven by Playwright, against the local stack.

A person scans the QR code (``/join/demo?source=qr``), fills in the form, opens the link
from the mail, follows it to the card and sees the welcome coupon there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .support import Stack, link_to, path_of, token_of

pytestmark = [pytest.mark.e2e, pytest.mark.chromium]


def test_join_confirm_and_find_the_welcome_coupon_on_the_card(page: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    email = stack.new_email("browser")
    response = page.goto("/join/demo?source=qr")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("Bli medlem i Demo Bakeri")

    page.locator("input[name=email]").fill(email)
    page.locator("input[name=consent_email]").check()
    page.get_by_role("button", name="Bli medlem").click()
    expect(page.locator("h1")).to_have_text("Sjekk innboksen din")
    expect(page.locator("p.lead")).to_contain_text("@example.com")

    confirmation = stack.wait_for_message(email, "confirmation")
    confirmed = page.goto(link_to(confirmation["text"], "/confirm/"))
    assert confirmed is not None and confirmed.status == 200
    expect(page.locator("h1")).to_have_text("Velkommen i Demo Bakeri!")

    page.get_by_role("link", name="Åpne medlemskortet").click()
    expect(page).to_have_url(re.compile(r"/card/[A-Za-z0-9_-]+$"))
    expect(page.locator("h1")).to_have_text("Medlemskort")

    welcome = stack.wait_for_message(email, "welcome")
    card_path = path_of(link_to(welcome["text"], "/card/"))
    assert path_of(page.url) == card_path, "the page's card and the mail's card are the same"
    auth = {"Authorization": f"Bearer {token_of(card_path)}"}
    me = stack.http.get("/api/me", headers=auth).json()
    code = next(c["code"] for c in me["coupons"] if c["kind"] == "welcome")
    assert code in welcome["text"]
    coupon = page.locator(f'[data-coupon="{code}"]')
    expect(coupon).to_be_visible()
    expect(coupon).to_contain_text(code)
    expect(coupon).to_contain_text("10 % rabatt")
    expect(page.locator("[data-card-code]")).to_have_text(me["card_code"])
    expect(page.locator("[data-stamps]")).to_have_text("0/10")

    export = stack.http.get("/api/me/export", headers=auth)
    assert export.json()["profile"]["source"] == "qr", "the QR code's source is recorded"
    assert export.json()["consents"]["email"]["granted"] is True


def test_a_bad_email_shows_the_fields_error(page: Any, stack: Stack) -> None:
    from playwright.sync_api import expect

    page.goto("/join/demo?source=qr&lang=en")
    page.locator("input[name=email]").fill("not-an-address")
    page.locator("input[name=consent_sms]").check()
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Join").click()
    assert navigation.value is not None and navigation.value.status == 422
    expect(page.locator("#email-error")).to_have_text("This does not look like an e-mail address.")
    expect(page.locator("input[name=email]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=email]")).to_have_value("not-an-address")
    expect(page.locator("input[name=consent_sms]")).to_be_checked()
    expect(page.locator("[role=alert]")).to_be_visible()

    # corrected, it goes through
    email = stack.new_email("browser")
    page.locator("input[name=email]").fill(email)
    page.get_by_role("button", name="Join").click()
    expect(page.locator("h1")).to_have_text("Check your inbox")
    assert stack.wait_for_message(email, "confirmation")["subject"] == "Confirm your membership of Demo Bakeri"


def test_the_language_links_switch_the_page(page: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/join/demo?source=qr")
    page.get_by_role("link", name="Dansk").click()
    expect(page.locator("h1")).to_have_text("Bliv medlem af Demo Bakeri")
    assert "source=qr" in page.url, "the source survives the switch"
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Join Demo Bakeri")
    expect(page.locator("label.check").first).to_contain_text("Yes, Demo Bakeri may send me offers")
