"""Daily allowances that keep sending costs bounded (e.g. the club's SMS cap)."""

from __future__ import annotations

from memberclub.storage import keys
from memberclub.storage.table import ConditionFailed, Table


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
