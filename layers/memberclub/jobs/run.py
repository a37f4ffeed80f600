"""One run of a job as EventBridge Scheduler asked for it: every club whose local hour for
the job has come at the scheduled time, for that club's local date."""

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from memberclub.club import Club
from memberclub.errors import Invalid
from memberclub.jobs.activity import mark_lapsed_members
from memberclub.jobs.birthday import birthday_gifts_for
from memberclub.jobs.calendar import JOBS, Job, club_day, parse_scheduled_time
from memberclub.jobs.cleanup import remove_unconfirmed
from memberclub.jobs.expiry import expire_coupons, expiring_coupons_on, release_held_messages
from memberclub.jobs.onboarding import onboarding_steps_due
from memberclub.jobs.points import expire_points
from memberclub.jobs.premium import end_lapsed_premium
from memberclub.jobs.segments import segment_members
from memberclub.jobs.services import JobServices
from memberclub.jobs.tiers import review_tiers
from memberclub.observability import logger
from memberclub.records import Record

Step = Callable[[JobServices, Club, date, datetime], Counter[str]]

STEPS: dict[Job, tuple[Step, ...]] = {
    "birthday": (birthday_gifts_for,),
    "expiry": (release_held_messages, expiring_coupons_on, expire_coupons, remove_unconfirmed, mark_lapsed_members,
               expire_points, end_lapsed_premium, review_tiers, segment_members),
    "onboarding": (onboarding_steps_due,),
}


# What every answer counts, 0 included (other counts appear when they happen).
MAIN_COUNTS: dict[Job, tuple[str, ...]] = {
    "birthday": ("clubs", "gifts"),
    "expiry": ("clubs", "reminders", "expired"),
    "onboarding": ("clubs", "steps"),
}


class JobPayload(Record, kw_only=True):
    """What the schedule hands the function: ``{"job", "scheduled_time"}``."""

    job: Job
    scheduled_time: datetime


def parse_payload(event: Any) -> JobPayload:
    if not isinstance(event, dict) or event.get("job") not in JOBS:
        raise Invalid("Not a job's payload.", fields={"job": f"one of {', '.join(JOBS)}"})
    scheduled = event.get("scheduled_time")
    try:
        if not isinstance(scheduled, str):
            raise ValueError("the scheduled time, e.g. 2026-05-17T06:15:00Z")
        return JobPayload(job=event["job"], scheduled_time=parse_scheduled_time(scheduled))
    except ValueError as error:
        raise Invalid("Not a job's payload.", fields={"scheduled_time": str(error)}) from None


def run_job(services: JobServices, payload: JobPayload) -> dict[str, Any]:
    """Run ``payload.job`` for each club it is due for at the scheduled time; the counts."""
    counts: Counter[str] = Counter(dict.fromkeys(MAIN_COUNTS[payload.job], 0))
    for club_id in services.store.club_ids():
        club = services.store.club(club_id)
        day = club_day(payload.job, payload.scheduled_time, club.zone) if club else None
        if club is None or day is None:
            continue
        counts["clubs"] += 1
        for step in STEPS[payload.job]:
            counts.update(step(services, club, day, payload.scheduled_time))
        logger.info("job ran", extra={"job": payload.job, "club_id": club_id, "day": day.isoformat()})
    return {name: count for name, count in counts.items()}
