"""When a job serves a club, and which days it reads: plain date logic, no storage.

Clubs and their time zones are created at run time, while schedules are fixed at deploy, so
each job has one hourly schedule (at a quarter past, in UTC): a run at ``scheduled`` serves
each club whose local hour at that moment is the job's hour, for the club's local date then.
Every local date has exactly one such hour, DST changes included (European clocks change at
night, not in the morning), so each club is served once a day.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Job = Literal["birthday", "expiry", "onboarding"]
JOBS: tuple[Job, ...] = ("birthday", "expiry", "onboarding")

# The local hour each job serves a club at: after the quiet hours (21–08), so the messages
# a job causes go out in the morning, not in the night.
LOCAL_HOUR: dict[Job, int] = {"birthday": 8, "expiry": 8, "onboarding": 10}
SCHEDULE_MINUTE = 15  # a quarter past every hour, UTC

# Onboarding: day 0 is the welcome (sent at confirmation), day 8 the expiry job's own
# reminder of the welcome coupon. The sweep sends these steps.
ONBOARDING_STEPS: dict[int, str] = {2: "card", 5: "first_benefit"}


@dataclass(frozen=True)
class JobRun:
    """A job's run as the scheduler asked for it."""

    job: Job
    scheduled: datetime  # UTC


def club_day(job: Job, scheduled: datetime, zone: ZoneInfo) -> date | None:
    """The club's local date this run serves, or None when it is not the job's hour there."""
    local = scheduled.astimezone(zone)
    return local.date() if local.hour == LOCAL_HOUR[job] else None


def hourly_runs(day: date) -> list[datetime]:
    """The hourly scheduled times at which some time zone (UTC−12 … UTC+14) has a job's hour
    on ``day``: what ``memberclub jobs run --date`` and ``POST /_local/jobs/{job}`` replay."""
    first = datetime.combine(day - timedelta(days=1), time(0, SCHEDULE_MINUTE), tzinfo=UTC)
    return [first + timedelta(hours=hour) for hour in range(48)]


def runs_for(job: Job, day: date, zones: set[str]) -> list[datetime]:
    """Of ``hourly_runs(day)``, those that serve ``day`` in one of ``zones``."""
    return [moment for moment in hourly_runs(day)
            if any(club_day(job, moment, ZoneInfo(zone)) == day for zone in zones)]


def birthday_keys(day: date) -> list[str]:
    """The ``MM-DD`` birthdays celebrated on ``day``: 29 February falls on 28 February in a
    year without one."""
    keys = [day.strftime("%m-%d")]
    if day.month == 2 and day.day == 28 and not gregorian.isleap(day.year):
        keys.append("02-29")
    return keys


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The last second of ``day`` in ``zone``, in UTC: a coupon's ``expires_at`` when that is
    its last day (``coupons.coupon_expiry``)."""
    start_next = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return (start_next - timedelta(seconds=1)).astimezone(UTC)


def expiry_index_day(day: date, zone: ZoneInfo) -> str:
    """The expiry index's day of coupons whose last day is the local ``day`` (the index is
    keyed by the UTC date of ``expires_at``)."""
    return end_of_day(day, zone).date().isoformat()


def parse_scheduled_time(text: str) -> datetime:
    """Scheduler's ``<aws.scheduler.scheduled-time>``: ``2026-05-17T06:15:00Z``."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("the scheduled time needs its zone (Z)")
    return moment.astimezone(UTC)
