"""Clubs: the club item, and the owner-key index that tells a wrong key from another club's."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from memberclub.clock import iso
from memberclub.club import Club
from memberclub.club_rules import ClubSettings
from memberclub.errors import Conflict, NotFound
from memberclub.events import ClubSettingsChanged
from memberclub.records import field_names
from memberclub.storage import keys
from memberclub.storage.outbox import outbox_puts
from memberclub.storage.table import ConditionFailed, Item, Table, put, update


class ClubStore:
    # Club rules are read on nearly every request; a warm Lambda keeps them this long.
    CACHE_SECONDS = 30.0

    def __init__(self, table: Table):
        self.table = table
        self._cache: dict[str, tuple[float, Club, str]] = {}

    def create(self, club: Club, owner_key_hash: str) -> None:
        """Create the club, or raise Conflict if the id is taken."""
        item = keys.club(club.club_id) | club.to_data() | {"owner_key_hash": owner_key_hash}
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

    def cached(self, club_id: str) -> Club | None:
        """The club as this instance read it lately, or None: never a request."""
        fresh = self._fresh(club_id)
        return fresh[0] if fresh else None

    def _fresh(self, club_id: str) -> tuple[Club, str] | None:
        cached = self._cache.get(club_id)
        if cached and time.monotonic() - cached[0] < self.CACHE_SECONDS:
            return cached[1], cached[2]
        return None

    def remember(self, item: Item) -> Club:
        """The club of an item read with other items (a webhook's contacts), cached as if
        read here."""
        club = Club.parse({k: v for k, v in item.items() if k in field_names(Club)})
        self._cache[club.club_id] = (time.monotonic(), club, item.get("owner_key_hash", ""))
        return club


    def fresh(self, club_id: str) -> Club | None:
        """The club as stored now, past the cache (a consumer acting on a settings change)."""
        self._cache.pop(club_id, None)
        return self.get(club_id)

    def set_premium_price(self, club_id: str, price_id: str) -> None:
        """The club's Stripe Price for premium (``premium.price``); the cache forgets the club."""
        self.table.update(keys.club(club_id), "SET #s.#p.#id = :price", condition="attribute_exists(PK)",
                          names={"#s": "settings", "#p": "premium", "#id": "stripe_price_id"},
                          values={":price": price_id})
        self._cache.pop(club_id, None)

    def save_settings(self, club: Club, settings: ClubSettings, changes: dict[str, Any],
                      event: ClubSettingsChanged, now: datetime) -> None:
        """The club's new settings, an audit entry of what changed and the change's event
        (the outbox), all or nothing."""
        at = iso(now)
        try:
            self.table.transact([
                update(keys.club(club.club_id), "SET settings = :settings, #loc = :locale, #tz = :tz",
                       condition="attribute_exists(PK)", names={"#loc": "locale", "#tz": "timezone"},
                       values={":settings": settings.to_data(), ":locale": club.locale,
                               ":tz": club.timezone}),
                put(keys.settings_audit(club.club_id, at, time.time_ns())
                    | {"type": "settings_change", "at": at, "sections": event.sections, "changes": changes}),
                *outbox_puts(club.club_id, f"settings#{at}#{time.time_ns()}", [event], now),
            ])
        except ConditionFailed:
            raise NotFound("There is no club with this id.", code="unknown_club") from None
        self._cache.pop(club.club_id, None)

    def settings_audit(self, club_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The latest settings changes, newest first: ``at``, ``sections``, ``changes``."""
        items = self.table.query(keys.settings_audit_pk(club_id), forward=False, limit=limit)
        return [{"at": item["at"], "sections": item["sections"], "changes": item["changes"]} for item in items]

    def owner_key_hash(self, club_id: str) -> str | None:
        cached = self._read(club_id)
        return cached[1] if cached else None

    def club_for_owner_key(self, owner_key_hash: str) -> str | None:
        """Which club a key belongs to (to tell another club's key, 403, from none, 401)."""
        item = self.table.get(keys.owner_key_index(owner_key_hash))
        return item["club_id"] if item else None

    def _read(self, club_id: str) -> tuple[Club, str] | None:
        fresh = self._fresh(club_id)
        if fresh:
            return fresh
        item = self.table.get(keys.club(club_id))
        if item is None:
            return None
        return self.remember(item), item.get("owner_key_hash", "")
