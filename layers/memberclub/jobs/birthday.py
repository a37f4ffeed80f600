"""The birthday job: each active member born on the club's date gets the club's birthday
coupon, one a year, and ``BirthdayGiftIssued`` (the messages function sends the greeting
under the member's consent). Members who gave no birthday are not in the index: nothing
happens to them and nothing fails."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from memberclub import clock
from memberclub.club import Club
from memberclub.coupons import issue_coupon
from memberclub.events import BirthdayGiftIssued, CouponIssued
from memberclub.jobs.calendar import birthday_keys
from memberclub.jobs.services import JobServices


def birthday_gifts_for(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    """Give ``day``'s birthday gifts of ``club``; the counts of what happened."""
    counts: Counter[str] = Counter()
    rule = club.settings.birthday_coupon
    if not rule.enabled:
        return counts
    store = services.store
    member_ids = [m for key in birthday_keys(day) for m in store.birthday_member_ids(club.club_id, key)]
    for member in store.members(club.club_id, member_ids):
        if member.status != "active":
            counts["skipped"] += 1
            continue
        # The gift is dated by the run's scheduled time, so a late run gives the same coupon dates.
        coupon = issue_coupon(club, member.member_id, "birthday", rule, issued=scheduled, cause=f"birthday#{day.year}")
        events = [
            BirthdayGiftIssued(club_id=club.club_id, idempotency_key=f"birthday#{member.member_id}#{day.year}",
                               occurred_at=clock.iso(scheduled), member_id=member.member_id, code=coupon.code,
                               year=day.year),
            CouponIssued(club_id=club.club_id, idempotency_key=f"coupon#{coupon.code}", occurred_at=coupon.issued_at,
                         member_id=member.member_id, code=coupon.code, kind=coupon.kind, expires_at=coupon.expires_at),
        ]
        given = store.give_birthday_gift(member, coupon, day.year, club.month_of(scheduled), events, scheduled)
        counts["gifts" if given else "already_given"] += 1
    return counts
