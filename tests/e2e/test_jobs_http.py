"""The scheduled jobs over HTTP, as an outside client drives them: `POST /_local/jobs/{job}`
with a date runs the job as the scheduler would; its messages reach the outbox under
consent; a second run for the date issues nothing; the till answers 410 after expiry."""

from __future__ import annotations

import httpx
import pytest

from .support import Stack, assert_error, link_to, path_of

pytestmark = pytest.mark.e2e


def run_job(stack: Stack, job: str, day: str) -> dict:
    response = stack.http.post(f"/_local/jobs/{job}", json={"date": day})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["job"] == job and answer["date"] == day
    return answer


def test_a_birthday_reaches_a_consenting_member_once_with_its_unsubscribe(stack: Stack, clock) -> None:
    clock("2031-01-05T12:00:00Z")
    club = stack.new_club()["club_id"]
    fan = stack.new_member(club, birthday="1992-04-03")
    shy = stack.new_member(club, birthday="04-03", consents={"email": False})
    stack.wait_for_events_idle()
    first = run_job(stack, "birthday", "2031-04-03")
    assert first["clubs"] >= 1 and first["gifts"] >= 2
    gift = stack.wait_for_message(fan.contact, "birthday")
    assert gift["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = link_to(gift["text"], "/unsubscribe/")
    assert stack.http.get(path_of(one_click)).status_code == 200  # a page with one button, not an unsubscribe
    second = run_job(stack, "birthday", "2031-04-03")
    assert second["gifts"] == 0
    stack.wait_for_events_idle()
    assert len(stack.messages(fan.contact, "birthday")) == 1
    assert stack.messages(shy.contact, "birthday") == [], "no consent, no marketing"
    kinds = [c["kind"] for c in stack.me(shy)["coupons"]]
    assert kinds.count("birthday") == 1, "the gift is on the card all the same"


def test_the_welcome_coupon_is_reminded_then_expires_and_the_till_says_410(stack: Stack, clock) -> None:
    clock("2031-02-01T10:00:00Z")
    created = stack.new_club()
    club, key = created["club_id"], created["owner_key"]
    member = stack.new_member(club)
    [welcome] = stack.me(member)["coupons"]
    stack.wait_for_events_idle()
    assert run_job(stack, "expiry", "2031-02-09")["reminders"] >= 1  # last day 11 February
    reminder = stack.wait_for_message(member.contact, "coupon_expiring")
    assert welcome["code"] in reminder["text"]
    assert run_job(stack, "expiry", "2031-02-12")["expired"] >= 1
    clock("2031-02-12T09:00:00Z")
    assert [c["status"] for c in stack.me(member)["coupons"]] == ["expired"]
    till = stack.http.post(f"/owner/{club}/redemptions", json={"code": welcome["code"]},
                           headers={"Authorization": f"Bearer {key}"})
    assert_error(till, 410)


def test_a_bad_date_is_422_and_an_unknown_job_404(api: httpx.Client) -> None:
    assert_error(api.post("/_local/jobs/birthday", json={"date": "03/04/2031"}), 422)
    assert_error(api.post("/_local/jobs/payroll", json={"date": "2031-04-03"}), 404)
