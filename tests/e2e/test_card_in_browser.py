"""A signed Shopify webhook moves the member's card, as the member sees it in the browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.support import Stack
from tests.e2e.test_purchases_http import Shop

pytestmark = [pytest.mark.e2e, pytest.mark.chromium]


def test_a_shopify_order_puts_a_stamp_on_the_card_page(page: Any, stack: Stack) -> None:
    club = stack.new_club(locale="en")
    shop = Shop(stack, club)
    member = stack.new_member(club["club_id"])
    page.goto(member.card_path)
    assert page.locator("[data-stamps]").inner_text() == "0/10"
    assert page.locator(".stamp.on").count() == 0
    answer = shop.send("orders/paid", shop.order(member.contact, order_id=424242, subtotal="249.00", total="298.00"))
    assert answer.status_code == 200, answer.text
    stack.wait_for_events_idle()
    page.reload()
    assert page.locator("[data-stamps]").inner_text() == "1/10"
    assert page.locator(".stamp.on").count() == 1
    assert page.locator("[data-points]").inner_text() == "249"
    assert page.get_by_text("9 to your next reward").is_visible()


def test_points_from_an_order_buy_a_reward_on_the_card_page(page: Any, stack: Stack) -> None:
    club = stack.new_club(locale="en")
    shop = Shop(stack, club)
    member = stack.new_member(club["club_id"])
    page.goto(member.card_path)
    assert page.locator("[data-reward='discount-50'] button").is_disabled()  # 0 of 500 points
    answer = shop.send("orders/paid", shop.order(member.contact, order_id=515151, subtotal="620.00", total="620.00"))
    assert answer.status_code == 200, answer.text
    stack.wait_for_events_idle()
    page.reload()
    assert page.locator("[data-points]").inner_text() == "620"
    page.locator("[data-reward='discount-50'] button").click()
    page.wait_for_selector("[data-exchanged]")
    assert page.locator("[data-points]").inner_text() == "120"
    assert page.locator("[data-coupon][data-kind='reward']").count() == 1
    assert page.locator("[data-reward='discount-50'] button").is_disabled()
