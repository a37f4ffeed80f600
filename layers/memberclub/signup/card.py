"""The member card: who a card token names, and what the card page and ``GET /api/me`` show.

The card token is the card page's link and ``/api/me``'s Bearer token; it names a club and
a member and stays valid until the member is erased (its version is bumped then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from memberclub import clock, tokens
from memberclub.club import Club, require_club
from memberclub.coupons import Coupon
from memberclub.errors import NotFound, Unauthorized
from memberclub.members import Member
from memberclub.signup.services import SignupServices


@dataclass(frozen=True)
class Cardholder:
    """The club and the active member a genuine card token names."""

    club: Club
    member: Member


@dataclass(frozen=True)
class Card:
    """The member's card as read at ``at`` (a coupon's status depends on the moment)."""

    club: Club
    member: Member
    coupons: list[Coupon]  # newest first
    at: datetime


def authenticate_member(services: SignupServices, token: str) -> Cardholder:
    """The club and member a card token names; 401 for a forged, unknown or revoked one."""
    claims = tokens.read_token(services.token_key(), token, "card", clock.now())
    club = services.clubs.get(claims.club_id)
    member = services.members.get(claims.club_id, claims.member_id) if club else None
    if club is None or member is None or member.status != "active" or member.token_version != claims.version:
        raise Unauthorized("This card is not valid any more.", code="invalid_token")
    return Cardholder(club, member)


def open_card(services: SignupServices, holder: Cardholder) -> Card:
    """The member's card with their coupons."""
    return Card(holder.club, holder.member, services.members.coupons(holder.member), clock.now())


def member_view(card: Card) -> dict[str, Any]:
    """What ``GET /api/me`` answers."""
    member, now = card.member, card.at
    return {
        "member_id": member.member_id,
        "card_code": member.card_code,
        "stamps": member.stamps,
        "points": member.points,
        "tier": member.tier,
        "premium": {"active": member.premium_active(now), "until": member.premium_until},
        "coupons": [coupon.view(now) for coupon in card.coupons],
        "consents": member.consent_flags(),
    }


def club_named_by(services: SignupServices, token: str) -> Club | None:
    """The club an unusable link names (unverified): only for the error page's language and
    its way back to the join page, never to grant anything."""
    club_id = tokens.peek_club(token)
    try:
        return require_club(services.clubs, club_id) if club_id else None
    except NotFound:
        return None
