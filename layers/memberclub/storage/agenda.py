"""The small index entries the scheduled jobs read by day, written with their causes: the
onboarding agenda (with the confirmation), a pending member's clean-up day (with the join)
and a member's month of last purchase (with each order). Item shapes only; ``storage.jobs``
reads them.

The onboarding agenda is one small item in the member's partition (``SK = ONBOARDING``),
listed in the expiry index under the local date of its next step (``EXP#<day>``,
``onboarding#<club>#<member>``): the sweep reads one day's entries.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from memberclub.coupons import Coupon
from memberclub.jobs.calendar import ONBOARDING_STEPS
from memberclub.jobs.services import OnboardingAgenda
from memberclub.members import Member
from memberclub.storage import keys
from memberclub.storage.table import Item


def onboarding_agenda_item(agenda: OnboardingAgenda, day: str) -> Item:
    """The agenda item, listed in the expiry index under ``day`` (its next step's date)."""
    return (keys.onboarding_agenda(agenda.club_id, agenda.member_id) | {"type": "onboarding"}
            | agenda.to_data(drop_none=True)
            | keys.expiry_index_keys(day, "onboarding", agenda.club_id, agenda.member_id))


# A pending contact's confirmation link lasts 7 days; the clean-up waits one more.
PENDING_WINDOW = timedelta(days=8)


def pending_day(member: Member) -> str:
    """The (UTC) day after which a pending member whose last link went out at
    ``confirmation_sent_at`` (else ``created_at``) may be removed."""
    sent = datetime.fromisoformat((member.confirmation_sent_at or member.created_at).replace("Z", "+00:00"))
    return (sent + PENDING_WINDOW + timedelta(days=1)).date().isoformat()  # the day after it ends


def pending_entry(member: Member, not_before: str = "") -> Item:
    """The pending member's entry in the expiry index (on the profile itself)."""
    return keys.expiry_index_keys(max(pending_day(member), not_before), "pending", member.club_id, member.member_id)


def activity_entry(member: Member) -> Item:
    """A member's entry in the expiry index by the (UTC) month of the last purchase or
    redemption, on the profile: it moves once a month at most, so an order rewrites no index
    entry each time. A pending member keeps its clean-up entry until it confirms."""
    last = member.last_active_at or member.last_purchase_at
    if member.status != "active" or not last or member.inactive_since:
        return {}  # a lapsed member's refund does not list them again: the next purchase does
    return keys.expiry_index_keys(last[:7], "active", member.club_id, member.member_id)


def tier_review_item(club_id: str, member_id: str, month: str) -> Item:
    """The member's tier review, listed under its (club-local) month: a promotion writes it,
    each review moves it on or removes it."""
    return keys.tier_review(club_id, member_id) | {"type": "tier_review", "month": month} | \
        keys.expiry_index_keys(month, "tier", club_id, member_id)


def first_onboarding_step(member: Member, first_day: str, welcome: Coupon | None) -> Item:
    """The agenda a confirmation starts: its first step, listed under that step's date."""
    step_day = min(ONBOARDING_STEPS)
    agenda = OnboardingAgenda(club_id=member.club_id, member_id=member.member_id, first_day=first_day,
                              step_day=step_day, welcome_coupon=welcome.code if welcome else None)
    return onboarding_agenda_item(agenda, (date.fromisoformat(first_day) + timedelta(days=step_day)).isoformat())
