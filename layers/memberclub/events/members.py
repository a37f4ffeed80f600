"""Members joining, confirming and leaving, and the coupons given them."""

from typing import Literal

from memberclub.events import EventDetail


class MemberJoined(EventDetail, kw_only=True):
    """A new contact joined: the member is pending until they confirm (double opt-in)."""

    DETAIL_TYPE = "MemberJoined"
    member_id: str
    source: str | None = None
    channel: Literal["email", "sms"]
    join_id: str | None = None  # the join whose consents the confirmation link records


class MemberJoinRepeated(EventDetail, kw_only=True):
    """Someone joined again with a known contact: a pending member gets a new confirmation,
    an active one an "already a member" message with the card link. Published only outside
    the per-contact cooldown."""

    DETAIL_TYPE = "MemberJoinRepeated"
    member_id: str
    status: Literal["pending", "active"]
    channel: Literal["email", "sms"]
    join_id: str | None = None  # a pending contact's new join: its link records its consents


class MemberConfirmed(EventDetail, kw_only=True):
    DETAIL_TYPE = "MemberConfirmed"
    member_id: str
    welcome_coupon: str | None = None


class CouponIssued(EventDetail, kw_only=True):
    DETAIL_TYPE = "CouponIssued"
    member_id: str
    code: str
    kind: str
    expires_at: str


class MemberErased(EventDetail, kw_only=True):
    DETAIL_TYPE = "MemberErased"
    member_id: str
