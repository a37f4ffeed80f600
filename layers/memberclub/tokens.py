"""Signed member tokens: links in messages and the card's Bearer token.

A token is ``<payload><mac>``: the payload is base64url (no padding) of
``kind|club|member|version|expiry``, the MAC the first 16 bytes of HMAC-SHA256 over it
(22 base64url characters). Only ``[A-Za-z0-9_-]`` appears, so a token is safe in any URL.
The key comes from SSM Parameter Store; anyone without it cannot forge a token, and a
token names exactly one club and member, so one member can never reach another's data.

- ``card``: the card page and ``/api/me``. No expiry; revoked by erasure (the member is
  gone) or by bumping the member's ``token_version``.
- ``confirm``: the double opt-in link, valid 7 days.
- ``unsubscribe``: one-click unsubscribe from one channel; no expiry (old mails still work).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from memberclub.errors import Gone, Unauthorized

Kind = Literal["card", "confirm", "unsubscribe-email", "unsubscribe-sms"]
CONFIRMATION_VALIDITY = timedelta(days=7)
_MAC_CHARS = 22


@dataclass(frozen=True)
class TokenClaims:
    kind: str
    club_id: str
    member_id: str
    version: int
    expires_at: int | None


def peek_club(token: str) -> str | None:
    """The club a token names, unverified: only to offer a way back (a join link) on an
    error page, never to grant anything."""
    try:
        return _unb64(token[:-_MAC_CHARS]).decode().split("|")[1]
    except (ValueError, IndexError):
        return None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest()[:16])


def issue_token(
    key: bytes, kind: Kind, club_id: str, member_id: str, *, version: int = 0, expires_at: datetime | None = None
) -> str:
    expiry = "" if expires_at is None else str(int(expires_at.timestamp()))
    payload = _b64(f"{kind}|{club_id}|{member_id}|{version}|{expiry}".encode())
    return payload + _mac(key, payload)


def read_token(key: bytes, token: str, kind: Kind | tuple[Kind, ...], now: datetime) -> TokenClaims:
    """The claims of a genuine, unexpired token of this kind (or one of these kinds);
    Unauthorized or Gone otherwise."""
    payload, mac = token[:-_MAC_CHARS], token[-_MAC_CHARS:]
    if len(token) > 400 or not payload or not hmac.compare_digest(mac, _mac(key, payload)):
        raise Unauthorized("This link or token is not valid.", code="invalid_token")
    try:
        token_kind, club_id, member_id, version, expiry = _unb64(payload).decode().split("|")
        claims = TokenClaims(token_kind, club_id, member_id, int(version), int(expiry) if expiry else None)
    except ValueError:
        raise Unauthorized("This link or token is not valid.", code="invalid_token") from None
    if claims.kind not in ((kind,) if isinstance(kind, str) else kind):
        raise Unauthorized("This link or token is not valid here.", code="invalid_token")
    if claims.expires_at is not None and now.timestamp() > claims.expires_at:
        raise Gone("This link has expired.", code="token_expired")
    return claims
