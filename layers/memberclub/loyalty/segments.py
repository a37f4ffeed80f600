"""Key customers by frequency and value: each member who gave profiling consent, placed by
their visits and spend over the last twelve months and how long ago they were last active.

- lapsed: no purchase or redemption for the club's ``activity.inactive_after_days`` (90);
- at risk: idle for more than half of that;
- champions: active, and at or above the club's median in both visits and spend;
- loyal: active and at or above the median in visits (spend below);
- occasional: active, fewer visits than the median.

The medians are the profiled members' own (those with a visit), so the segments fit a
bakery and a hotel alike. The map is a grid of visit ranges × spend quintiles with a count
in each cell: it says where the club's money comes from without naming anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from statistics import median
from typing import Any, NamedTuple

from memberclub import clock, money
from memberclub.club import Club
from memberclub.loyalty.activity import active_days
from memberclub.loyalty.rules import rolling
from memberclub.members import Member

SEGMENTS = ("champions", "loyal", "occasional", "at_risk", "lapsed")
# Visits in twelve months: the map's rows (the last is open-ended).
VISIT_RANGES = ((0, 0), (1, 1), (2, 3), (4, 6), (7, 12), (13, 24), (25, None))


class MemberPoint(NamedTuple):
    visits: int
    spend: int  # minor units, twelve months
    idle_days: int | None  # since the last purchase or redemption (None: never)


def member_point(club: Club, member: Member, now: datetime) -> MemberPoint | None:
    """Where a member stands, for an active member who consented to profiling; else None."""
    if member.status != "active" or not member.has_consent("profiling"):
        return None
    month = club.month_of(now)
    visits = sum(rolling(member.visits_by_month, month).values())
    spend = sum(rolling(member.spend_by_month, month).values())
    last = member.last_active_at or member.last_purchase_at
    idle = max((now - clock.parse_iso(last)).days, 0) if last else None
    return MemberPoint(visits, spend, idle)


def segment_of(point: MemberPoint, median_visits: float, median_spend: float, days: int) -> str:
    if point.idle_days is None or point.idle_days > days:
        return "lapsed"
    if point.idle_days > days // 2:
        return "at_risk"
    if point.visits >= median_visits and point.spend >= median_spend:
        return "champions"
    return "loyal" if point.visits >= median_visits else "occasional"


def _visit_row(visits: int) -> int:
    return next(i for i, (low, high) in enumerate(VISIT_RANGES) if visits >= low and (high is None or visits <= high))


def segment_snapshot(club: Club, points: Iterable[MemberPoint], month: str, computed_at: datetime) -> dict[str, Any]:
    """The month's key-customer figures: the count per segment and the frequency × value map."""
    points = list(points)
    buyers = [p for p in points if p.visits > 0]
    median_visits = median(p.visits for p in buyers) if buyers else 1
    median_spend = median(p.spend for p in buyers) if buyers else 0
    spends = sorted(p.spend for p in buyers)
    # Spend quintiles' upper edges among buyers (members without a visit sit in the first column).
    edges = [spends[min(len(spends) - 1, len(spends) * k // 5)] for k in (1, 2, 3, 4)] if spends else [0, 0, 0, 0]
    counts = dict.fromkeys(SEGMENTS, 0)
    grid = [[0] * 5 for _ in VISIT_RANGES]
    days = active_days(club)
    for point in points:
        counts[segment_of(point, median_visits, median_spend, days)] += 1
        column = sum(1 for edge in edges if point.spend > edge) if point.visits else 0
        grid[_visit_row(point.visits)][column] += 1
    return {
        "month": month, "computed_at": clock.iso(computed_at), "members": len(points), "segments": counts,
        "median_visits": f"{median_visits:g}", "median_spend": money.to_decimal_string(int(median_spend)),
        "visit_ranges": [f"{low}" if low == high else f"{low}+" if high is None else f"{low}–{high}"
                         for low, high in VISIT_RANGES],
        "spend_edges": [money.to_decimal_string(edge) for edge in edges], "grid": grid,
    }
