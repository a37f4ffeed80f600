"""The expiry job: a reminder ``expiry_reminder_days`` before a coupon's last day
(``CouponExpiring``; for the 10-day welcome coupon it is the onboarding's day-8 message) and,
for coupons whose last day has passed, ``expired`` and ``CouponExpired``.

The till does not wait for this job: a coupon past ``expires_at`` is refused (410) by the
clock. The job makes the status, the owner's count and the event follow. It looks back a
week for coupons a missed run left behind, so a late run catches up.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from memberclub import clock
from memberclub.club import Club
from memberclub.events import CouponExpired, CouponExpiring, HeldMessageDue
from memberclub.jobs.calendar import expiry_index_day
from memberclub.jobs.services import JobServices

LOOK_BACK_DAYS = 7


def expiring_coupons_on(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    """Remind members of coupons whose last day is ``expiry_reminder_days`` after ``day``."""
    counts: Counter[str] = Counter()
    days = club.settings.expiry_reminder_days
    if days <= 0:
        return counts
    store = services.store
    for coupon in store.coupons_expiring(club.club_id, expiry_index_day(day + timedelta(days=days), club.zone)):
        if coupon.status_at(scheduled) != "issued":
            continue
        event = CouponExpiring(club_id=club.club_id, idempotency_key=f"expiring#{coupon.code}",
                               occurred_at=clock.iso(scheduled), member_id=coupon.member_id, code=coupon.code,
                               kind=coupon.kind, expires_at=coupon.expires_at)
        counts["reminders" if store.remind_coupon(coupon, [event], scheduled) else "already_reminded"] += 1
    return counts


def expire_coupons(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    """Mark the coupons whose last day was before ``day`` expired (a week back)."""
    counts: Counter[str] = Counter()
    store = services.store
    for back in range(1, LOOK_BACK_DAYS + 1):
        for coupon in store.coupons_expiring(club.club_id, expiry_index_day(day - timedelta(days=back), club.zone)):
            if coupon.status != "issued" or coupon.status_at(scheduled) != "expired":
                continue
            event = CouponExpired(club_id=club.club_id, idempotency_key=f"expired#{coupon.code}",
                                  occurred_at=clock.iso(scheduled), member_id=coupon.member_id, code=coupon.code,
                                  kind=coupon.kind)
            if store.expire_coupon(coupon, club.month_of(scheduled), [event], scheduled):
                counts["expired"] += 1
    return counts


def release_held_messages(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    """The marketing SMS held through the night go now: the morning run (after the quiet
    hours) releases those held until ``day`` (the messages function sends each once)."""
    counts: Counter[str] = Counter()
    store = services.store
    # Yesterday's too, in case that morning's run was missed (older ones are stale: they expire).
    due = [held for back in (1, 0) for held in store.held_messages_due(club.club_id,
                                                                      (day - timedelta(days=back)).isoformat())]
    for held_id, member_id in due:
        event = HeldMessageDue(club_id=club.club_id, idempotency_key=f"released#{held_id}",
                               occurred_at=clock.iso(scheduled), member_id=member_id, held_id=held_id)
        if store.release_held_message(club.club_id, held_id, [event], scheduled):
            counts["released"] += 1
    return counts
