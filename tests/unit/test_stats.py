"""The month's counters are spread over shards and summed back (storage.stats)."""

from __future__ import annotations

from collections import Counter

from memberclub.storage import keys
from memberclub.storage.stats import SHARDS, StatsStore, shard_for, stats_add
from memberclub.storage.table import Table


class FakeTable:
    """Applies ADD actions to items and answers BatchGetItem, counting calls and keys."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict] = {}
        self.batch_calls: list[int] = []

    def apply(self, action: dict) -> None:
        update = action["Update"]
        key = (update["Key"]["PK"]["S"], update["Key"]["SK"]["S"])
        item = self.items.setdefault(key, {"PK": key[0], "SK": key[1]})
        for placeholder, name in update["ExpressionAttributeNames"].items():
            amount = int(update["ExpressionAttributeValues"][":" + placeholder[1:]]["N"])
            item[name] = item.get(name, 0) + amount

    # The real table's split into requests of at most 100 keys; each request answered here.
    batch_get = Table.batch_get

    def _batch_get(self, wanted, consistent):
        assert len(wanted) <= 100
        self.batch_calls.append(len(wanted))
        return [self.items[(k["PK"], k["SK"])] for k in wanted if (k["PK"], k["SK"]) in self.items]


def test_causes_spread_over_the_shards_and_stay_put():
    causes = [f"shopify#{n}" for n in range(2000)]
    used = Counter(shard_for(cause) for cause in causes)
    assert set(used) == set(range(SHARDS))
    assert max(used.values()) < 2 * len(causes) / SHARDS  # roughly even
    assert shard_for("shopify#42") == shard_for("shopify#42")  # a retry writes the same shard


def test_a_month_is_the_sum_of_its_shards_in_one_batch():
    table = FakeTable()
    for n in range(100):
        table.apply(stats_add("c", "2026-11", {"orders": 1, "sales": 250}, cause=f"order-{n}"))
    table.apply(stats_add("c", "2026-10", {"orders": 1}, cause="old"))
    assert len({sk for (pk, sk) in table.items if pk == keys.stats_pk("c", "2026-11")}) > 1
    stats = StatsStore(table)
    assert stats.month("c", "2026-11") == {"orders": 100, "sales": 25_000}
    assert table.batch_calls == [SHARDS]
    assert stats.month("c", "2026-09") == {}


def test_twelve_months_in_batches_of_at_most_a_hundred_keys():
    table = FakeTable()
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    for month in months:
        table.apply(stats_add("c", month, {"signups": int(month[-2:])}, cause=month))
    table.batch_calls.clear()
    figures = StatsStore(table).months("c", months)
    assert figures == {month: {"signups": int(month[-2:])} for month in months}
    assert sum(table.batch_calls) == 12 * SHARDS and len(table.batch_calls) == 2
