"""Confirming a membership: the second half of the double opt-in.

Pending → active happens once, with one welcome coupon: the member store's status
condition decides, so two clicks at once activate once. ``MemberConfirmed`` (and the
welcome coupon's ``CouponIssued``) go on the bus after the write; until they are on it the
member keeps ``welcome_published = false`` and the next click publishes them again.
"""

from __future__ import annotations

from dataclasses import dataclass

from memberclub import clock, tokens
from memberclub.club import Club
from memberclub.consent import PURPOSES
from memberclub.coupons import Coupon, issue_coupon
from memberclub.errors import Unauthorized
from memberclub.events import CouponIssued, EventDetail, MemberConfirmed
from memberclub.members import Member
from memberclub.signup.services import SignupServices


@dataclass(frozen=True)
class Confirmation:
    club: Club
    member: Member
    card_token: str


def confirm_membership(services: SignupServices, token: str) -> Confirmation:
    """Activate a pending member with the welcome coupon and the consents of the join whose
    link this is; harmless to repeat (an active member's consents stay as they are)."""
    now = clock.now()
    key = services.token_key()
    claims = tokens.read_token(key, token, "confirm", now)
    club = services.clubs.get(claims.club_id)
    member, join = (services.members.get_with_join(claims.club_id, claims.member_id, claims.ref) if club
                    else (None, None))
    if club is None or member is None or member.status == "erased":
        raise Unauthorized("This link is not valid any more.", code="invalid_token")
    coupon: Coupon | None = None
    if member.status == "pending":
        rule = club.settings.welcome_coupon
        welcome = issue_coupon(club, member.member_id, "welcome", rule, issued=now, cause="welcome") if rule.enabled else None
        # first_day starts the onboarding steps (memberclub.jobs.onboarding) on the club's date.
        if services.members.activate(member, clock.iso(now), welcome, club.month_of(now), join,
                                     first_day=now.astimezone(club.zone).date().isoformat()):
            consents = {purpose: bool(join and join.choices.get(purpose)) for purpose in PURPOSES}
            member = member.replace(status="active", confirmed_at=clock.iso(now), welcome_published=False,
                                    consents=consents, locale=join.locale if join else member.locale)
            coupon = welcome
        else:
            # Confirmed at the same moment by another click: that one issued the coupon.
            member = services.members.get(club.club_id, member.member_id, consistent=True) or member
    if not member.welcome_published:
        if coupon is None:
            coupon = next((c for c in services.members.coupons(member) if c.kind == "welcome"), None)
        events: list[EventDetail] = [
            MemberConfirmed(club_id=club.club_id, idempotency_key=f"confirmed#{member.member_id}",
                            occurred_at=clock.iso(now), member_id=member.member_id,
                            welcome_coupon=coupon.code if coupon else None)]
        if coupon:
            events.append(CouponIssued(club_id=club.club_id, idempotency_key=f"coupon#{coupon.code}",
                                       occurred_at=coupon.issued_at, member_id=member.member_id, code=coupon.code,
                                       kind=coupon.kind, expires_at=coupon.expires_at))
        services.bus.publish(events)
        services.members.mark_welcome_published(member)
    return Confirmation(club, member, tokens.card_token(key, member))
