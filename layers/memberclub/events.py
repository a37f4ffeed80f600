"""The events on the ``memberclub`` bus: one pydantic model per detail type.

Every detail carries a schema ``version``, the ``club_id`` and an ``idempotency_key`` that
names its cause, so a consumer that sees it twice (EventBridge delivers at least once) can
tell. Details carry ids, not contact data: consumers read the member when they need it, so
an erased member's e-mail never sits in an event archive.
"""

from collections.abc import Sequence
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

SOURCE = "memberclub"


class EventDetail(BaseModel):
    # A function uses two or three of the events below: each validator is built when its event
    # is first used, not at import (building all of them was a fifth of a cold start).
    model_config = ConfigDict(defer_build=True)

    DETAIL_TYPE: ClassVar[str]

    version: Literal[1] = 1
    club_id: str
    idempotency_key: str
    occurred_at: str


class MemberJoined(EventDetail):
    """A new contact joined: the member is pending until they confirm (double opt-in)."""

    DETAIL_TYPE = "MemberJoined"
    member_id: str
    source: str | None = None
    channel: Literal["email", "sms"]
    join_id: str | None = None  # the join whose consents the confirmation link records


class MemberJoinRepeated(EventDetail):
    """Someone joined again with a known contact: a pending member gets a new confirmation,
    an active one an "already a member" message with the card link. Published only outside
    the per-contact cooldown."""

    DETAIL_TYPE = "MemberJoinRepeated"
    member_id: str
    status: Literal["pending", "active"]
    channel: Literal["email", "sms"]
    join_id: str | None = None  # a pending contact's new join: its link records its consents


class MemberConfirmed(EventDetail):
    DETAIL_TYPE = "MemberConfirmed"
    member_id: str
    welcome_coupon: str | None = None


class CouponIssued(EventDetail):
    DETAIL_TYPE = "CouponIssued"
    member_id: str
    code: str
    kind: str
    expires_at: str


class MemberErased(EventDetail):
    DETAIL_TYPE = "MemberErased"
    member_id: str


class PurchaseRecorded(EventDetail):
    """A paid order, verified and normalised; ``member_id`` is None for a customer who is
    no member (the order still counts in the owner's figures). Money in minor units."""

    DETAIL_TYPE = "PurchaseRecorded"
    source: str
    order_id: str
    member_id: str | None = None
    currency: str
    total_minor: int
    points_basis_minor: int
    paid_at: str
    refunds_minor: dict[str, int] = {}
    stamps: int | None = None
    # The till's request, hashed: the same Idempotency-Key with another request is refused.
    fingerprint: str | None = None
    # The club as the purchases function read it (``Club`` as JSON): the rules in force when
    # the order came in, so the stamps function need not read the club again (one request
    # less per order with cold caches, which is every order of a small club).
    club: dict[str, Any] | None = None


class PurchaseRefunded(EventDetail):
    """Money went back on an order: refund id → amount (minor units), each applied once."""

    DETAIL_TYPE = "PurchaseRefunded"
    source: str
    order_id: str
    member_id: str | None = None
    currency: str | None = None
    refunds_minor: dict[str, int]
    full: bool = False
    total_minor: int | None = None
    refunded_at: str
    club: dict[str, Any] | None = None  # as in PurchaseRecorded


class StampsAccrued(EventDetail):
    """A member's stamps and points moved because of an order (negative for a refund)."""

    DETAIL_TYPE = "StampsAccrued"
    member_id: str
    source: str
    order_id: str
    stamps_delta: int
    points_delta: int
    stamps: int
    points: int
    tier: str | None = None


class RewardEarned(EventDetail):
    DETAIL_TYPE = "RewardEarned"
    member_id: str
    code: str
    order_id: str


class CouponRedeemed(EventDetail):
    DETAIL_TYPE = "CouponRedeemed"
    member_id: str
    code: str
    kind: str


class CouponExpiring(EventDetail):
    """A coupon's last days: the expiry job's reminder (``expiry_reminder_days`` before)."""

    DETAIL_TYPE = "CouponExpiring"
    member_id: str
    code: str
    kind: str
    expires_at: str


class CouponExpired(EventDetail):
    DETAIL_TYPE = "CouponExpired"
    member_id: str
    code: str
    kind: str


class TierChanged(EventDetail):
    """The expiry job's review: the member's spend (or visits) of the last twelve months no
    longer reaches their tier (promotions come with the order, in ``StampsAccrued``)."""

    DETAIL_TYPE = "TierChanged"
    member_id: str
    tier: str | None
    previous: str | None


class BirthdayGiftIssued(EventDetail):
    """The birthday job gave a member this year's gift (one a year)."""

    DETAIL_TYPE = "BirthdayGiftIssued"
    member_id: str
    code: str
    year: int


class OnboardingStepDue(EventDetail):
    """The onboarding sweep: a member who joined ``day`` days ago is due this step's message."""

    DETAIL_TYPE = "OnboardingStepDue"
    member_id: str
    step: str
    day: int


class HeldMessageDue(EventDetail):
    """A marketing SMS held through the club's quiet hours may go now (the expiry job's
    morning run releases it; the messages function sends it, once)."""

    DETAIL_TYPE = "HeldMessageDue"
    member_id: str
    held_id: str


class PointsExchanged(EventDetail):
    """A member spent points on a reward from the club's catalogue."""

    DETAIL_TYPE = "PointsExchanged"
    member_id: str
    reward: str
    code: str
    points_spent: int
    points_left: int


class PremiumActivated(EventDetail):
    DETAIL_TYPE = "PremiumActivated"
    member_id: str
    until: str
    trial: bool = False
    coupon_code: str | None = None  # the club's premium welcome coupon, when it gives one


class PremiumRenewed(EventDetail):
    DETAIL_TYPE = "PremiumRenewed"
    member_id: str
    until: str
    coupon_code: str | None = None  # the club's yearly premium gift, when this renewal starts a year


class PremiumPaymentFailed(EventDetail):
    """A renewal's payment failed or needs the member's action; premium lasts to ``until``
    (the last paid period and the club's grace days) while Stripe retries."""

    DETAIL_TYPE = "PremiumPaymentFailed"
    member_id: str
    until: str
    action_required: bool = False


class PremiumTrialEnding(EventDetail):
    DETAIL_TYPE = "PremiumTrialEnding"
    member_id: str
    trial_end: str


class PremiumCancelled(EventDetail):
    """Premium ends at ``until`` (cancelled at the period's end) or ended (deleted)."""

    DETAIL_TYPE = "PremiumCancelled"
    member_id: str
    until: str | None = None
    at_period_end: bool = False


class ClubSettingsChanged(EventDetail):
    """The owner changed the club's settings; ``sections`` names the top-level settings that
    changed (e.g. ``["premium", "stamps"]``). The premium function makes a new Stripe Price
    when ``premium`` changed, so the owner's side never talks to Stripe."""

    DETAIL_TYPE = "ClubSettingsChanged"
    sections: list[str]


class MembersExportRequested(EventDetail):
    """The owner asked for the members' CSV of a club too large to answer directly: the
    exports function writes it to the exports bucket under ``export_id``."""

    DETAIL_TYPE = "MembersExportRequested"
    export_id: str


DETAIL_TYPES: dict[str, type[EventDetail]] = {
    model.DETAIL_TYPE: model
    for model in (MemberJoined, MemberJoinRepeated, MemberConfirmed, CouponIssued, MemberErased,
                  PurchaseRecorded, PurchaseRefunded, StampsAccrued, RewardEarned, CouponRedeemed,
                  CouponExpiring, CouponExpired, TierChanged, BirthdayGiftIssued, OnboardingStepDue, HeldMessageDue,
                  PointsExchanged,
                  PremiumActivated, PremiumRenewed, PremiumPaymentFailed, PremiumTrialEnding, PremiumCancelled,
                  ClubSettingsChanged, MembersExportRequested)
}


class EventEnvelope(BaseModel):
    """What EventBridge hands a target. Our own five fields rather than Powertools' parser
    models: importing those builds a model for every AWS event source (~0.4 s of cold start)."""

    model_config = ConfigDict(populate_by_name=True)
    id: str
    detail_type: str = Field(alias="detail-type")
    source: str
    time: str
    detail: dict[str, Any]


def parse_detail(detail_type: str, detail: dict[str, Any]) -> EventDetail:
    return DETAIL_TYPES[detail_type].model_validate(detail)


class EventPublisher(Protocol):
    """The bus as a use case sees it (``eventing.bus.EventBridgeBus``, or a test's list)."""

    def publish(self, events: Sequence[EventDetail]) -> None:
        """All of them on the bus, or ``Unavailable``: consumers are idempotent, so a use
        case publishes again on its retry."""
