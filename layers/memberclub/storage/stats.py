"""The club's monthly figures, kept by atomic ADDs inside the transactions of their causes.

One item per club and month would serialise the club: DynamoDB cancels a transaction that
writes an item another transaction is writing at that moment (``TransactionConflict``), so a
webshop's flash sale would mostly conflict and retry. Each month's counters are therefore
spread over ``SHARDS`` items; the cause's own id (an order, a member, a coupon code) picks
the shard, so a retried cause writes the shard it wrote before, and the month is read back
in one BatchGetItem of its shards and summed.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from memberclub.storage import keys
from memberclub.storage.table import Table, update

SHARDS = 16
# The club's lifetime sums of every counter, kept beside the months (``stats_adds``): a
# figure "as at the end of a month" (members, active members, lifetime sales) is the total
# less what the later months added, so it needs the total and a few months, never every month
# since the club began.
TOTAL = "total"


def shard_for(cause: str) -> int:
    """The shard a cause counts in: stable across processes (``hash()`` is salted per process)."""
    return zlib.crc32(cause.encode()) % SHARDS


def stats_add(club_id: str, month: str, counters: Mapping[str, int], *, cause: str) -> dict[str, Any]:
    """An ADD of monthly counters to the cause's shard, as a transaction action."""
    names = {f"#c{i}": name for i, name in enumerate(counters)}
    values = {f":c{i}": amount for i, amount in enumerate(counters.values())}
    expression = "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters)))
    return update(keys.stats(club_id, month, shard_for(cause)), expression, names=names, values=values)


def stats_adds(club_id: str, by_month: Mapping[str, Mapping[str, int]], *, cause: str) -> list[dict[str, Any]]:
    """ADDs of counters to several months at once (an order counts in the month it was paid
    and moves a member's active spell in a later month) and the same sums to the club's
    ``TOTAL``: one action per item (a transaction may not name an item twice), zeros left out."""
    merged: dict[str, Counter[str]] = {}
    for month, counters in by_month.items():
        merged.setdefault(month, Counter()).update(counters)
        merged.setdefault(TOTAL, Counter()).update(counters)
    actions = []
    for month, counters in merged.items():
        nonzero = {name: amount for name, amount in counters.items() if amount}
        if nonzero:
            actions.append(stats_add(club_id, month, nonzero, cause=cause))
    return actions


class StatsStore:
    def __init__(self, table: Table):
        self.table = table

    def count(self, club_id: str, month: str, counters: Mapping[str, int], *, cause: str) -> None:
        """ADD counters of one month outside a transaction, in one request (what the messages
        function sent: its sends are once-only by their idempotency records, the count follows
        the send). Month only: no lifetime total is read for these."""
        self.table.run(stats_add(club_id, month, counters, cause=cause))

    def month(self, club_id: str, month: str) -> dict[str, int]:
        """The month's counters, summed over its shards (one BatchGetItem); {} when nothing counted."""
        return self.months(club_id, [month]).get(month, {})

    def segments(self, club_id: str) -> dict[str, Any] | None:
        """The club's key-customer snapshot (``jobs.segments``), or None before the first."""
        item = self.table.get(keys.segments(club_id))
        return _snapshot(item) if item else None

    def months(self, club_id: str, months: Iterable[str]) -> dict[str, dict[str, int]]:
        """Several months at once (a dashboard's twelve: 192 keys, two BatchGetItem calls)."""
        return self._read(club_id, months, with_segments=False)[0]

    def months_with_segments(self, club_id: str,
                             months: Iterable[str]) -> tuple[dict[str, dict[str, int]], dict[str, Any] | None]:
        """The months and the key-customer snapshot in the same BatchGetItem calls (the
        dashboard's: its last call has room for one key more)."""
        return self._read(club_id, months, with_segments=True)

    def _read(self, club_id: str, months: Iterable[str],
              with_segments: bool) -> tuple[dict[str, dict[str, int]], dict[str, Any] | None]:
        wanted = [keys.stats(club_id, month, shard) for month in dict.fromkeys(months) for shard in range(SHARDS)]
        segments_key = keys.segments(club_id)
        wanted += [segments_key] if with_segments else []
        totals: dict[str, Counter[str]] = {}
        found = self.table.batch_get(wanted)
        snapshot = next((_snapshot(item) for item in found if item["SK"] == segments_key["SK"]
                         and item["PK"] == segments_key["PK"]), None)
        for item in found:
            if item["SK"] == segments_key["SK"]:
                continue
            month = item["PK"].rsplit("#", 1)[1]
            counts = totals.setdefault(month, Counter())
            counts.update({name: int(value) for name, value in item.items()
                           if name not in ("PK", "SK") and isinstance(value, (int, Decimal))})
        return {month: dict(counts) for month, counts in totals.items()}, snapshot


def _snapshot(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("PK", "SK", "type")}
