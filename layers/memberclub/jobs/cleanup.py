"""Clean-up: contacts who joined but never confirmed are removed once their confirmation
window (the link's 7 days and a day's margin) is over, so the club keeps no data of people
who never said yes. A new join meanwhile sent a new link: the member waits for that one."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from memberclub.clock import parse_iso
from memberclub.club import Club
from memberclub.jobs.services import JobServices

CONFIRMATION_WINDOW = timedelta(days=8)
LOOK_BACK_DAYS = 7  # a missed run's members are found by the next ones


def remove_unconfirmed(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    store = services.store
    due = [m for back in range(LOOK_BACK_DAYS) for m in store.pending_due(club.club_id,
                                                                            (day - timedelta(days=back)).isoformat())]
    for member in due:
        if member.status != "pending":
            continue
        last_link = parse_iso(member.confirmation_sent_at or member.created_at)
        if last_link + CONFIRMATION_WINDOW > scheduled:
            store.postpone_pending(member, (day + timedelta(days=1)).isoformat())
            continue
        if store.remove_pending(member):
            counts["pending_removed"] += 1
    return counts
