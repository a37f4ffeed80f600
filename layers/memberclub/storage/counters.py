"""Allowances that keep sending costs bounded: the club's daily SMS cap, and the limits on
sign-up messages per source address and per mailbox that keep strangers from running up
the bill or flooding someone's inbox. Each is one counter item per window, counted by a
conditional atomic ADD (concurrent requests cannot overshoot), with an expiry for clean-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from memberclub.storage import keys
from memberclub.storage.table import ConditionFailed, Table, update


@dataclass(frozen=True)
class Allowance:
    """One use of a counter ``name`` in ``window`` (a day or an hour), up to ``cap``."""

    name: str
    window: str
    cap: int
    expire_at: int

    def action(self, club_id: str) -> dict[str, Any]:
        """The counted use as a transaction action; its condition fails once ``cap`` is spent."""
        return update(
            keys.daily_counter(club_id, self.name, self.window),
            "ADD #used :one SET #expire = :expire",
            condition="attribute_not_exists(#used) OR #used < :cap",
            names={"#used": "used", "#expire": "expire_at"},
            values={":one": 1, ":cap": self.cap, ":expire": self.expire_at},
        )


class LimitReached(Exception):
    """An allowance is spent (``name`` says which): nothing was written."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def take_allowance(table: Table, club_id: str, name: str, day: str, cap: int, expire_at: int) -> bool:
    """Count one use of today's allowance, or answer False when ``cap`` uses are spent.
    One conditional update: concurrent senders cannot overshoot the cap."""
    if cap <= 0:
        return False
    try:
        table.update(
            keys.daily_counter(club_id, name, day),
            "ADD #used :one SET #expire = :expire",
            condition="attribute_not_exists(#used) OR #used < :cap",
            names={"#used": "used", "#expire": "expire_at"},
            values={":one": 1, ":cap": cap, ":expire": expire_at},
        )
        return True
    except ConditionFailed:
        return False
