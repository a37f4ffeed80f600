"""Orders and what they earn: stamps, points, rewards, redemptions, exchanges."""

from typing import Any

from memberclub.events import EventDetail


class PurchaseRecorded(EventDetail, kw_only=True):
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


class PurchaseRefunded(EventDetail, kw_only=True):
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


class StampsAccrued(EventDetail, kw_only=True):
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


class RewardEarned(EventDetail, kw_only=True):
    DETAIL_TYPE = "RewardEarned"
    member_id: str
    code: str
    order_id: str


class CouponRedeemed(EventDetail, kw_only=True):
    DETAIL_TYPE = "CouponRedeemed"
    member_id: str
    code: str
    kind: str


class PointsExchanged(EventDetail, kw_only=True):
    """A member spent points on a reward from the club's catalogue."""

    DETAIL_TYPE = "PointsExchanged"
    member_id: str
    reward: str
    code: str
    points_spent: int
    points_left: int
