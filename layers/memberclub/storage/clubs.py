"""Clubs: the club item, and the owner-key index that tells a wrong key from another club's."""

from __future__ import annotations

import time

from memberclub.club import Club
from memberclub.errors import Conflict
from memberclub.storage import keys
from memberclub.storage.table import ConditionFailed, Table, put


class ClubStore:
    # Club rules are read on nearly every request; a warm Lambda keeps them this long.
    CACHE_SECONDS = 30.0

    def __init__(self, table: Table):
        self.table = table
        self._cache: dict[str, tuple[float, Club, str]] = {}

    def create(self, club: Club, owner_key_hash: str) -> None:
        """Create the club, or raise Conflict if the id is taken."""
        item = keys.club(club.club_id) | club.model_dump(mode="json") | {"owner_key_hash": owner_key_hash}
        try:
            self.table.transact([
                put(item, "attribute_not_exists(PK)"),
                put(keys.owner_key_index(owner_key_hash) | {"club_id": club.club_id}, "attribute_not_exists(PK)"),
                # The registry the scheduled jobs list the clubs from (storage.jobs).
                put(keys.club_registry(club.club_id) | {"club_id": club.club_id}),
            ])
        except ConditionFailed:
            raise Conflict(f"A club with the id {club.club_id!r} exists already.", code="club_exists") from None

    def get(self, club_id: str) -> Club | None:
        cached = self._read(club_id)
        return cached[0] if cached else None


    def owner_key_hash(self, club_id: str) -> str | None:
        cached = self._read(club_id)
        return cached[1] if cached else None

    def club_for_owner_key(self, owner_key_hash: str) -> str | None:
        """Which club a key belongs to (to tell another club's key, 403, from none, 401)."""
        item = self.table.get(keys.owner_key_index(owner_key_hash))
        return item["club_id"] if item else None

    def _read(self, club_id: str) -> tuple[Club, str] | None:
        cached = self._cache.get(club_id)
        if cached and time.monotonic() - cached[0] < self.CACHE_SECONDS:
            return cached[1], cached[2]
        item = self.table.get(keys.club(club_id))
        if item is None:
            return None
        club = Club.model_validate({k: v for k, v in item.items() if k in Club.model_fields})
        self._cache[club_id] = (time.monotonic(), club, item.get("owner_key_hash", ""))
        return club, item.get("owner_key_hash", "")
