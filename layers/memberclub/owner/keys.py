"""Owner keys: random, shown once, stored only as a hash and compared in constant time.

The key is 32 random bytes, so a plain SHA-256 is enough (no password stretching needed:
there is nothing to guess).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

from memberclub.club import Club, ClubReader, require_club
from memberclub.errors import Forbidden, Unauthorized


class OwnerKeys(Protocol):
    def owner_key_hash(self, club_id: str) -> str | None: ...

    def club_for_owner_key(self, owner_key_hash: str) -> str | None:
        """Which club a key belongs to (to tell another club's key, 403, from none, 401)."""
        ...


class OwnersClubs(ClubReader, OwnerKeys, Protocol):
    """The clubs and their owner keys (``storage.clubs.ClubStore``)."""


def hash_owner_key(owner_key: str) -> str:
    return hashlib.sha256(owner_key.encode()).hexdigest()


def owner_key_matches(owner_key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_owner_key(owner_key), stored_hash)


def authenticate_owner(clubs: OwnerKeys, club_id: str, authorization: str | None) -> None:
    """Let the club's own owner key through: 401 without a key or with one that is no
    club's, 403 with another club's (the caller has checked the club exists: 404 first)."""
    scheme, _, key = (authorization or "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("Send the club's owner key as 'Authorization: Bearer <key>'.", code="missing_key")
    stored = clubs.owner_key_hash(club_id) or ""
    if stored and owner_key_matches(key, stored):
        return
    if clubs.club_for_owner_key(hash_owner_key(key)):
        raise Forbidden("This key belongs to another club.", code="wrong_club")
    raise Unauthorized("This owner key is not valid.", code="invalid_key")


def owners_club(clubs: OwnersClubs, club_id: str, authorization: str | None) -> Club:
    """The club, for its owner only, in the contract's order: 404 for no such club, then
    401/403 for a missing, wrong or other club's key."""
    club = require_club(clubs, club_id)
    authenticate_owner(clubs, club_id, authorization)
    return club
