"""The jobs' date logic and use cases with an in-memory store: which clubs a run serves
(each at its local hour, DST included), leap-day birthdays, expiry days, and that a second
run for a date issues nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from memberclub.club import Club
from memberclub.club_rules import ClubSettings
from memberclub.coupons import Coupon, issue_coupon
from memberclub.errors import Invalid
from memberclub.events import EventDetail
from memberclub.jobs.calendar import (
    JOBS,
    LOCAL_HOUR,
    birthday_keys,
    club_day,
    daily_cron,
    expiry_index_day,
    hourly_runs,
    runs_for,
    unserved_zone,
    zone_served,
)
from memberclub.jobs.run import parse_payload, run_job
from memberclub.jobs.services import JobServices, OnboardingAgenda
from memberclub.members import Member

OSLO = ZoneInfo("Europe/Oslo")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- calendar ---------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "keys"), [
    (date(2027, 2, 28), ["02-28", "02-29"]),  # common year: the leap-day born celebrate today
    (date(2028, 2, 28), ["02-28"]),  # leap year: they wait a day
    (date(2028, 2, 29), ["02-29"]),
    (date(2100, 2, 28), ["02-28", "02-29"]),  # 2100 is no leap year
    (date(2027, 3, 1), ["03-01"]),
])
def test_birthday_keys_put_29_february_on_28_february_in_common_years(day, keys):
    assert birthday_keys(day) == keys


@pytest.mark.parametrize("zone", [OSLO, COPENHAGEN])
@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25), date(2026, 7, 1), date(2026, 12, 1)])
def test_each_club_is_served_exactly_once_a_day_across_dst_changes(zone, day):
    """29 March and 25 October 2026 are the days the clocks change in Oslo and Copenhagen."""
    served = [moment for moment in hourly_runs(day) if club_day("birthday", moment, zone) == day]
    assert len(served) == 1 and served[0].astimezone(zone).hour == 8


def test_a_run_serves_only_clubs_whose_hour_has_come():
    moment = utc("2026-12-01T07:15:00")  # 08:15 in Oslo, 02:15 in New York
    assert club_day("birthday", moment, OSLO) == date(2026, 12, 1)
    assert club_day("birthday", moment, ZoneInfo("America/New_York")) is None
    assert club_day("onboarding", moment, OSLO) is None  # onboarding runs at 10
    assert runs_for("birthday", date(2026, 7, 1), {"Europe/Oslo"}) == [utc("2026-07-01T06:15:00")]


def test_the_daily_schedules_fire_at_each_jobs_local_hour_and_serve_the_zones_with_the_same_clock():
    assert [daily_cron(job) for job in JOBS] == ["15 8 * * ? *", "15 8 * * ? *", "15 10 * * ? *"]
    # What Scheduler's cron(15 8 * * ? *) in Europe/Oslo fires at is the one run runs_for replays.
    for day in (date(2026, 3, 29), date(2026, 7, 1), date(2026, 10, 25), date(2026, 12, 1)):
        for job in JOBS:
            fired = datetime(day.year, day.month, day.day, LOCAL_HOUR[job], 15, tzinfo=OSLO).astimezone(UTC)
            assert runs_for(job, day, {"Europe/Oslo"}) == [fired]
            assert club_day(job, fired, COPENHAGEN) == day  # Oslo's run serves Copenhagen's clubs
    today = date(2026, 12, 3)
    assert zone_served("Europe/Copenhagen", ("Europe/Oslo",), today)
    assert zone_served("Europe/Berlin", ("Europe/Oslo",), today)
    assert not zone_served("Europe/London", ("Europe/Oslo",), today)  # an hour apart
    assert not zone_served("Europe/Helsinki", ("Europe/Oslo",), today)
    # Same offset in winter, no summer time: the check looks across the DST changes too.
    assert not zone_served("Africa/Lagos", ("Europe/Oslo",), today)
    assert zone_served("Europe/Helsinki", ("Europe/Oslo", "Europe/Helsinki"), today)
    assert unserved_zone("Asia/Tokyo", None, today) is None
    assert "job_time_zones=Europe/Oslo,Asia/Tokyo" in unserved_zone("Asia/Tokyo", ("Europe/Oslo",), today)


def test_the_expiry_index_day_is_the_utc_date_of_the_last_second():
    assert expiry_index_day(date(2026, 12, 12), OSLO) == "2026-12-12"  # 22:59:59Z
    assert expiry_index_day(date(2026, 12, 12), ZoneInfo("America/New_York")) == "2026-12-13"  # 04:59:59Z


def test_a_payload_without_a_zone_or_for_no_job_is_refused():
    assert parse_payload({"job": "expiry", "scheduled_time": "2026-12-01T07:15:00Z"}).scheduled_time == utc(
        "2026-12-01T07:15:00")
    for bad in ({"job": "nightly", "scheduled_time": "2026-12-01T07:15:00Z"},
                {"job": "expiry", "scheduled_time": "2026-12-01T07:15:00"}, {"job": "expiry"}, []):
        with pytest.raises(Invalid):
            parse_payload(bad)


# --- use cases with a fake store --------------------------------------------------------


class FakeStore:
    def __init__(self, club: Club):
        self._club = club
        self.members_by_id: dict[str, Member] = {}
        self.coupons: dict[str, Coupon] = {}
        self.gifts: set[tuple[str, int]] = set()
        self.reminded: set[str] = set()
        self.agendas: dict[str, OnboardingAgenda] = {}
        self.events: list[EventDetail] = []
        self.listed: dict[str, str] = {}  # member id → the month the expiry index lists them under
        self.reviews: dict[str, str] = {}  # member id → the month of their tier review
        self.segments: dict | None = None  # the key-customer snapshot
        self.points_listed: dict[str, str] = {}  # member id → the month their points expire

    def club_ids(self) -> list[str]:
        return [self._club.club_id]

    def club(self, club_id: str) -> Club | None:
        return self._club if club_id == self._club.club_id else None

    def members(self, club_id: str, member_ids: Sequence[str]) -> list[Member]:
        return [self.members_by_id[m] for m in member_ids if m in self.members_by_id]

    def birthday_member_ids(self, club_id: str, month_day: str) -> list[str]:
        return [m.member_id for m in self.members_by_id.values() if m.birthday and m.birthday[-5:] == month_day]

    def give_birthday_gift(self, member, coupon, year, month, events, now) -> bool:
        if (member.member_id, year) in self.gifts:
            return False
        self.gifts.add((member.member_id, year))
        self.coupons[coupon.code] = coupon
        self.events += events
        return True

    def coupons_by_code(self, club_id: str, codes: Sequence[str]) -> list[Coupon]:
        return [self.coupons[c] for c in codes if c in self.coupons]

    def coupons_expiring(self, club_id: str, index_day: str) -> list[Coupon]:
        return [c for c in self.coupons.values() if c.status == "issued" and c.expires_at[:10] == index_day]

    def remind_coupon(self, coupon, events, now) -> bool:
        if coupon.code in self.reminded:
            return False
        self.reminded.add(coupon.code)
        self.events += events
        return True

    def expire_coupon(self, coupon, month, events, now) -> bool:
        if self.coupons[coupon.code].status != "issued":
            return False
        self.coupons[coupon.code] = coupon.replace(status="expired")
        self.events += events
        return True

    def pending_due(self, club_id: str, day: str) -> list[Member]:
        return []

    def last_active_in(self, club_id: str, month: str) -> list[Member]:
        return [m for m in self.members_by_id.values() if self.listed.get(m.member_id, m.last_purchase_at[:7]
                                                                          if m.last_purchase_at else None) == month
                and not m.inactive_since]

    def mark_inactive(self, member, listed, month, now, points_expire=None) -> bool:
        if self.members_by_id[member.member_id].inactive_since:
            return False
        self.members_by_id[member.member_id] = member.replace(inactive_since="x")
        if points_expire:
            self.points_listed[member.member_id] = points_expire
        return True

    def points_expiring(self, club_id: str, month: str) -> list[Member]:
        return [self.members_by_id[m] for m, listed in self.points_listed.items() if listed == month]

    def expire_points(self, member, listed, month, now) -> bool:
        if self.points_listed.get(member.member_id) != listed:
            return False
        del self.points_listed[member.member_id]
        self.members_by_id[member.member_id] = member.replace(points=0)
        return True

    def premium_ends_due(self, club_id: str, day: str) -> list[Member]:
        return [m for m in self.members_by_id.values() if m.premium_until and m.premium_until[:10] == day]

    def end_premium(self, member, month, events, now) -> bool:
        if self.members_by_id[member.member_id].premium_ended_counted:
            return False
        self.members_by_id[member.member_id] = member.replace(
            premium_ended_counted=f"{member.premium_subscription_id}#{member.premium_until}")
        self.events += events
        return True

    def club_members(self, club_id: str):
        return iter(list(self.members_by_id.values()))

    def segments_month(self, club_id: str):
        return self.segments["month"] if self.segments else None

    def save_segments(self, club_id: str, snapshot) -> None:
        self.segments = snapshot

    def tier_reviews_due(self, club_id: str, month: str) -> list[Member]:
        return [self.members_by_id[m] for m, listed in self.reviews.items() if listed == month]

    def review_tier(self, member, tier, next_review, listed, month, events, now) -> bool:
        if self.reviews.get(member.member_id) != listed:
            return False
        if next_review:
            self.reviews[member.member_id] = next_review
        else:
            del self.reviews[member.member_id]
        self.members_by_id[member.member_id] = member.replace(tier=tier)
        self.events += events
        return True

    def relist_active(self, member, listed) -> bool:
        self.listed[member.member_id] = (member.last_active_at or member.last_purchase_at)[:7]
        return True

    def held_messages_due(self, club_id: str, day: str) -> list[tuple[str, str]]:
        return []

    def release_held_message(self, club_id, held_id, events, now) -> bool:
        return True

    def onboarding_due(self, club_id: str, day: str) -> list[OnboardingAgenda]:
        return [a for a in self.agendas.values()
                if (date.fromisoformat(a.first_day).toordinal() + a.step_day) == date.fromisoformat(day).toordinal()]

    def advance_onboarding(self, agenda, next_day, next_step_day, events, now) -> bool:
        current = self.agendas.get(agenda.member_id)
        if current is None or current.step_day != agenda.step_day:
            return False
        if next_step_day is None:
            del self.agendas[agenda.member_id]
        else:
            self.agendas[agenda.member_id] = agenda.replace(step_day=next_step_day)
        self.events += events
        return True


CLUB = Club(club_id="demo", name="Bakeri")


def member(member_id: str, **fields) -> Member:
    return Member(club_id="demo", member_id=member_id, created_at="2026-01-01T00:00:00Z", **({"status": "active"} | fields))


def run(store: FakeStore, job: str, moment: str) -> dict:
    """The counts that are not 0."""
    answer = run_job(JobServices(store=store), parse_payload({"job": job, "scheduled_time": moment}))
    return {name: count for name, count in answer.items() if count}


def test_every_answer_counts_the_jobs_main_figures_even_when_0():
    store = FakeStore(CLUB)
    for job, moment, counts in [("birthday", "2026-12-01T07:15:00Z", {"clubs": 1, "gifts": 0}),
                                ("expiry", "2026-12-01T07:15:00Z", {"clubs": 1, "reminders": 0, "expired": 0}),
                                ("onboarding", "2026-12-01T03:15:00Z", {"clubs": 0, "steps": 0})]:
        assert run_job(JobServices(store=store), parse_payload({"job": job, "scheduled_time": moment})) == counts


def test_a_second_birthday_run_for_a_date_issues_nothing():
    store = FakeStore(CLUB)
    store.members_by_id = {"a": member("a", birthday="1990-12-01"), "b": member("b", birthday="--12-01"),
                           "c": member("c"), "d": member("d", birthday="1990-12-02"),
                           "e": member("e", birthday="1990-12-01", status="erased")}
    first = run(store, "birthday", "2026-12-01T07:15:00Z")
    assert first == {"clubs": 1, "gifts": 2, "skipped": 1}
    assert sorted(e.member_id for e in store.events if e.DETAIL_TYPE == "BirthdayGiftIssued") == ["a", "b"]
    assert run(store, "birthday", "2026-12-01T07:15:00Z") == {"clubs": 1, "already_given": 2, "skipped": 1}
    assert run(store, "birthday", "2026-12-01T08:15:00Z") == {}, "not the club's hour: nothing"
    [coupon, _] = store.coupons.values()
    assert coupon.kind == "birthday" and coupon.expires_at == "2026-12-31T22:59:59Z"  # 30 days, to the day's end


def test_expiry_reminds_once_and_expires_once():
    store = FakeStore(CLUB)
    coupon = issue_coupon(CLUB, "a", "welcome", CLUB.settings.welcome_coupon, issued=utc("2026-12-01T10:00:00"),
                          cause="welcome")  # last day 11 December
    store.coupons[coupon.code] = coupon
    assert run(store, "expiry", "2026-12-08T07:15:00Z") == {"clubs": 1}
    assert run(store, "expiry", "2026-12-09T07:15:00Z") == {"clubs": 1, "reminders": 1}
    assert run(store, "expiry", "2026-12-09T07:15:00Z") == {"clubs": 1, "already_reminded": 1}
    assert run(store, "expiry", "2026-12-11T07:15:00Z") == {"clubs": 1}
    assert run(store, "expiry", "2026-12-14T07:15:00Z") == {"clubs": 1, "expired": 1}  # late: it looks back
    assert run(store, "expiry", "2026-12-14T07:15:00Z") == {"clubs": 1}
    assert [e.DETAIL_TYPE for e in store.events] == ["CouponExpiring", "CouponExpired"]


def test_onboarding_steps_once_each_and_nothing_for_a_member_who_left():
    store = FakeStore(CLUB)
    store.members_by_id = {"a": member("a"), "b": member("b", status="erased")}
    store.agendas = {m: OnboardingAgenda(club_id="demo", member_id=m, first_day="2026-12-01", step_day=2)
                     for m in ("a", "b")}
    assert run(store, "onboarding", "2026-12-03T09:15:00Z") == {"clubs": 1, "steps": 1, "skipped": 1}
    assert list(store.agendas) == ["a"] and store.agendas["a"].step_day == 5
    assert run(store, "onboarding", "2026-12-03T09:15:00Z") == {"clubs": 1}
    # No welcome coupon to speak of: the first-benefit step is skipped, and the agenda ends.
    assert run(store, "onboarding", "2026-12-06T09:15:00Z") == {"clubs": 1, "skipped": 1}
    assert store.agendas == {}
    assert [(e.member_id, e.step) for e in store.events] == [("a", "card")]


def test_a_member_lapses_after_the_days_without_a_purchase_at_month_granularity():
    store = FakeStore(CLUB)
    store.members_by_id = {"a": member("a", last_purchase_at="2026-08-31T18:00:00Z"),
                           "b": member("b", last_purchase_at="2026-09-01T08:00:00Z")}
    # 90 days after 31 August is 29 November; the whole of August is past the cut-off on 30 November.
    assert run(store, "expiry", "2026-11-29T07:15:00Z").get("lapsed") is None
    assert run(store, "expiry", "2026-11-30T07:15:00Z")["lapsed"] == 1
    assert run(store, "expiry", "2026-12-01T07:15:00Z").get("lapsed") is None
    assert run(store, "expiry", "2026-12-31T07:15:00Z")["lapsed"] == 1  # September's


def test_a_redemption_the_list_had_not_followed_keeps_the_member_active_and_lists_them_again():
    store = FakeStore(CLUB)
    # Listed under August (an old entry); a coupon redeemed in October counts as activity.
    store.members_by_id = {"a": member("a", last_purchase_at="2026-08-31T18:00:00Z",
                                       last_active_at="2026-10-05T12:00:00Z")}
    assert run(store, "expiry", "2026-11-30T07:15:00Z")["still_active"] == 1
    assert store.listed == {"a": "2026-10"} and not store.members_by_id["a"].inactive_since
    # 90 days after the end of October.
    assert run(store, "expiry", "2027-01-29T07:15:00Z").get("lapsed") is None
    assert run(store, "expiry", "2027-01-30T07:15:00Z")["lapsed"] == 1


def test_a_tier_falls_only_when_the_spend_that_reached_it_leaves_the_twelve_months():
    store = FakeStore(CLUB)
    # Silver from 2,000.00: 2,500 in January 2026 reached it; 1,000 in June 2026 alone does not.
    store.members_by_id = {
        "a": member("a", tier="silver", spend_by_month={"2026-01": 250_000, "2026-06": 100_000}),
        "b": member("b", tier="silver", spend_by_month={"2026-01": 250_000, "2026-06": 250_000}),
    }
    store.reviews = {"a": "2027-01", "b": "2027-01"}
    assert run(store, "expiry", "2026-12-31T07:15:00Z").get("tiers_lowered") is None  # not due yet
    assert run(store, "expiry", "2027-01-01T07:15:00Z") == {"clubs": 1, "tiers_lowered": 1, "tiers_kept": 1}
    assert store.members_by_id["a"].tier is None and store.members_by_id["b"].tier == "silver"
    # a: nothing left to review; b: June's spend carries the tier until June 2027.
    assert store.reviews == {"b": "2027-06"}
    (changed,) = store.events
    assert (changed.member_id, changed.tier, changed.previous) == ("a", None, "silver")
    assert run(store, "expiry", "2027-01-02T07:15:00Z").get("tiers_lowered") is None  # the list moved on
    assert run(store, "expiry", "2027-06-01T06:15:00Z")["tiers_lowered"] == 1  # 08:15 in Oslo, summer time
    assert store.members_by_id["b"].tier is None and store.reviews == {}


def test_gold_falls_to_the_silver_still_reached_and_a_missed_month_is_caught_up():
    store = FakeStore(CLUB)
    store.members_by_id = {"c": member("c", tier="gold", spend_by_month={"2026-02": 300_000, "2026-09": 250_000})}
    store.reviews = {"c": "2027-02"}
    assert run(store, "expiry", "2027-03-01T07:15:00Z")["tiers_lowered"] == 1  # February's run was missed
    assert store.members_by_id["c"].tier == "silver" and store.reviews == {"c": "2027-09"}


def test_a_promotion_lists_the_member_for_review_when_its_spend_leaves_the_window():
    from memberclub.loyalty.rules import tier_review_month

    assert tier_review_month({"2026-03": 10, "2026-12": 5}, {"2026-02": 0}) == "2027-03"
    assert tier_review_month({}, {"2026-05": 1}) == "2027-05"
    assert tier_review_month({"2026-05": 0}, {}) is None


def test_key_customers_are_segmented_once_a_month_from_the_profiled_members_only():
    store = FakeStore(CLUB)
    profiled = {"profiling": True}
    store.members_by_id = {
        # frequent and big, active: champions; frequent, small: loyal; one visit: occasional
        "a": member("a", consents=profiled, visits_by_month={"2026-11": 10}, spend_by_month={"2026-11": 500_000},
                    last_active_at="2026-11-28T10:00:00Z"),
        "b": member("b", consents=profiled, visits_by_month={"2026-11": 10}, spend_by_month={"2026-11": 50_000},
                    last_active_at="2026-11-25T10:00:00Z"),
        "c": member("c", consents=profiled, visits_by_month={"2026-10": 1}, spend_by_month={"2026-10": 10_000},
                    last_active_at="2026-10-30T10:00:00Z"),
        # idle 60 days: at risk; idle half a year: lapsed (their spend has left the window too)
        "d": member("d", consents=profiled, visits_by_month={"2026-10": 12}, spend_by_month={"2026-10": 900_000},
                    last_active_at="2026-10-02T10:00:00Z"),
        "e": member("e", consents=profiled, last_active_at="2026-06-01T10:00:00Z"),
        "f": member("f", visits_by_month={"2026-11": 30}, last_active_at="2026-11-30T10:00:00Z"),  # no consent
    }
    assert run(store, "expiry", "2026-12-01T07:15:00Z")["segmented"] == 5
    snapshot = store.segments
    assert snapshot["month"] == "2026-12" and snapshot["members"] == 5
    assert snapshot["segments"] == {"champions": 1, "loyal": 1, "occasional": 1, "at_risk": 1, "lapsed": 1}
    assert sum(map(sum, snapshot["grid"])) == 5 and snapshot["grid"][0][0] == 1  # e: no visits
    assert snapshot["median_visits"] == "10"
    # The rest of the month reads nothing more.
    assert run(store, "expiry", "2026-12-02T07:15:00Z").get("segmented") is None


def test_the_segment_map_draws_every_cell():
    from memberclub.loyalty.segments import MemberPoint, segment_snapshot
    from memberclub.owner.charts import segment_map

    points = [MemberPoint(v, v * 10_000, 3) for v in range(0, 40, 3)]
    snapshot = segment_snapshot(CLUB, points, "2026-12", datetime(2026, 12, 1, tzinfo=UTC))
    svg = segment_map(snapshot, "NOK")
    assert svg.count("<rect") == 7 * 5 and "visits" in svg and sum(map(sum, snapshot["grid"])) == len(points)


def test_points_expire_only_where_the_club_says_so_months_after_the_last_activity():
    months12 = Club(club_id="demo", name="Bakeri", settings=ClubSettings.parse(
        {"points": {"expire_after_months": 12}}))
    store = FakeStore(months12)
    store.members_by_id = {"a": member("a", points=340, last_purchase_at="2026-08-20T18:00:00Z"),
                           "b": member("b", points=0, last_purchase_at="2026-08-21T18:00:00Z")}
    assert run(store, "expiry", "2026-11-30T07:15:00Z")["lapsed"] == 2  # August is 90 days past
    assert store.points_listed == {"a": "2027-08"}  # nothing to lose for b
    assert run(store, "expiry", "2027-07-31T06:15:00Z").get("points_expired") is None
    assert run(store, "expiry", "2027-08-01T06:15:00Z")["points_expired"] == 340
    assert store.members_by_id["a"].points == 0 and store.points_listed == {}
    # The default: points never expire.
    keep = FakeStore(CLUB)
    keep.members_by_id = {"a": member("a", points=340, last_purchase_at="2026-08-20T18:00:00Z")}
    run(keep, "expiry", "2026-11-30T07:15:00Z")
    assert keep.points_listed == {}


def test_premium_that_ran_out_without_a_renewal_is_counted_ended_once():
    store = FakeStore(CLUB)
    store.members_by_id = {
        "a": member("a", premium_until="2026-12-01T10:00:00Z", premium_subscription_id="sub_a",
                    premium_status="unpaid"),
        "b": member("b", premium_until="2026-12-01T10:00:00Z", premium_subscription_id="sub_b",
                    premium_status="canceled"),  # Stripe's deletion counted it
        "c": member("c", premium_until="2027-12-01T10:00:00Z", premium_subscription_id="sub_c",
                    premium_status="active"),
    }
    assert run(store, "expiry", "2026-12-01T07:15:00Z").get("premium_ended") is None  # not yet run out
    assert run(store, "expiry", "2026-12-02T07:15:00Z")["premium_ended"] == 1
    (ended,) = [e for e in store.events if e.DETAIL_TYPE == "PremiumCancelled"]
    assert (ended.member_id, ended.idempotency_key, ended.at_period_end) == ("a", "premium-ended#sub_a", False)
    assert store.members_by_id["a"].premium_ended_counted == "sub_a#2026-12-01T10:00:00Z"
    assert run(store, "expiry", "2026-12-03T07:15:00Z").get("premium_ended") is None  # once
