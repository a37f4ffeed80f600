"""The owner's browser session: a signed cookie set once the owner key is typed in.

The cookie is ``<club>.<expires (epoch seconds)>.<mac>``: the MAC is HMAC-SHA256 with the
deployment's token key over the club, the expiry and the club's stored owner-key hash, so a
cookie cannot be forged, names one club, runs out after ``SESSION_SECONDS``, and stops
working when the owner key is replaced. The key itself is never stored in the browser.

Cross-site posts: the cookie is ``SameSite=Strict`` (a browser does not send it with a
request started by another site), and a form posted with the cookie must also carry the
session's form token (``form_token``), which another site cannot read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime

SESSION_SECONDS = 8 * 3600
COOKIE_NAME = "memberclub_owner"
_COOKIE = re.compile(r"^(?P<club>[a-z0-9][a-z0-9-]{1,30})\.(?P<expires>[0-9]{1,12})\.(?P<mac>[A-Za-z0-9_-]{43})$")


def _mac(token_key: bytes, *parts: str) -> str:
    digest = hmac.new(token_key, "|".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_session(token_key: bytes, club_id: str, owner_key_hash: str, now: datetime) -> str:
    expires = str(int(now.timestamp()) + SESSION_SECONDS)
    return f"{club_id}.{expires}.{_mac(token_key, 'owner-session', club_id, expires, owner_key_hash)}"


def session_is_valid(token_key: bytes, cookie: str | None, club_id: str, owner_key_hash: str, now: datetime) -> bool:
    """True for an unexpired session of this club under its current owner key."""
    match = _COOKIE.fullmatch(cookie or "")
    if match is None or match["club"] != club_id or not owner_key_hash:
        return False
    if int(match["expires"]) <= now.timestamp():
        return False
    expected = _mac(token_key, "owner-session", club_id, match["expires"], owner_key_hash)
    return hmac.compare_digest(expected, match["mac"])


def form_token(token_key: bytes, session: str) -> str:
    """The token a form posted with this session carries (bound to the session, so it
    expires with it)."""
    return _mac(token_key, "owner-form", session)


def form_token_matches(token_key: bytes, session: str, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(form_token(token_key, session), token or "")
