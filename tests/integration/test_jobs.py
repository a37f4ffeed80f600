"""The scheduled jobs against the local store: run as the scheduler would on a date (the
hourly runs that serve it in each club's zone), twice for a date issues once, birthdays
from the birthday index (29 February on 28 February in common years), reminders and expiry
(the till's 410), the onboarding steps and when they are skipped, and the messages they
cause under consent."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest

from memberclub import clock, wiring
from memberclub.storage import keys
from memberclub.storage.stats import StatsStore
from tests.integration.test_signup import confirmed_member, join, link_in, member_item, unique_email
from tests.samples import http_event, response_json, served_by

pytestmark = pytest.mark.integration


class JobClub:
    """A fresh club with its owner key; members join and confirm at the test's clock."""

    def __init__(self, harness: Any, **fields: Any):
        self.harness = harness
        self.id = f"j{uuid.uuid4().hex[:10]}"
        self.owner_key = harness.stack.create_club({"club_id": self.id, "name": "Testbakeriet"} | fields).owner_key

    def member(self, *, birthday: str | None = None, consents: dict[str, bool] | None = None,
               phone: str | None = None) -> tuple[str, str]:
        """(e-mail or phone, member id) of a confirmed member."""
        email = phone or unique_email()
        body: dict[str, Any] = {"phone" if phone else "email": email,
                                "consents": consents if consents is not None else {"sms" if phone else "email": True}}
        if birthday:
            body["birthday"] = birthday
        assert join(self.harness, self.id, **body)["statusCode"] == 202
        self.harness.deliver(self.harness.published())
        token = link_in(self.harness.outbox(email)[-1], "confirm")
        assert self.harness.signup(http_event("signup/confirm", token=token))["statusCode"] == 200
        self.harness.deliver(self.harness.published())
        me = self.me(self.token_of(email))
        return email, me["member_id"]

    def token_of(self, email: str) -> str:
        return link_in(self.harness.outbox(email)[-1], "card")

    def me(self, token: str) -> dict[str, Any]:
        return response_json(self.harness.signup(http_event("signup/me", token=token)))

    def events(self, detail_type: str) -> list[dict[str, Any]]:
        """This club's events of ``detail_type`` published since the last look (once each; all
        of them handed to the messages function)."""
        published = self.harness.published()
        self.harness.deliver(published)
        unique = {d.event_id: d for d in published}.values()
        return [d.event["detail"] for d in unique
                if d.detail_type == detail_type and d.event["detail"]["club_id"] == self.id]

    def redeem(self, code: str) -> dict[str, Any]:
        event = http_event("owner/redemption", club=self.id, owner_key=self.owner_key, body={"code": code})
        return self.harness.stack.functions.invoke(served_by(event), event)

    def stats(self, month: str) -> dict[str, int]:
        return StatsStore(wiring.table()).month(self.id, month)


def run(harness: Any, job: str, day: str) -> dict[str, Any]:
    return harness.stack.run_job(job, date.fromisoformat(day))


def at(text: str) -> None:
    clock.set_now(datetime.fromisoformat(text).replace(tzinfo=UTC))


# --- birthday ---------------------------------------------------------------------------


def test_a_birthday_gives_one_gift_a_year_and_a_message_under_consent(harness):
    at("2030-01-10T12:00:00")
    club = JobClub(harness)
    email, member_id = club.member(birthday="1990-05-17")
    quiet_email, quiet_id = club.member(birthday="05-17", consents={"email": False})
    club.member()  # no birthday: nothing, and no error
    harness.published()
    first = run(harness, "birthday", "2030-05-17")
    assert first["job"] == "birthday" and first["date"] == "2030-05-17" and first["gifts"] >= 2
    gifts = club.events("BirthdayGiftIssued")
    assert sorted(g["member_id"] for g in gifts) == sorted([member_id, quiet_id])
    assert {g["year"] for g in gifts} == {2030}
    [message] = [m for m in harness.outbox(email) if m["kind"] == "birthday"]
    assert "/unsubscribe/" in message["text"] and message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "15 %" in message["text"]
    assert [m for m in harness.outbox(quiet_email) if m["kind"] == "birthday"] == [], "no consent: no marketing"
    coupons = [c for c in club.me(club.token_of(email))["coupons"] if c["kind"] == "birthday"]
    assert len(coupons) == 1 and coupons[0]["value"] == {"type": "percent", "percent": 15}
    assert club.stats("2030-05")["birthday_gifts"] == club.stats("2030-05")["coupons_issued_birthday"] == 2

    again = run(harness, "birthday", "2030-05-17")  # a retried or repeated run
    assert club.events("BirthdayGiftIssued") == [] and again.get("gifts", 0) == 0
    assert len([c for c in club.me(club.token_of(email))["coupons"] if c["kind"] == "birthday"]) == 1
    assert club.stats("2030-05")["birthday_gifts"] == 2
    run(harness, "birthday", "2031-05-17")  # next year: the next gift
    assert sorted(g["year"] for g in club.events("BirthdayGiftIssued")) == [2031, 2031]


def test_a_leap_day_birthday_falls_on_28_february_in_common_years(harness):
    at("2030-01-11T12:00:00")
    club = JobClub(harness)
    _, member_id = club.member(birthday="2000-02-29")
    harness.published()
    run(harness, "birthday", "2031-02-28")  # common year
    assert [g["member_id"] for g in club.events("BirthdayGiftIssued")] == [member_id]
    run(harness, "birthday", "2032-02-28")  # leap year: not yet
    assert club.events("BirthdayGiftIssued") == []
    run(harness, "birthday", "2032-02-29")
    assert [(g["member_id"], g["year"]) for g in club.events("BirthdayGiftIssued")] == [(member_id, 2032)]


def test_a_club_in_another_zone_is_served_on_its_own_date(harness):
    at("2030-01-12T12:00:00")
    club = JobClub(harness, timezone="America/New_York", currency="USD", locale="en")
    _, member_id = club.member(birthday="1985-03-09")
    harness.published()
    answer = run(harness, "birthday", "2030-03-09")
    assert answer["clubs"] >= 1
    assert [g["member_id"] for g in club.events("BirthdayGiftIssued")] == [member_id]


# --- expiry -----------------------------------------------------------------------------


def test_a_coupon_is_reminded_before_its_last_day_then_expires_and_the_till_says_410(harness):
    at("2030-06-01T10:00:00")  # the welcome coupon: 10 days, to the end of 11 June (Oslo)
    club = JobClub(harness)
    email, member_id = club.member()
    [welcome] = club.me(club.token_of(email))["coupons"]
    harness.published()

    run(harness, "expiry", "2030-06-08")
    assert club.events("CouponExpiring") == []
    run(harness, "expiry", "2030-06-09")  # two days before the last day
    [reminder] = club.events("CouponExpiring")
    assert (reminder["member_id"], reminder["code"], reminder["kind"]) == (member_id, welcome["code"], "welcome")
    [message] = [m for m in harness.outbox(email) if m["kind"] == "coupon_expiring"]
    assert welcome["code"] in message["text"] and "/unsubscribe/" in message["text"]
    run(harness, "expiry", "2030-06-09")
    assert club.events("CouponExpiring") == [], "one reminder, however often the job runs"

    run(harness, "expiry", "2030-06-11")  # its last day: still usable
    assert club.events("CouponExpired") == []
    run(harness, "expiry", "2030-06-12")
    [expired] = club.events("CouponExpired")
    assert expired["code"] == welcome["code"]
    run(harness, "expiry", "2030-06-12")
    assert club.events("CouponExpired") == []
    at("2030-06-12T09:00:00")
    assert [c["status"] for c in club.me(club.token_of(email))["coupons"]] == ["expired"]
    assert club.redeem(welcome["code"])["statusCode"] == 410
    assert club.stats("2030-06")["coupons_expired"] == 1


def test_a_used_coupon_gets_no_reminder_and_does_not_expire(harness):
    at("2030-07-01T10:00:00")
    club = JobClub(harness)
    email, _ = club.member()
    [welcome] = club.me(club.token_of(email))["coupons"]
    assert club.redeem(welcome["code"])["statusCode"] == 200
    harness.published()
    run(harness, "expiry", "2030-07-09")
    run(harness, "expiry", "2030-07-12")
    assert club.events("CouponExpiring") == [] and club.events("CouponExpired") == []


# --- onboarding -------------------------------------------------------------------------


def test_onboarding_sends_day_2_and_day_5_once_each(harness):
    at("2030-08-01T10:00:00")
    club = JobClub(harness)
    email, member_id = club.member()
    harness.published()
    run(harness, "onboarding", "2030-08-02")
    assert club.events("OnboardingStepDue") == []
    run(harness, "onboarding", "2030-08-03")
    [card] = club.events("OnboardingStepDue")
    assert (card["member_id"], card["step"], card["day"]) == (member_id, "card", 2)
    run(harness, "onboarding", "2030-08-03")
    assert club.events("OnboardingStepDue") == []
    run(harness, "onboarding", "2030-08-06")
    [benefit] = club.events("OnboardingStepDue")
    assert (benefit["step"], benefit["day"]) == ("first_benefit", 5)
    kinds = [m["kind"] for m in harness.outbox(email)]
    assert kinds == ["confirmation", "welcome", "onboarding", "onboarding"]
    assert all("/unsubscribe/" in m["text"] for m in harness.outbox(email) if m["kind"] == "onboarding")
    run(harness, "onboarding", "2030-08-06")
    assert club.events("OnboardingStepDue") == []
    assert wiring.table().get(keys.onboarding_agenda(club.id, member_id)) is None, "done: the agenda is gone"


def test_onboarding_skips_the_first_benefit_once_the_coupon_is_used_and_sends_nothing_without_consent(harness):
    at("2030-09-01T10:00:00")
    club = JobClub(harness)
    email, _ = club.member()
    quiet_email, quiet_id = club.member(consents={"email": False})
    [welcome] = club.me(club.token_of(email))["coupons"]
    assert club.redeem(welcome["code"])["statusCode"] == 200
    harness.published()
    run(harness, "onboarding", "2030-09-03")
    assert len(club.events("OnboardingStepDue")) == 2
    run(harness, "onboarding", "2030-09-06")
    # The used welcome coupon is not the first benefit any more; the other member's still is
    # (the step is due, and the messages function finds no consent for it).
    assert [e["member_id"] for e in club.events("OnboardingStepDue") if e["step"] == "first_benefit"] == [quiet_id]
    assert [m["kind"] for m in harness.outbox(email)].count("onboarding") == 1
    assert [m["kind"] for m in harness.outbox(quiet_email)].count("onboarding") == 0


# --- clean-up ----------------------------------------------------------------------------


def test_a_contact_who_never_confirms_is_removed_after_the_window_and_may_join_anew(harness, table):
    at("2030-11-01T10:00:00")
    club = JobClub(harness)
    early, late = unique_email(), unique_email()
    for email in (early, late):
        assert join(harness, club.id, email=email)["statusCode"] == 202
    harness.deliver(harness.published())
    at("2030-11-06T10:00:00")  # the second joins again: a new link, a new window
    assert join(harness, club.id, email=late)["statusCode"] == 202
    harness.deliver(harness.published())
    pending = {email: member_item(table, club.id, email) for email in (early, late)}
    assert all(item and item["status"] == "pending" for item in pending.values())
    at("2030-11-10T07:00:00")
    assert run(harness, "expiry", "2030-11-10")["pending_removed"] >= 1
    assert member_item(table, club.id, early) is None, "gone with its contact index"
    assert table.get(keys.member(club.id, pending[early]["member_id"])) is None
    assert member_item(table, club.id, late)["status"] == "pending", "its newest link is still valid"
    assert run(harness, "expiry", "2030-11-10").get("pending_removed", 0) == 0
    at("2030-11-16T07:00:00")
    run(harness, "expiry", "2030-11-16")
    assert member_item(table, club.id, late) is None
    assert join(harness, club.id, email=early)["statusCode"] == 202  # a new member, a new link
    harness.deliver(harness.published())
    assert member_item(table, club.id, early)["member_id"] != pending[early]["member_id"]


# --- activity ----------------------------------------------------------------------------


def test_a_member_without_purchases_lapses_once_and_a_purchase_makes_them_active_again(harness, table):
    from tests.integration.test_loyalty import paid

    at("2031-03-10T12:00:00")
    club = JobClub(harness)
    _, member_id = club.member()
    assert harness.stack.functions.invoke("stamps", paid(club.id, "L1", member_id))["status"] == "applied"
    harness.published()
    at("2031-06-20T07:00:00")  # 90 days after the end of March has not come yet
    run(harness, "expiry", "2031-06-20")
    assert table.get(keys.member(club.id, member_id)).get("inactive_since") is None
    at("2031-07-02T07:00:00")
    assert run(harness, "expiry", "2031-07-02")["lapsed"] >= 1
    assert table.get(keys.member(club.id, member_id))["inactive_since"]
    run(harness, "expiry", "2031-07-03")
    assert club.stats("2031-07")["lapsed"] == 1, "lapsed once, however often the job runs"
    assert harness.stack.functions.invoke("stamps", paid(club.id, "L2", member_id))["status"] == "applied"
    profile = table.get(keys.member(club.id, member_id))
    assert profile.get("inactive_since") is None and profile["expiry_pk"] == "EXP#2031-07"
    assert club.stats("2031-07")["became_active"] == 1


def test_a_redemption_is_activity_a_member_lapses_only_after_the_days_since_it(harness, table):
    from tests.integration.test_loyalty import paid

    at("2031-03-10T12:00:00")
    club = JobClub(harness, settings={"welcome_coupon": {"valid_days": 120}})
    email, member_id = club.member()
    assert harness.stack.functions.invoke("stamps", paid(club.id, "R1", member_id))["status"] == "applied"
    welcome = next(c for c in club.me(club.token_of(email))["coupons"] if c["kind"] == "welcome")
    at("2031-05-05T12:00:00")
    assert club.redeem(welcome["code"])["statusCode"] == 200
    assert table.get(keys.member(club.id, member_id))["expiry_pk"] == "EXP#2031-05"  # listed by the redemption
    at("2031-07-02T07:00:00")  # March is past the 90 days, May is not: still active
    run(harness, "expiry", "2031-07-02")
    assert table.get(keys.member(club.id, member_id)).get("inactive_since") is None
    at("2031-09-01T07:00:00")
    run(harness, "expiry", "2031-09-01")
    assert table.get(keys.member(club.id, member_id))["inactive_since"]
    assert club.stats("2031-09")["lapsed"] == 1


# --- tiers -------------------------------------------------------------------------------


def test_a_tier_reached_by_an_order_falls_when_its_spend_leaves_the_twelve_months(harness, table):
    from tests.integration.test_loyalty import paid

    at("2031-01-15T12:00:00")
    club = JobClub(harness)
    email, member_id = club.member()
    stamps = harness.stack.functions.invoke
    assert stamps("stamps", paid(club.id, "T1", member_id, "2500.00"))["status"] == "applied"
    assert club.me(club.token_of(email))["tier"] == "silver"  # promoted at once
    review = table.get(keys.tier_review(club.id, member_id))
    assert review["month"] == "2032-01" and review["expiry_pk"] == "EXP#2032-01"
    at("2031-06-10T12:00:00")
    assert stamps("stamps", paid(club.id, "T2", member_id, "1000.00"))["status"] == "applied"
    at("2031-12-31T07:00:00")
    assert run(harness, "expiry", "2031-12-31").get("tiers_lowered", 0) == 0
    at("2032-01-01T07:00:00")  # January 2031 has left the window: 1,000.00 is under Silver
    assert run(harness, "expiry", "2032-01-01")["tiers_lowered"] == 1
    assert club.me(club.token_of(email))["tier"] is None
    assert table.get(keys.tier_review(club.id, member_id)) is None
    assert [(e["tier"], e["previous"]) for e in club.events("TierChanged")] == [(None, "silver")]
    assert club.stats("2032-01")["tier_demotions"] == 1
    assert run(harness, "expiry", "2032-01-02").get("tiers_lowered", 0) == 0  # once


# --- quiet hours -------------------------------------------------------------------------


def test_a_marketing_sms_at_night_is_held_until_the_morning_a_service_sms_is_not(harness):
    at("2030-10-09T19:30:00")  # 21:30 in Oslo (summer time): a confirmation SMS at the counter goes at once
    club = JobClub(harness)
    phone = f"+4790{uuid.uuid4().int % 1_000_000:06d}"
    _, member_id = club.member(phone=phone, birthday="1990-10-10")
    assert [m["kind"] for m in harness.outbox(phone)] == ["confirmation", "welcome"]
    harness.published()
    run(harness, "birthday", "2030-10-10")  # the gift at 08:15 …
    at("2030-10-10T20:30:00")  # … but its message delivered at 22:30 (a late retry)
    [gift] = club.events("BirthdayGiftIssued")
    assert gift["member_id"] == member_id
    assert [m["kind"] for m in harness.outbox(phone)] == ["confirmation", "welcome"], "held, not sent"
    at("2030-10-11T06:20:00")
    assert run(harness, "expiry", "2030-10-11")["released"] >= 1  # the morning run releases it
    club.events("HeldMessageDue")
    run(harness, "expiry", "2030-10-11")
    club.events("HeldMessageDue")
    sent = [m for m in harness.outbox(phone) if m["kind"] == "birthday"]
    assert len(sent) == 1 and "/unsubscribe/" in sent[0]["text"] and sent[0]["html"] is None


def test_an_unknown_job_is_not_run(harness):
    from memberclub_infra.declaration import jobs

    assert set(jobs()) == {"birthday", "expiry", "onboarding"}
    with pytest.raises(KeyError):
        run(harness, "nightly", "2030-01-01")


def test_a_bad_payload_fails_loudly_for_the_dead_letter_queue(harness):
    from memberclub.errors import Invalid

    with pytest.raises(Invalid):
        harness.stack.functions.invoke("jobs", {"job": "birthday", "scheduled_time": "yesterday"})


_ = confirmed_member  # the shared helper stays importable from here


# --- key customers -------------------------------------------------------------------------


def test_the_first_expiry_run_of_a_month_segments_the_profiled_members_for_the_dashboard(harness):
    from tests.integration.test_loyalty import paid
    from tests.samples import response_json, response_text

    at("2031-04-10T12:00:00")
    club = JobClub(harness)
    _, regular = club.member(consents={"email": True, "profiling": True})
    club.member(consents={"email": True, "profiling": True})  # joined, never bought
    _, private = club.member(consents={"email": True})  # no profiling: not in the map
    for n, who in enumerate((regular, regular, private)):
        assert harness.stack.functions.invoke("stamps", paid(club.id, f"S{n}", who, "300.00"))["status"] == "applied"
    at("2031-05-01T07:00:00")
    assert run(harness, "expiry", "2031-05-01")["segmented"] == 2
    assert run(harness, "expiry", "2031-05-02").get("segmented", 0) == 0  # once a month
    owner_event = http_event("owner/segments", club=club.id, owner_key=club.owner_key)
    snapshot = response_json(harness.stack.functions.invoke("owner", owner_event))
    assert snapshot["month"] == "2031-05" and snapshot["members"] == 2
    assert snapshot["segments"]["champions"] == 1 and snapshot["segments"]["lapsed"] == 1
    page = response_text(harness.stack.functions.invoke(
        "owner", http_event("owner/dashboard", club=club.id, owner_key=club.owner_key)))
    assert 'data-segment="champions">1<' in page and "Members by visits and spend" in page


# --- points expiry -------------------------------------------------------------------------


def test_where_the_club_lets_points_expire_they_go_months_after_the_last_purchase(harness, table):
    from tests.integration.test_loyalty import paid

    at("2031-03-10T12:00:00")
    club = JobClub(harness, settings={"points": {"expire_after_months": 6}})
    email, member_id = club.member()
    assert harness.stack.functions.invoke("stamps", paid(club.id, "X1", member_id, "300.00"))["status"] == "applied"
    at("2031-07-02T07:00:00")
    run(harness, "expiry", "2031-07-02")  # lapsed: listed for the points expiry in September
    assert table.get(keys.member(club.id, member_id))["expiry_pk"] == "EXP#2031-09"
    at("2031-08-31T07:00:00")
    assert run(harness, "expiry", "2031-08-31").get("points_expired", 0) == 0
    at("2031-09-01T07:00:00")
    assert run(harness, "expiry", "2031-09-01")["points_expired"] == 300
    assert run(harness, "expiry", "2031-09-02").get("points_expired", 0) == 0  # once
    assert club.me(club.token_of(email))["points"] == 0
    lines = table.query(keys.member_pk(club.id, member_id), sk_prefix="LEDGER#")
    assert [(line["kind"], line["points"]) for line in lines][-1] == ("expired", -300)
    assert club.stats("2031-09")["points_expired"] == 300
