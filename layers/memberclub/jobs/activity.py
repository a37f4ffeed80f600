"""Inactive marking for the churn figures: a member with no purchase for the club's
``activity.inactive_after_days`` (90) lapses (``lapsed`` in the month's figures); the next
purchase makes them active again (``became_active``, counted by the order).

The index lists members by the month of their last purchase (it moves once a month at most,
so an order rewrites no index entry each time), so the marking is at month granularity: a
member whose last purchase was in month M lapses on the first run more than N days after
the end of M. Each month's list is read once it is wholly past the cut-off; the members it
marks leave it, so the next days find it empty.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from memberclub.club import Club
from memberclub.jobs.services import JobServices

LOOK_BACK_MONTHS = 2  # a missed run's months are read by the next ones


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def mark_lapsed_members(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    cutoff = scheduled.astimezone(UTC) - timedelta(days=club.settings.activity.inactive_after_days)
    month = _month_before(cutoff.strftime("%Y-%m"))  # the last month wholly before the cut-off
    for _ in range(LOOK_BACK_MONTHS):
        for member in services.store.last_active_in(club.club_id, month):
            if services.store.mark_inactive(member, club.month_of(scheduled), scheduled):
                counts["lapsed"] += 1
        month = _month_before(month)
    return counts
