"""The owner in a real browser: logs in with the key, reads the dashboard, changes a setting
through the form, and logs out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.support import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.chromium]


def test_the_owner_logs_in_reads_the_figures_and_changes_a_setting(page: Any, stack: Stack) -> None:
    club = stack.new_club()
    base = f"/owner/{club['club_id']}"
    response = page.goto(base)
    assert response.status == 401
    page.fill("#key", club["owner_key"])
    page.click("button[type=submit]")
    page.wait_for_url(f"**{base}")
    assert page.locator("h1").inner_text() == "Your club this month"
    assert page.locator("svg.chart").count() >= 9
    assert page.locator('[data-kpi="members"]').first.inner_text() == "0"
    page.click("text=Settings")
    page.wait_for_url(f"**{base}/settings.html")
    page.fill('[id="stamps.reward_at"]', "8")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{base}/settings.html?saved=1")
    assert page.locator('[id="stamps.reward_at"]').input_value() == "8"
    assert page.get_by_text("stamps", exact=False).count() > 0
    api = stack.http.get(f"{base}/settings", headers={"authorization": f"Bearer {club['owner_key']}"})
    assert api.json()["stamps"]["reward_at"] == 8
    page.fill('[id="stamps.reward_at"]', "zero")
    page.click("button[type=submit]")
    assert page.locator('[data-field="stamps.reward_at"]').inner_text() == "a whole number"
    page.goto(base)
    page.click("text=Log out")
    page.wait_for_url(f"**{base}")
    assert page.locator("#key").is_visible()


def test_the_owner_finds_a_member_reads_their_page_and_erases_them_on_request(page: Any, stack: Stack) -> None:
    club = stack.new_club(locale="en")
    member = stack.new_member(club["club_id"])
    base = f"/owner/{club['club_id']}"
    page.goto(base)
    page.fill("#key", club["owner_key"])
    page.click("button[type=submit]")
    page.wait_for_url(f"**{base}")
    page.click("nav.owner >> text=Members")
    page.fill("input[name=q]", member.contact)
    page.click("text=Find")
    page.click(f"text={member.contact}")
    page.wait_for_selector("[data-member]")
    assert page.locator("[data-stamps]").inner_text() == "0"
    page.on("dialog", lambda dialog: dialog.accept())  # "Erase this member for good?"
    page.click("text=Erase this member")
    page.wait_for_selector("[data-erased]")
    assert stack.http.get(member.card_path).status_code == 401  # their card is gone with them
