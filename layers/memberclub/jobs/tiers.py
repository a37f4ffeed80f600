"""The tier review: a tier is reached at once by an order (promotion) and lost only here,
when the member's spend (or visits) of the last twelve months no longer reaches it.

A promotion lists the member for review in the month their earliest counted spend leaves
the twelve-month window; only then can the tier fall. The review reads that month's list
(and the month before, for a missed run), never the members: each member listed is read,
their window rolled to the club's current month, and the tier kept (the review moves on to
the next month that can change it), lowered (``TierChanged``, ``tier_demotions`` in the
month's figures) or removed with the review. A second run finds the list moved on.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from memberclub import clock
from memberclub.club import Club
from memberclub.events import TierChanged
from memberclub.jobs.activity import month_before
from memberclub.jobs.services import JobServices
from memberclub.loyalty import rules


def review_tiers(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    store, tiers = services.store, club.settings.tiers
    month = day.strftime("%Y-%m")
    for listed in (month_before(month), month):
        for member in store.tier_reviews_due(club.club_id, listed):
            spend, visits = rules.rolling(member.spend_by_month, month), rules.rolling(member.visits_by_month, month)
            reached = rules.tier_for(tiers, sum(spend.values()), sum(visits.values()))
            active = member.status == "active" and member.tier is not None
            # Never up here (a promotion comes with its order), only down to what is reached.
            tier = reached if active and rules.tier_rank(tiers, reached) < rules.tier_rank(tiers, member.tier) \
                else member.tier
            next_review = rules.tier_review_month(spend, visits) if active and tier is not None else None
            if next_review is not None and next_review <= month:
                next_review = None  # nothing in the window: nothing left to fall
            events = [TierChanged(club_id=club.club_id, idempotency_key=f"tier#{member.member_id}#{listed}",
                                  occurred_at=clock.iso(scheduled), member_id=member.member_id, tier=tier,
                                  previous=member.tier)] if tier != member.tier else []
            if store.review_tier(member, tier, next_review, listed, club.month_of(scheduled), events, scheduled):
                counts["tiers_lowered" if tier != member.tier else "tiers_kept"] += 1
    return counts
