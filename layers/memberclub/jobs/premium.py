"""Premium whose period passed without a renewal: ended in the club's figures.

Stripe is the source of truth and normally says so itself (``customer.subscription.deleted``,
the premium webhook's ``premium-ended#<subscription>``). When it does not — a subscription
Stripe leaves ``unpaid`` after its retries, or an event that never came — the member's
premium has run out all the same (``premium_until`` passed: no double stamps, no badge), and
this step counts it ended under the same key, so whichever comes first counts once, and tells
the member (``premium_ended``). A renewal Stripe reports later takes the count back
(``premium.webhook``). The premium function lists each member's premium under the (UTC) day
it runs out; this reads the last few days' lists, never the members."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from memberclub import clock
from memberclub.club import Club
from memberclub.events import PremiumCancelled
from memberclub.jobs.services import JobServices
from memberclub.premium.state import ENDED  # Stripe said so itself: its deletion counted it

LOOK_BACK_DAYS = 2  # a missed day's run is made up by the next two (Stripe's own deletion by any)


def end_lapsed_premium(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    today = scheduled.astimezone(UTC).date()
    for back in range(LOOK_BACK_DAYS, -1, -1):
        listed = (today - timedelta(days=back)).isoformat()
        for member in services.store.premium_ends_due(club.club_id, listed):
            until, sub = member.premium_until, member.premium_subscription_id
            if (member.status != "active" or not until or not sub or member.premium_status in ENDED
                    or clock.parse_iso(until) > scheduled or member.premium_ended_counted == f"{sub}#{until}"):
                continue
            event = PremiumCancelled(club_id=club.club_id, idempotency_key=f"premium-ended#{sub}",
                                     occurred_at=clock.iso(scheduled), member_id=member.member_id,
                                     at_period_end=False)
            if services.store.end_premium(member, club.month_of(scheduled), [event], scheduled):
                counts["premium_ended"] += 1
    return counts
