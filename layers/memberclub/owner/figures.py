"""Reading the club's figures: one month's (``GET /owner/{club}/kpis``) or the last twelve
(the dashboard), each from one read of the counters it needs (``owner.kpis``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from memberclub.club import Club
from memberclub.owner.kpis import (
    TOTAL,
    Ledger,
    add_months,
    month_kpis,
    months_between,
    months_to_read,
)


class MonthlyStats(Protocol):
    """The counters, summed over their shards (``storage.stats.StatsStore``)."""

    def months(self, club_id: str, months: Iterable[str]) -> dict[str, dict[str, int]]: ...

    def months_with_segments(self, club_id: str,
                             months: Iterable[str]) -> tuple[dict[str, dict[str, int]], dict[str, Any] | None]:
        """The months and the key-customer snapshot (``loyalty.segments``) in the same reads."""


def kpis_of_month(stats: MonthlyStats, club: Club, month: str, now: datetime) -> dict[str, Any]:
    ledger = Ledger(stats.months(club.club_id, months_to_read(month, club, now)))
    return month_kpis(club, month, ledger)


def last_twelve_months(stats: MonthlyStats, club: Club, now: datetime) -> list[dict[str, Any]]:
    """The figures of the twelve months up to the current one, oldest first."""
    return dashboard_figures(stats, club, now)[0]


def dashboard_figures(stats: MonthlyStats, club: Club,
                      now: datetime) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The last twelve months' figures (oldest first) and the key-customer snapshot, read
    together: the dashboard's one set of BatchGetItem calls."""
    current = club.month_of(now)
    first = add_months(current, -11)
    read, segments = stats.months_with_segments(club.club_id, months_to_read(first, club, now))
    ledger = Ledger(read)
    return [month_kpis(club, month, ledger) for month in months_between(first, current)], segments


def members_now(stats: MonthlyStats, club: Club, now: datetime) -> int:
    """The club's members now (confirmed less erased, from the lifetime counters: one read)."""
    total = stats.months(club.club_id, [TOTAL]).get(TOTAL, {})
    return total.get("confirmed", 0) - total.get("erased", 0)
