"""The member's consents after joining: changed on the card or through ``/api/me/consents``,
withdrawn by one-click unsubscribe (RFC 8058). Each change is recorded with its proof
(``consent.record_consent``); what a join asked for takes effect in ``confirm``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memberclub import clock, tokens
from memberclub.bodies import require_object
from memberclub.club import Club
from memberclub.consent import PURPOSES, Method, Purpose, record_consent
from memberclub.errors import Invalid, Unauthorized
from memberclub.members import Member
from memberclub.signup.services import SignupServices


@dataclass(frozen=True)
class Origin:
    """Where a request came from: part of the consent proof."""

    method: Method
    ip: str | None = None
    user_agent: str | None = None


def parse_consent_changes(body: Any) -> dict[Purpose, bool]:
    """``PUT /api/me/consents``'s body: purposes mapped to true or false, or Invalid per field."""
    body = require_object(body)
    errors = {name: "unknown consent" for name in body if name not in PURPOSES}
    errors |= {name: "must be true or false" for name, value in body.items()
               if name in PURPOSES and not isinstance(value, bool)}
    if errors:
        raise Invalid("Some fields are not valid.", fields=errors)
    return body


def consents_from_form(fields: dict[str, str]) -> dict[Purpose, bool]:
    """A form's ``consent_<purpose>`` checkboxes: a box not sent is a consent not given."""
    return {purpose: bool(fields.get(f"consent_{purpose}")) for purpose in PURPOSES}


def change_consents(services: SignupServices, member: Member, changes: dict[Purpose, bool],
                    origin: Origin) -> Member:
    """Record the changed consents with their proof; unchanged ones write nothing."""
    now = clock.iso(clock.now())
    proofs = [
        record_consent(purpose, granted, at=now, method=origin.method, locale=member.locale,
                       ip=origin.ip, user_agent=origin.user_agent)
        for purpose, granted in changes.items()
        if member.has_consent(purpose) != granted
    ]
    updated = services.members.record_consents(member, proofs)
    if updated is None:
        raise Unauthorized("This card is not valid any more.", code="invalid_token")
    return updated


@dataclass(frozen=True)
class Unsubscribed:
    club: Club | None
    member: Member | None  # None once the member is not active (unsubscribed already)
    channel: str

    @property
    def locale(self) -> str:
        return self.member.locale if self.member else self.club.locale if self.club else "en"


def read_unsubscribe(services: SignupServices, token: str) -> Unsubscribed:
    """What an unsubscribe link names; Unauthorized or Gone for a link that cannot be used."""
    claims = tokens.read_token(services.token_key(), token, ("unsubscribe-email", "unsubscribe-sms"), clock.now())
    club = services.clubs.get(claims.club_id)
    member = services.members.get(claims.club_id, claims.member_id) if club else None
    channel = claims.kind.removeprefix("unsubscribe-")
    if member is not None and member.status != "active":
        member = None
    return Unsubscribed(club, member, channel)


def unsubscribe(services: SignupServices, token: str, origin: Origin) -> Unsubscribed:
    """One-click unsubscribe (RFC 8058): withdraws the channel's marketing consent."""
    found = read_unsubscribe(services, token)
    if found.club and found.member and found.member.has_consent(found.channel):  # type: ignore[arg-type]
        change_consents(services, found.member, {found.channel: False}, origin)  # type: ignore[dict-item]
    return found
