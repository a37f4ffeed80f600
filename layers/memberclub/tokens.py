"""Signed member tokens: links in messages and the card's Bearer token.

A token is ``<payload><mac>``: the payload is base64url (no padding) of
``kind|club|member|version|expiry`` (and ``|ref`` where the token names one thing more: a
confirmation link names its join), the MAC the first 16 bytes of HMAC-SHA256 over it
(22 base64url characters). Only ``[A-Za-z0-9_-]`` appears, so a token is safe in any URL.
The key comes from SSM Parameter Store; anyone without it cannot forge a token, and a
token names exactly one club and member, so one member can never reach another's data.

- ``card``: the card page and ``/api/me``. No expiry; revoked by erasure (the member is
  gone) or by bumping the member's ``token_version``.
- ``confirm``: the double opt-in link, valid 7 days.
- ``unsubscribe``: one-click unsubscribe from one channel; no expiry (old mails still work).
- ``premium-return``: the way back from Stripe Checkout to the premium page, so the card's
  own token (a lasting credential) is never handed to Stripe; valid to the end of the next
  day (UTC), the same all day, so a second tap gets the same Checkout Session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from memberclub.club import CLUB_ID_PATTERN
from memberclub.errors import Gone, Unauthorized

if TYPE_CHECKING:
    from memberclub.members import Member

Kind = Literal["card", "confirm", "unsubscribe-email", "unsubscribe-sms", "premium-return"]
CONFIRMATION_VALIDITY = timedelta(days=7)
_MAC_CHARS = 22
MAX_TOKEN_CHARS = 400
# What any token we issue looks like: anything else is refused before it is looked at.
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{{_MAC_CHARS + 1},{MAX_TOKEN_CHARS}}}")


@dataclass(frozen=True)
class TokenClaims:
    kind: str
    club_id: str
    member_id: str
    version: int
    expires_at: int | None
    ref: str | None = None  # a confirmation link's join (whose consents it records)


def is_token_shaped(token: str) -> bool:
    """True for text that could be a token of ours: ``[A-Za-z0-9_-]``, of a token's length."""
    return _TOKEN.fullmatch(token) is not None


def peek_club(token: str) -> str | None:
    """The club a token names, unverified: only to offer a way back (a join link) on an
    error page, never to grant anything; None unless it is a well-formed club id."""
    if not is_token_shaped(token):
        return None
    try:
        club_id = _unb64(token[:-_MAC_CHARS]).decode().split("|")[1]
    except (ValueError, IndexError):
        return None
    return club_id if re.fullmatch(CLUB_ID_PATTERN, club_id) else None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest()[:16])


def issue_token(
    key: bytes, kind: Kind, club_id: str, member_id: str, *, version: int = 0, expires_at: datetime | None = None,
    ref: str | None = None,
) -> str:
    expiry = "" if expires_at is None else str(int(expires_at.timestamp()))
    fields = [kind, club_id, member_id, str(version), expiry] + ([ref] if ref else [])
    payload = _b64("|".join(fields).encode())
    return payload + _mac(key, payload)


def read_token(key: bytes, token: str, kind: Kind | tuple[Kind, ...], now: datetime) -> TokenClaims:
    """The claims of a genuine, unexpired token of this kind (or one of these kinds);
    Unauthorized or Gone otherwise."""
    if not is_token_shaped(token):
        raise Unauthorized("This link or token is not valid.", code="invalid_token")
    payload, mac = token[:-_MAC_CHARS], token[-_MAC_CHARS:]
    if not hmac.compare_digest(mac.encode("ascii"), _mac(key, payload).encode("ascii")):
        raise Unauthorized("This link or token is not valid.", code="invalid_token")
    try:
        token_kind, club_id, member_id, version, expiry, *ref = _unb64(payload).decode().split("|")
        if len(ref) > 1:
            raise ValueError("too many fields")
        claims = TokenClaims(token_kind, club_id, member_id, int(version), int(expiry) if expiry else None,
                             ref[0] if ref else None)
    except ValueError:
        raise Unauthorized("This link or token is not valid.", code="invalid_token") from None
    if claims.kind not in ((kind,) if isinstance(kind, str) else kind):
        raise Unauthorized("This link or token is not valid here.", code="invalid_token")
    if claims.expires_at is not None and now.timestamp() > claims.expires_at:
        raise Gone("This link has expired.", code="token_expired")
    return claims


# --- the links a member gets ---------------------------------------------------------------


def card_token(key: bytes, member: Member) -> str:
    """The card page's link and ``/api/me``'s Bearer token: valid until erasure."""
    return issue_token(key, "card", member.club_id, member.member_id, version=member.token_version)


def confirmation_token(key: bytes, member: Member, now: datetime, join_id: str | None) -> str:
    """The double opt-in link of one join: following it records that join's consents."""
    return issue_token(key, "confirm", member.club_id, member.member_id, expires_at=now + CONFIRMATION_VALIDITY,
                       ref=join_id)


def premium_return_token(key: bytes, member: Member, now: datetime) -> str:
    """The premium page's address in Stripe's success and cancel URLs: it opens that page
    only, and only until the end of the next day (UTC)."""
    end_of_next_day = datetime.combine(now.date() + timedelta(days=2), datetime.min.time(), tzinfo=now.tzinfo)
    return issue_token(key, "premium-return", member.club_id, member.member_id, version=member.token_version,
                       expires_at=end_of_next_day)


def unsubscribe_token(key: bytes, member: Member, channel: str) -> str:
    """One-click unsubscribe from ``channel``'s marketing (``email`` or ``sms``)."""
    kind: Kind = "unsubscribe-email" if channel == "email" else "unsubscribe-sms"
    return issue_token(key, kind, member.club_id, member.member_id)
