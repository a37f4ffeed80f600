"""When a job serves a club, and which days it reads: plain date logic, no storage.

Each job runs daily at its local hour (a quarter past) in each of the deployment's job time
zones (``-c job_time_zones``, Europe/Oslo unless told): one schedule per job and zone, which
Scheduler keeps at that local hour through the DST changes. A run at ``scheduled`` serves
each club whose local hour at that moment is the job's hour, for the club's local date then:
so one Oslo schedule also serves the clubs of Copenhagen, Stockholm or Berlin, whose clocks
are Oslo's. A club may only choose a zone that one of the schedules serves (``zone_served``):
its jobs would never run otherwise. Every local date has exactly one such hour, DST changes
included (European clocks change at night, not in the morning), so each club is served once
a day; 3 runs a day for a zone, against 72 for hourly schedules in UTC (a cold start each).
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
SCHEDULE_MINUTE = 15  # a quarter past the hour
# How far ahead ``zone_served`` compares two zones' clocks: past the next DST rule change
# anyone has announced.
ZONE_CHECK_DAYS = 2 * 366

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


def daily_cron(job: Job) -> str:
    """Scheduler's cron fields for ``job``: daily at its local hour, in the schedule's zone."""
    return f"{SCHEDULE_MINUTE} {LOCAL_HOUR[job]} * * ? *"


def zone_served(zone: str, schedule_zones: tuple[str, ...], today: date) -> bool:
    """Whether the daily schedules in ``schedule_zones`` serve a club in ``zone``: on every day
    from ``today`` on (``ZONE_CHECK_DAYS``), each job's local hour in ``zone`` falls at the
    same moment as in one of them (the same clock, DST changes included)."""
    if zone in schedule_zones:
        return True
    club_zone, zones = ZoneInfo(zone), [ZoneInfo(name) for name in schedule_zones]
    hours = sorted(set(LOCAL_HOUR.values()))
    for offset in range(ZONE_CHECK_DAYS):
        day = today + timedelta(days=offset)
        for hour in hours:
            wall = time(hour, SCHEDULE_MINUTE)
            moment = datetime.combine(day, wall, tzinfo=club_zone)
            if not any(datetime.combine(day, wall, tzinfo=other) == moment for other in zones):
                return False
    return True


def unserved_zone(zone: str, schedule_zones: tuple[str, ...] | None, today: date) -> str | None:
    """Why a club cannot take ``zone``, or None: its jobs would never run there. None for
    any zone when ``schedule_zones`` is None (the local stack replays every hour)."""
    if schedule_zones is None or zone_served(zone, schedule_zones, today):
        return None
    return (f"the club's jobs (birthday gifts, reminders) run on {', '.join(schedule_zones)} time in this "
            f"installation, and {zone} keeps another clock: deploy with -c job_time_zones="
            f"{','.join(schedule_zones)},{zone} first")


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
