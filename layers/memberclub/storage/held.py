"""Marketing SMS held through a club's quiet hours: not dropped, kept until the morning.

A held message is one item, listed in the expiry index under the club's local date when the
quiet hours end (``EXP#<day>``, ``held#<club>#<id>``): the expiry job's morning run releases
that day's (``storage.jobs``), and the messages function sends each one once and removes it.
It holds the rendered message (the phone number too), so it expires after a week at most
(clean-up only) and is removed as soon as it is sent or its member is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime, timedelta
from typing import Any

from memberclub.clock import iso
from memberclub.storage import keys
from memberclub.storage.table import ConditionFailed, Table, update

KEEP_FOR = timedelta(days=7)


def held_id(delivery_key: str) -> str:
    """The same cause held twice is one item."""
    return hashlib.sha256(delivery_key.encode()).hexdigest()[:32]


class HeldMessages:
    def __init__(self, table: Table):
        self.table = table

    def hold(self, club_id: str, member_id: str, delivery_key: str, message: dict[str, Any], release_day: str,
             now: datetime, frequency_cap: dict[str, Any] | None = None) -> str:
        ident = held_id(delivery_key)
        item = keys.held_message(club_id, ident) | {
            "type": "held", "club_id": club_id, "member_id": member_id, "delivery_key": delivery_key,
            "message": message, "frequency_cap": frequency_cap, "held_at": iso(now), "release_day": release_day,
            "expire_at": int((now + KEEP_FOR).timestamp()),
        } | keys.expiry_index_keys(release_day, "held", club_id, ident)
        with contextlib.suppress(ConditionFailed):
            self.table.put(item, "attribute_not_exists(PK)")
        return ident

    def get(self, club_id: str, ident: str) -> dict[str, Any] | None:
        return self.table.get(keys.held_message(club_id, ident), consistent=True)

    def remove(self, club_id: str, ident: str) -> None:
        self.table.delete(keys.held_message(club_id, ident))


def release_action(club_id: str, ident: str, now: datetime) -> dict[str, Any]:
    """Take a held message off the index (once: the condition) as a transaction action."""
    return update(keys.held_message(club_id, ident), "SET released_at = :now REMOVE expiry_pk, expiry_sk",
                  condition="attribute_exists(expiry_pk)", values={":now": iso(now)})

