"""Allowances that keep sending costs bounded: the club's daily SMS cap, and the limits on
sign-up messages per source address and per mailbox that keep strangers from running up
the bill or flooding someone's inbox. Each is one counter item per window, counted by a
conditional atomic ADD (concurrent requests cannot overshoot), with an expiry for clean-up.
"""

from __future__ import annotations

from typing import Any

from memberclub.storage import keys
from memberclub.storage.table import ConditionFailed, Table, update


def allowance_use(club_id: str, name: str, window: str, cap: int, expire_at: int) -> dict[str, Any]:
    """One counted use of the counter ``name`` in ``window`` as a transaction action (or an
    update): its condition fails once ``cap`` uses are spent; the item expires at ``expire_at``."""
    return update(
        keys.daily_counter(club_id, name, window),
        "ADD #used :one SET #expire = :expire",
        condition="attribute_not_exists(#used) OR #used < :cap",
        names={"#used": "used", "#expire": "expire_at"},
        values={":one": 1, ":cap": cap, ":expire": expire_at},
    )


def take_allowance(table: Table, club_id: str, name: str, day: str, cap: int, expire_at: int) -> bool:
    """Count one use of today's allowance, or answer False when ``cap`` uses are spent.
    One conditional update: concurrent senders cannot overshoot the cap."""
    if cap <= 0:
        return False
    try:
        table.run(allowance_use(club_id, name, day, cap, expire_at))
        return True
    except ConditionFailed:
        return False
