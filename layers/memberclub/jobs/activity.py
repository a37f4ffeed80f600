"""Inactive marking for the churn figures: a member with no purchase or redemption for the
club's ``activity.inactive_after_days`` (90) lapses (``lapsed`` in the month's figures); the
next purchase or redemption makes them active again (``became_active``).

The index lists members by the month of their last purchase or redemption (it moves once a
month at most, so an order rewrites no index entry each time), so the marking is at month
granularity: a member last active in month M lapses on the first run more than N days after
the end of M. Each month's list is read once it is wholly past the cut-off; the members it
marks leave it, so the next days find it empty.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from memberclub.clock import parse_iso
from memberclub.club import Club
from memberclub.jobs.services import JobServices
from memberclub.members import Member

LOOK_BACK_MONTHS = 2  # a missed run's months are read by the next ones


def month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def months_after(month: str, count: int) -> str:
    year, number = int(month[:4]), int(month[5:7]) - 1 + count
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def points_expiry_month(club: Club, member: Member, last_active_month: str, this_month: str) -> str | None:
    """When a lapsing member's points go, if the club lets points expire and they have any
    (this month at the earliest: a club may lapse members later than their points expire)."""
    months = club.settings.points.expire_after_months
    return max(months_after(last_active_month, months), this_month) if months and member.points > 0 else None


def mark_lapsed_members(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    cutoff = scheduled.astimezone(UTC) - timedelta(days=club.settings.activity.inactive_after_days)
    month = month_before(cutoff.strftime("%Y-%m"))  # the last month wholly before the cut-off
    this_month = scheduled.astimezone(UTC).strftime("%Y-%m")
    for _ in range(LOOK_BACK_MONTHS):
        for member in services.store.last_active_in(club.club_id, month):
            last = member.last_active_at or member.last_purchase_at
            if last and parse_iso(last) >= cutoff:
                # Active since (a redemption the list had not followed): listed again, under
                # the month of that activity, for a later run to look at.
                counts["still_active" if services.store.relist_active(member, month) else "moved"] += 1
            elif services.store.mark_inactive(member, month, club.month_of(scheduled), scheduled,
                                              points_expire=points_expiry_month(club, member, month,
                                                                                this_month)):
                counts["lapsed"] += 1
        month = month_before(month)
    return counts
