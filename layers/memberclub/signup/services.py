"""What the signup use cases need, and the words they and storage share.

``SignupServices`` is the bag of adapters every use case takes; each seam is a Protocol, so
a unit test hands in an in-memory fake and the functions run without AWS
(``tests/unit/test_signup_use_cases.py``). ``storage.signup.SignupStore`` is the real member
store: it raises the refusals below and takes the values below, and it alone knows the
table's keys and item shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from memberclub.club import ClubReader
from memberclub.consent import ConsentProof, JoinConsents
from memberclub.coupons import Coupon
from memberclub.events import EventDetail, EventPublisher
from memberclub.members import Member

if TYPE_CHECKING:  # the member's own export reads order records; joins and cards do not
    from memberclub.orders.facts import OrderRecord

# --- what the member store answers and takes -------------------------------------------------


class ContactTaken(Exception):
    """The e-mail or the phone belongs to a member already (``channel`` says which)."""

    def __init__(self, channel: Literal["email", "phone"], member_id: str | None):
        super().__init__(channel)
        self.channel = channel
        self.member_id = member_id


class IdTaken(Exception):
    """A randomly drawn member id or card code is someone's already: draw again."""


class LimitReached(Exception):
    """An allowance is spent (``name`` says which): nothing was written."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Allowance:
    """One use of the counter ``name`` in ``window`` (a day or an hour), up to ``cap``; the
    counter is forgotten after ``expire_at`` (epoch seconds)."""

    name: str
    window: str
    cap: int
    expire_at: int


@dataclass(frozen=True)
class MemberRecords:
    """Everything the club holds about a member besides the profile (the export's parts)."""

    coupons: list[Coupon]  # oldest first
    orders: list[OrderRecord]  # oldest first
    consent_history: list[ConsentProof]  # in the order the decisions were made
    ledger: list[dict[str, Any]]  # stamp and point movements, oldest first


@dataclass(frozen=True)
class Erasure:
    """What erasing a member removes, as ``gdpr.erase_member`` decides it; the member store
    carries it out (the history first, the profile last) and keeps the rest."""

    erased_at: str
    stats_month: str
    profile_fields: tuple[str, ...]  # cleared on the member's anonymous tombstone
    consent_history: bool  # the proof of each consent decision
    waiting_joins: bool  # joins whose link was never followed
    coupons: tuple[str, ...]  # the codes of the coupons that go
    contact_index: bool  # the e-mail and phone that found the member
    card_index: bool  # the card code that found the member
    # The member's order records and ledger entries stay for the books (anonymous: ids and
    # sums) until then, and expire after; nothing relies on the expiry for correctness.
    bookkeeping_until: str | None = None
    erased_by: Literal["member", "owner"] = "member"  # who asked: the member, or the owner on their request


# --- the seams -------------------------------------------------------------------------------


class SignupMemberStore(Protocol):
    """The member store as signup uses it (``storage.signup.SignupStore``)."""

    def get(self, club_id: str, member_id: str, *, consistent: bool = False) -> Member | None: ...

    def get_with_join(self, club_id: str, member_id: str,
                      join_id: str | None) -> tuple[Member | None, JoinConsents | None]: ...

    def coupons(self, member: Member) -> list[Coupon]: ...

    def records(self, member: Member) -> MemberRecords: ...

    def create_pending(self, member: Member, join: JoinConsents, join_expire_at: int, stats_month: str,
                       allowances: Sequence[Allowance] = ()) -> None:
        """Raises ContactTaken, LimitReached or IdTaken, and then writes nothing."""

    def claim_message_slot(self, member: Member, field: str, now: str, not_after: str,
                           join: JoinConsents | None = None, join_expire_at: int = 0,
                           allowances: Sequence[Allowance] = ()) -> bool:
        """False when a message went after ``not_after`` (the cooldown); LimitReached."""

    def release_message_slot(self, member: Member, field: str, claimed_at: str) -> None: ...

    def activate(self, member: Member, confirmed_at: str, welcome: Coupon | None, stats_month: str,
                 join: JoinConsents | None, first_day: str | None = None) -> bool:
        """False when the member was no longer pending (and nothing was written)."""

    def mark_welcome_published(self, member: Member) -> None: ...

    def record_consents(self, member: Member, proofs: Sequence[ConsentProof]) -> Member | None: ...

    def erase(self, member: Member, erasure: Erasure) -> None: ...

    def exchange_points(self, after: Member, points: int, coupon: Coupon, stats_month: str,
                        events: Sequence[EventDetail], now: datetime) -> bool:
        """The card with ``points`` spent (``after``, rev bumped), the coupon, the ledger line,
        the month's ``points_spent`` and the events (the outbox), on the condition that the
        card did not move since it was read; False, and nothing written, if it did."""


TokenKey = Callable[[], bytes]  # read lazily: from SSM in AWS, cached


@dataclass(frozen=True)
class SignupServices:
    clubs: ClubReader
    members: SignupMemberStore
    bus: EventPublisher
    token_key: TokenKey
