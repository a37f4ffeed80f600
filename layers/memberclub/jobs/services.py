"""What the jobs need from the outside, as small Protocols: ``storage.jobs.JobStore`` is the
real one, and the unit tests pass an in-memory fake (tests/unit/test_jobs.py).

Every write the jobs make is one transaction with its events (the outbox) and the month's
counters, under a condition that makes it happen once: a second run for the same date
finds the condition false and issues nothing.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from memberclub.club import Club
from memberclub.coupons import Coupon
from memberclub.events import EventDetail
from memberclub.members import Member
from memberclub.records import Record


class OnboardingAgenda(Record, kw_only=True):
    """A confirmed member's next onboarding step: written with the confirmation, moved on by
    the sweep from step to step, removed after the last."""

    club_id: str
    member_id: str
    first_day: str  # the club's local date of the confirmation (day 0)
    step_day: int  # the day of the next step (2, 5)
    welcome_coupon: str | None = None


class JobStore(Protocol):
    def club_ids(self) -> list[str]:
        """Every club of the deployment (the club registry: one small item per club)."""
        ...

    def club(self, club_id: str) -> Club | None: ...

    def members(self, club_id: str, member_ids: Sequence[str]) -> list[Member]:
        """The profiles of these members that exist (BatchGetItem, 100 at a time)."""
        ...

    def birthday_member_ids(self, club_id: str, month_day: str) -> list[str]:
        """The club's active members born on ``MM-DD``: the birthday index, never a scan."""
        ...

    def give_birthday_gift(self, member: Member, coupon: Coupon, year: int, month: str,
                           events: Sequence[EventDetail], now: datetime) -> bool:
        """The year's gift, its events and count, once: False if this year's gift exists."""
        ...

    def coupons_expiring(self, club_id: str, index_day: str) -> list[Coupon]:
        """The club's issued coupons in the expiry index under ``index_day``."""
        ...

    def coupons_by_code(self, club_id: str, codes: Sequence[str]) -> list[Coupon]: ...

    def remind_coupon(self, coupon: Coupon, events: Sequence[EventDetail], now: datetime) -> bool:
        """Mark the coupon reminded with its events, once: False if reminded, used or gone."""
        ...

    def expire_coupon(self, coupon: Coupon, month: str, events: Sequence[EventDetail], now: datetime) -> bool:
        """Mark an issued coupon past its expiry expired with its events and count, once."""
        ...

    def pending_due(self, club_id: str, day: str) -> list[Member]:
        """The pending members listed under ``day``, the end of their confirmation window."""
        ...

    def postpone_pending(self, member: Member, not_before: str) -> None:
        """List the member again under the end of its newest link's window (``not_before`` at the earliest)."""
        ...

    def remove_pending(self, member: Member) -> bool:
        """Remove a contact who never confirmed, once; False if it confirmed or joined again."""
        ...

    def last_active_in(self, club_id: str, month: str) -> list[Member]:
        """Members listed under the (UTC) ``month`` of their last purchase or redemption, and
        not lapsed yet."""
        ...

    def mark_inactive(self, member: Member, listed: str, month: str, now: datetime,
                      points_expire: str | None = None) -> bool:
        """Mark the member inactive and count ``lapsed`` in ``month``, once: False if they
        moved off the ``listed`` month meanwhile. ``points_expire``: list them for the points
        expiry of that month."""
        ...

    def points_expiring(self, club_id: str, month: str) -> list[Member]:
        """Lapsed members whose points expire in the (UTC) ``month``."""
        ...

    def expire_points(self, member: Member, listed: str, month: str, now: datetime) -> bool:
        """Their points gone, with a ledger line and ``points_expired`` in ``month``, once:
        False if a purchase or redemption moved them meanwhile."""
        ...

    def club_members(self, club_id: str) -> Iterator[Member]:
        """Every member of the club, a page at a time (the ``club_members`` index)."""
        ...

    def segments_month(self, club_id: str) -> str | None:
        """The month of the club's stored key-customer snapshot (None: none yet)."""
        ...

    def save_segments(self, club_id: str, snapshot: dict[str, Any]) -> None: ...

    def premium_ends_due(self, club_id: str, day: str) -> list[Member]:
        """Members whose premium runs out on the (UTC) ``day``, as the premium function listed it."""
        ...

    def end_premium(self, member: Member, month: str, events: Sequence[EventDetail], now: datetime) -> bool:
        """Count the member's premium ended in ``month`` and tell them, under the key Stripe's
        deletion uses (once, whichever comes first), and mark what was counted; False if it
        was counted already or the premium moved meanwhile."""
        ...

    def tier_reviews_due(self, club_id: str, month: str) -> list[Member]:
        """Members whose tier review is listed under the club-local ``month``."""
        ...

    def review_tier(self, member: Member, tier: str | None, next_review: str | None, listed: str, month: str,
                    events: Sequence[EventDetail], now: datetime) -> bool:
        """Set the member's tier (a demotion, counted in ``month`` with its events) and move
        the review listed under ``listed`` to ``next_review`` (None: removed), once: False
        if the member or the review moved meanwhile."""
        ...

    def relist_active(self, member: Member, listed: str) -> bool:
        """List the member under the month of their last activity (a redemption the list
        did not follow yet); False if they moved meanwhile."""
        ...

    def held_messages_due(self, club_id: str, day: str) -> list[tuple[str, str]]:
        """(held id, member id) of the marketing SMS held until the club's local ``day``."""
        ...

    def release_held_message(self, club_id: str, held_id: str, events: Sequence[EventDetail], now: datetime) -> bool:
        """Take a held message off the index with its event, once."""
        ...

    def onboarding_due(self, club_id: str, day: str) -> list[OnboardingAgenda]:
        """The club's onboarding agenda items whose next step falls on the local ``day``."""
        ...

    def advance_onboarding(self, agenda: OnboardingAgenda, next_day: str | None, next_step_day: int | None,
                           events: Sequence[EventDetail], now: datetime) -> bool:
        """Move the agenda to its next step (or remove it after the last) with the step's
        events, once: False if another run moved it already."""
        ...


@dataclass(frozen=True)
class JobServices:
    store: JobStore
