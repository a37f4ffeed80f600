"""Points expiry, only where the club sets it (``points.expire_after_months``; off by
default: in Denmark earned points are a claim that lasts three years, so a shorter expiry is
unwise there). Points go after that many months without a purchase or redemption: when the
expiry job marks a member lapsed it lists them under the month their points go, and a
purchase or redemption before then lists them as active again, so the points stay. The job
reads only that month's list (and the month before, for a missed run)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from memberclub.club import Club
from memberclub.jobs.activity import month_before
from memberclub.jobs.services import JobServices


def expire_points(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    if not club.settings.points.expire_after_months:
        return counts
    month = scheduled.astimezone(UTC).strftime("%Y-%m")  # the listing's months are UTC's, as the lapse's
    for listed in (month_before(month), month):
        for member in services.store.points_expiring(club.club_id, listed):
            if member.status != "active" or not member.inactive_since or member.points <= 0:
                continue
            if services.store.expire_points(member, listed, club.month_of(scheduled), scheduled):
                counts["points_expired"] += member.points
    return counts
