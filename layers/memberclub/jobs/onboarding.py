"""The onboarding sweep: the steps between the welcome (day 0, sent at confirmation) and the
welcome coupon's reminder (day 8, the expiry job's): day 2 how the card and stamps work,
day 5 the first benefit. Each step once (the agenda moves on under a condition), and
skipped when it no longer makes sense: a member no longer active (erased) gets nothing,
and the first-benefit step is dropped once the welcome coupon is used or gone. Consent is
the messages function's to check: a member without marketing consent gets no message."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from memberclub import clock
from memberclub.club import Club
from memberclub.events import EventDetail, OnboardingStepDue
from memberclub.jobs.calendar import ONBOARDING_STEPS
from memberclub.jobs.services import JobServices, OnboardingAgenda


def onboarding_steps_due(services: JobServices, club: Club, day: date, scheduled: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    store = services.store
    agendas = store.onboarding_due(club.club_id, day.isoformat())
    members = {m.member_id: m for m in store.members(club.club_id, [a.member_id for a in agendas])}
    for agenda in agendas:
        member = members.get(agenda.member_id)
        step = ONBOARDING_STEPS.get(agenda.step_day)
        later = sorted(d for d in ONBOARDING_STEPS if d > agenda.step_day)
        next_step_day = later[0] if later else None
        next_day = (date.fromisoformat(agenda.first_day) + timedelta(days=next_step_day)).isoformat() \
            if next_step_day else None
        events: list[EventDetail] = []
        if member is None or member.status != "active":
            next_day = next_step_day = None  # nothing more for someone who left
            counts["skipped"] += 1
        elif step is None or (step == "first_benefit" and not _welcome_usable(services, agenda, scheduled)):
            counts["skipped"] += 1
        else:
            events.append(OnboardingStepDue(
                club_id=club.club_id, idempotency_key=f"onboarding#{agenda.member_id}#{agenda.step_day}",
                occurred_at=clock.iso(scheduled), member_id=agenda.member_id, step=step, day=agenda.step_day))
        moved = store.advance_onboarding(agenda, next_day, next_step_day, events, scheduled)
        if events:
            counts["steps" if moved else "already_sent"] += 1
    return counts


def _welcome_usable(services: JobServices, agenda: OnboardingAgenda, now: datetime) -> bool:
    if not agenda.welcome_coupon:
        return False
    coupons = services.store.coupons_by_code(agenda.club_id, [agenda.welcome_coupon])
    return any(c.status_at(now) == "issued" for c in coupons)
